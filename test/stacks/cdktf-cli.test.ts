/**
 * `npx cdktf synth` as users run it from the repository: the pinned cdktf-cli (a devDependency, so `npx cdktf` needs
 * no global install), cdktf.json's app and its `context.mskGitops` settings. Synth only: diff and deploy need an AWS
 * account; the apply suite (apply.test.ts) applies the same synthesized stack against moto.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = join(__dirname, '..', '..');

describe('npx cdktf, from the repository', () => {
  const out = mkdtempSync(join(tmpdir(), 'msk-gitops-cdktf-'));
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('is cdktf-cli 0.21.0, pinned exactly as a devDependency', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    expect(pkg.devDependencies['cdktf-cli']).toBe('0.21.0');
    expect(pkg.devDependencies.cdktf).toBe('0.21.0');
    const installed = JSON.parse(readFileSync(join(root, 'node_modules', 'cdktf-cli', 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(installed.version).toBe('0.21.0');
  });

  it('synthesizes the stack named in cdktf.json with `npx cdktf synth`', async () => {
    const cdktf = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')) as {
      context: { mskGitops: { name: string } };
    };
    const name = cdktf.context.mskGitops.name;
    await run('npx', ['cdktf', 'synth', '--output', out], {
      cwd: root,
      env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_DISABLE_TELEMETRY: 'true', CI: 'true' },
      timeout: 300_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const tf = JSON.parse(readFileSync(join(out, 'stacks', name, 'cdk.tf.json'), 'utf8')) as {
      resource: Record<string, Record<string, { cluster_name?: string }>>;
    };
    expect(Object.values(tf.resource.aws_msk_cluster).map((cluster) => cluster.cluster_name)).toEqual([name]);
  }, 320_000);
});
