/**
 * The git source against real git: a bare repository in a temp folder is the remote. A force-push is followed, the
 * subfolder is what is returned, and a token never lands in .git/config or an error message.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GitSourceSchema } from '../../reconciler/daemon/config';
import { GitSource } from '../../reconciler/source/git';

const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-git-'));
const remote = path.join(root, 'remote.git');
const work = path.join(root, 'work');

function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: work,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }).trim();
}

beforeAll(() => {
  execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', remote]);
  mkdirSync(path.join(work, 'manifests'), { recursive: true });
  git('init', '-q', '--initial-branch=main');
  git('remote', 'add', 'origin', remote);
});

afterAll(() => rmSync(root, { recursive: true, force: true }));

it('follows the branch through a force-push and returns the subfolder at the remote head', async () => {
  writeFileSync(path.join(work, 'manifests', 'a.yaml'), 'topics: {}\n');
  git('add', '-A');
  git('commit', '-q', '-m', 'one');
  git('push', '-q', 'origin', 'main');
  const first = git('rev-parse', 'HEAD');
  const config = GitSourceSchema.parse({ url: remote, path: 'manifests', checkoutDir: path.join(root, 'checkout') });
  const source = new GitSource(config, { token: 'ghp_TOPSECRET' });
  expect(await source.sync()).toEqual({ dir: path.join(root, 'checkout', 'manifests'), revision: first });

  writeFileSync(path.join(work, 'manifests', 'a.yaml'), 'topics: {x: {partitions: 1, replicationFactor: 2}}\n');
  git('commit', '-q', '-a', '--amend', '-m', 'rewritten');
  git('push', '-q', '--force', 'origin', 'main');
  const rewritten = git('rev-parse', 'HEAD');
  writeFileSync(path.join(root, 'checkout', 'manifests', 'stray.yaml'), 'left behind\n');
  expect((await source.sync()).revision).toBe(rewritten);
  expect(readFileSync(path.join(root, 'checkout', 'manifests', 'a.yaml'), 'utf8')).toContain('partitions: 1');
  expect(() => readFileSync(path.join(root, 'checkout', 'manifests', 'stray.yaml'))).toThrow();
  expect(readFileSync(path.join(root, 'checkout', '.git', 'config'), 'utf8')).not.toContain('TOPSECRET');
});

it('keeps the last snapshot and names the remote (without credentials) when it is unreachable', async () => {
  const config = GitSourceSchema.parse({
    url: 'https://127.0.0.1:1/acme/manifests.git',
    checkoutDir: path.join(root, 'unreachable'),
  });
  const source = new GitSource(config, { token: 'ghp_TOPSECRET' }, 10_000);
  const error = await source.sync().catch((e: Error) => e);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).message).toMatch(/^git https:\/\/127\.0\.0\.1:1\/acme\/manifests\.git \(main\): /);
  expect((error as Error).message).not.toContain('TOPSECRET');
  expect(source.lastSnapshot()).toBeNull();
});
