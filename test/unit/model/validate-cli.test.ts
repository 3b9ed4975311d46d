// `msk-gitops validate` and `msk-gitops schema` through the real CLI entry point, with captured streams.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { main } from '../../../reconciler/cli';

const ROOT = path.resolve(__dirname, '../../..');

function capture() {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

async function run(argv: string[], cwd = ROOT) {
  const out = capture();
  const err = capture();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env: {}, cwd });
  return { code, stdout: out.text(), stderr: err.text() };
}

describe('msk-gitops validate', () => {
  it('passes on desired-state with a one-line summary', async () => {
    const result = await run(['validate', 'desired-state']);
    expect(result).toEqual({
      code: 0,
      stdout: 'desired-state: 3 topics, 4 users, 4 apps, 16 ACLs — valid\n',
      stderr: '',
    });
    expect((await run(['validate'])).stdout).toBe(result.stdout);
  });

  it('lists every problem with its place and exits 1', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-validate-'));
    writeFileSync(
      path.join(dir, 'topics.yaml'),
      'topics:\n  lms-users-acls:\n    partitions: 0\n    replicationFactor: 1\n    partitons: 2\n',
    );
    const result = await run(['validate', 'bad'], dir).catch(() => null);
    expect(result?.code).toBe(1); // "bad" does not exist under cwd: a usage error
    const shown = await run(['validate', '.'], dir);
    expect(shown.code).toBe(1);
    expect(shown.stdout).toBe(
      [
        'topics.yaml:3:17: topics.lms-users-acls.partitions: must be an integer ≥ 1, got 0',
        'topics.yaml:5:5: topics.lms-users-acls: unknown key "partitons" (did you mean "partitions"?)',
        '.: 2 problems — nothing will be applied',
        '',
      ].join('\n'),
    );
    const prefixed = await run(['validate', dir]);
    expect(prefixed.stdout.split('\n')[0]).toBe(
      `${dir}/topics.yaml:3:17: topics.lms-users-acls.partitions: must be an integer ≥ 1, got 0`,
    );
  });

  it('speaks JSON for machines', async () => {
    const result = await run(['validate', 'desired-state', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual({
      dir: 'desired-state',
      valid: true,
      counts: { topics: 3, users: 4, apps: 4, acls: 16 },
      diagnostics: [],
    });
  });

  it('annotates pull requests on GitHub', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-github-'));
    writeFileSync(path.join(dir, 'topics.yaml'), 'topics:\n  t:\n    partitions: 0\n    replicationFactor: 1\n');
    const result = await run(['validate', '.', '--format', 'github'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe(
      '::error file=topics.yaml,line=3,col=17::topics.t.partitions: must be an integer ≥ 1, got 0\n' +
        '.: 1 problem — nothing will be applied\n',
    );
  });

  it('exits 1 on usage errors, with the usage (2 is never an error: it means "changes" to plan and drift)', async () => {
    const missing = await run(['validate', 'no-such-dir']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no-such-dir: no such directory');
    expect(missing.stderr).toContain('usage: msk-gitops validate');
    expect((await run(['validate', 'desired-state', '--format', 'xml'])).code).toBe(1);
    expect((await run(['validate', 'a', 'b'])).code).toBe(1);
    expect((await run(['validate', '--bogus'])).code).toBe(1);
  });

  it('reports an empty directory as an error, never as an empty desired state', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-empty-'));
    const result = await run(['validate', '.'], dir);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('.: no manifests found in .\n.: 1 problem — nothing will be applied\n');
  });
});

describe('msk-gitops schema', () => {
  it('prints the manifest and settings JSON Schemas', async () => {
    const manifest = await run(['schema']);
    expect(manifest.code).toBe(0);
    expect(JSON.parse(manifest.stdout).properties).toHaveProperty('topics');
    const settings = await run(['schema', '--kind', 'settings']);
    expect(JSON.parse(settings.stdout).properties).toHaveProperty('deletions');
    expect((await run(['schema', '--kind', 'nope'])).code).toBe(1);
  });

  it('--write puts every schema file in a directory', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-schema-'));
    const result = await run(['schema', '--write', 'out'], dir);
    expect(result.stdout).toBe(
      'wrote out/manifest.schema.json\nwrote out/settings.schema.json\nwrote out/plan.schema.json\n',
    );
  });
});
