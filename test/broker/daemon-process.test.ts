/**
 * `msk-gitops run` as a process: a local manifests folder watched by chokidar, the HTTP endpoint, the lock that
 * keeps a second instance out (naming the holder), JSON logs, and a clean exit on SIGTERM.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes, type Admin } from 'kafkajs';
import { CLI_BIN } from '../support/built-cli';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';

jest.setTimeout(60_000);

const p = uniquePrefix('daemonproc');
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-run-'));
const manifests = path.join(root, 'manifests');
const configFile = path.join(root, 'config.json');
let admin: Admin;
let child: ChildProcessWithoutNullStreams;
let output = '';

const filter = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: `${p}events`,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: `User:${p}app`,
  host: '*',
  operation: AclOperationTypes.WRITE,
  permissionType: AclPermissionTypes.ALLOW,
};

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

beforeAll(async () => {
  mkdirSync(manifests);
  writeFileSync(
    path.join(manifests, 'settings.yaml'),
    `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\n`,
  );
  writeFileSync(path.join(manifests, 'topics.yaml'), `topics:\n  ${p}events: {partitions: 1, replicationFactor: 2}\n`);
  writeFileSync(
    configFile,
    JSON.stringify({
      connection: testProfile(),
      source: { local: { dir: 'manifests', debounceMs: 200 } },
      http: { port: 0 },
      auditLog: 'audit.jsonl',
      lockFile: 'run.lock',
    }),
  );
  admin = (await testKafka()).admin();
  await admin.connect();
});

afterAll(async () => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
  await admin.deleteTopics({ topics: [`${p}events`] }).catch(() => undefined);
  await admin.deleteAcls({ filters: [filter] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(root, { recursive: true, force: true });
});

it('runs, converges on edits, refuses a second instance (or waits with --wait), and stops cleanly on SIGTERM', async () => {
  child = spawn(process.execPath, [CLI_BIN, 'run', '--config', configFile], { env: process.env });
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  // Port 0: the controller picks a free port and logs where it listens.
  const base = await until('the HTTP endpoint', () => /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(output)?.[1]);

  const ready = await until('readyz', async () => {
    const response = await fetch(`${base}/readyz`);
    return response.status === 200 ? ((await response.json()) as { lastReconcile: { status: string } }) : undefined;
  });
  expect(ready.lastReconcile.status).toBe('converged');

  const second = spawnSync(process.execPath, [CLI_BIN, 'run', '--config', configFile], {
    encoding: 'utf8',
    env: process.env,
  });
  expect(second.status).toBe(1);
  expect(second.stderr).toContain(
    `another msk-gitops controller (pid ${child.pid}) holds ${path.join(root, 'run.lock')}`,
  );

  const waiter = spawn(process.execPath, [CLI_BIN, 'run', '--config', configFile, '--wait'], { env: process.env });
  let waited = '';
  waiter.stdout.on('data', (chunk: Buffer) => (waited += chunk.toString()));
  await until('the waiting instance', () => (waited.includes('waiting for it to stop') ? true : undefined));
  expect(waited).toContain(`"pid":${child.pid}`);
  waiter.kill('SIGTERM');
  expect(await new Promise<number | null>((resolve) => waiter.once('exit', (c) => resolve(c)))).toBe(0);

  writeFileSync(
    path.join(manifests, 'acls.yaml'),
    `acls:\n  - principal: User:${p}app\n    resource: {type: topic, name: ${p}events}\n    operations: [Write]\n    external: true\n`,
  );
  await until('the ACL', async () => {
    const found = await admin.describeAcls(filter);
    return found.resources.length > 0 ? true : undefined;
  });
  // The ACL is there before the reconcile has verified it and logged its end: wait for the line too.
  await until('the file-change reconcile to finish', () =>
    output
      .split('\n')
      .some((line) => line.includes('"msg":"reconcile finished"') && line.includes('"trigger":"file change"'))
      ? true
      : undefined,
  );

  const lines = output
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(
    lines.every(
      (line) => typeof line.time === 'string' && typeof line.level === 'string' && typeof line.msg === 'string',
    ),
  ).toBe(true);
  expect(lines).toContainEqual(expect.objectContaining({ msg: 'reconcile finished', trigger: 'file change' }));
  expect(output).not.toContain(process.env.KAFKA_SASL_PASSWORD ?? 'admin-secret');

  child.kill('SIGTERM');
  const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
  expect(code).toBe(0);
  expect(existsSync(path.join(root, 'run.lock'))).toBe(false);
  expect(output).toContain('"msg":"controller stopped"');
});
