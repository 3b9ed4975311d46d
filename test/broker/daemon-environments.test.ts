/**
 * One manifests tree, two environments, the real broker: the CLI's reconcile and two controllers (staging, prod)
 * build the shared manifests plus their own environments/<name>.yaml. The controllers run side by side on one
 * repository without sharing a lock, an audit log or a metric series, and a controller for an environment the tree
 * does not declare refuses to start.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce } from '../../reconciler/reconcile';
import { loadDaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';

jest.setTimeout(120_000);

const p = uniquePrefix('envs');
const orders = `${p}orders`;
const prodOnly = `${p}prod-only`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-envs-'));
let repo: ManifestsRemote;
let kafka: Kafka;
let admin: Admin;
const daemons: RunningDaemon[] = [];

const DAY = 86_400_000;

async function retentionOf(topic: string): Promise<string | undefined> {
  const configs = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    includeSynonyms: false,
  });
  return configs.resources[0].configEntries.find((e) => e.configName === 'retention.ms')?.configValue;
}

async function topicNames(): Promise<string[]> {
  return (await admin.listTopics()).filter((name) => name.startsWith(p)).sort();
}

function configFile(environment: string, extra: object = {}): string {
  const file = path.join(root, `${environment}.json`);
  writeFileSync(
    file,
    JSON.stringify({
      environment,
      connection: testProfile(),
      source: { git: { url: repo.remote, branch: 'main', path: 'manifests', checkoutDir: `${environment}/checkout` } },
      http: { port: 0 },
      auditLog: `${environment}/audit.jsonl`,
      lockFile: `${environment}/msk-gitops.lock`,
      ...extra,
    }),
  );
  return file;
}

async function start(file: string): Promise<RunningDaemon> {
  const daemon = await startDaemon({
    config: loadDaemonConfig(file),
    logger: silentLogger(),
    reconcile: reconcileOnce,
    formatDiagnostic,
    features: { triggers: false },
  });
  daemons.push(daemon);
  return daemon;
}

beforeAll(async () => {
  repo = createManifestsRemote(root);
  repo.commit(
    {
      'settings.yaml': `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\n`,
      'topics.yaml': `topics:\n  ${orders}:\n    partitions: 2\n    replicationFactor: 2\n    config:\n      retention.ms: ${DAY}\n`,
      'environments/staging.yaml': `topics:\n  ${orders}:\n    config:\n      retention.ms: ${2 * DAY}\n`,
      'environments/prod.yaml': `topics:\n  ${orders}:\n    partitions: 3\n    config:\n      retention.ms: ${7 * DAY}\n  ${prodOnly}: {partitions: 1, replicationFactor: 2}\n`,
    },
    'shared orders topic, staging and prod overrides',
  );
  kafka = await testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  for (const daemon of daemons) await daemon.stop();
  await admin.deleteTopics({ topics: [orders, prodOnly] }).catch(() => undefined);
  await admin.disconnect();
  rmSync(root, { recursive: true, force: true });
});

describe('environments', () => {
  it('the same tree applies as staging, then as prod: each gets its own topic settings', async () => {
    const dir = path.join(root, 'work', 'manifests');
    const staging = await reconcileOnce({ dir, profile: testProfile(), apply: true, environment: 'staging' });
    expect(staging.status).toBe('converged');
    expect(await retentionOf(orders)).toBe(String(2 * DAY));
    expect(await topicNames()).toEqual([orders]);

    const prod = await reconcileOnce({ dir, profile: testProfile(), apply: true, environment: 'prod' });
    expect(prod.status).toBe('converged');
    expect(await retentionOf(orders)).toBe(String(7 * DAY));
    expect(await topicNames()).toEqual([orders, prodOnly]);
    const partitions = (await admin.fetchTopicMetadata({ topics: [orders] })).topics[0].partitions.length;
    expect(partitions).toBe(3);
    // The change is traced to the file that set the value.
    const retention = prod.results.find((r) => r.change.id === `topic-config:${orders}:retention.ms`);
    expect(retention?.change.origin).toMatchObject({
      file: 'environments/prod.yaml',
      via: expect.stringContaining('environment prod'),
    });

    const unknown = await reconcileOnce({ dir, profile: testProfile(), apply: true, environment: 'prd' });
    expect(unknown.status).toBe('invalid');
    expect(unknown.diagnostics.map(formatDiagnostic)).toEqual([
      expect.stringContaining(
        '--env: environment "prd" does not exist: no environments/prd.yaml (the manifests declare: prod, staging)',
      ),
    ]);
  });

  it('two controllers (prod applying, staging detecting) on one repository keep their locks, audit logs and metrics apart', async () => {
    const prod = await start(configFile('prod'));
    const staging = await start(configFile('staging', { modes: { topics: 'detect' } }));
    await admin.alterConfigs({
      validateOnly: false,
      resources: [
        { type: ConfigResourceTypes.TOPIC, name: orders, configEntries: [{ name: 'retention.ms', value: '1000' }] },
      ],
    });
    await prod.trigger('schedule');
    expect(prod.controller.status().lastReconcile).toMatchObject({ status: 'converged', applied: 1 });
    expect(await retentionOf(orders)).toBe(String(7 * DAY));

    await staging.trigger('schedule');
    // Staging reads its own environment: to it, prod's retention is drift (detect mode: reported, not changed).
    expect(staging.controller.status().drift).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: `topic-config:${orders}:retention.ms`,
          expected: String(2 * DAY),
          found: String(7 * DAY),
        }),
      ]),
    );
    expect(await retentionOf(orders)).toBe(String(7 * DAY));

    const metricsOf = async (d: RunningDaemon) => (await fetch(`http://127.0.0.1:${d.http!.port}/metrics`)).text();
    expect(await metricsOf(prod)).toMatch(/msk_gitops_reconcile_total\{result="converged",environment="prod"\} \d/);
    expect(await metricsOf(staging)).toMatch(/msk_gitops_reconcile_total\{result="drift",environment="staging"\} 1/);
    expect(await metricsOf(staging)).not.toContain('environment="prod"');
    const status = (await (await fetch(`http://127.0.0.1:${staging.http!.port}/status`)).json()) as {
      environment: string;
    };
    expect(status.environment).toBe('staging');

    const audit = readFileSync(path.join(root, 'prod', 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(audit.at(-1)).toMatchObject({
      environment: 'prod',
      change: { id: `topic-config:${orders}:retention.ms` },
      result: 'ok',
    });
    expect(readFileSync(path.join(root, 'prod', 'msk-gitops.lock'), 'utf8').trim()).toBe(String(process.pid));
    expect(readFileSync(path.join(root, 'staging', 'msk-gitops.lock'), 'utf8').trim()).toBe(String(process.pid));
  });

  it('a controller for an environment the tree does not declare refuses to start, naming the setting', async () => {
    await expect(start(configFile('prd'))).rejects.toThrow(
      'environment: environment "prd" does not exist: no environments/prd.yaml (the manifests declare: prod, staging)',
    );
  });
});
