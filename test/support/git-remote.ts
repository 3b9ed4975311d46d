/** A manifests repository for controller tests: a bare remote and a clone whose commits are pushed to it. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Signer } from './signing';

export interface ManifestsRemote {
  /** The bare repository the controller follows (branch main, manifests under `manifests/`). */
  remote: string;
  git(...args: string[]): string;
  /**
   * Writes (or, for null, removes) files under manifests/, commits (signed with `signer` when given, as `email`
   * when given), pushes, and returns the commit.
   */
  commit(files: Record<string, string | null>, message: string, options?: { signer?: Signer; email?: string }): string;
}

export function createManifestsRemote(root: string): ManifestsRemote {
  const remote = path.join(root, 'remote.git');
  const work = path.join(root, 'work');
  execFileSync('git', ['init', '-q', '--bare', '--initial-branch=main', remote]);
  execFileSync('git', ['clone', '-q', remote, work], { stdio: 'ignore' });
  mkdirSync(path.join(work, 'manifests'));
  // Something outside manifests/, so a test sees the controller follow only its subfolder.
  writeFileSync(path.join(work, 'README.md'), 'manifests live in manifests/\n');
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=test', '-c', 'user.email=test@example.com', ...args], {
      cwd: work,
      encoding: 'utf8',
    }).trim();
  const commitAs = (options: { signer?: Signer; email?: string }, ...args: string[]): string =>
    execFileSync(
      'git',
      [
        '-c',
        'user.name=test',
        '-c',
        `user.email=${options.email ?? 'test@example.com'}`,
        ...(options.signer?.gitConfig ?? []),
        ...args,
      ],
      { cwd: work, encoding: 'utf8', env: { ...process.env, ...options.signer?.env } },
    ).trim();
  return {
    remote,
    git,
    commit(files, message, options = {}) {
      for (const [name, text] of Object.entries(files)) {
        const file = path.join(work, 'manifests', name);
        if (text === null) rmSync(file, { force: true });
        else {
          mkdirSync(path.dirname(file), { recursive: true });
          writeFileSync(file, text);
        }
      }
      git('add', '-A');
      commitAs(options, 'commit', '-q', ...(options.signer ? ['-S'] : []), '-m', message);
      git('push', '-q', 'origin', 'HEAD:main');
      return git('rev-parse', 'HEAD');
    },
  };
}
