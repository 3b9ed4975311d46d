/**
 * A real broker outage: the controller runs against a separate two-broker cluster of its own (never the suite's
 * shared broker), which is stopped (data kept) while a commit adding an ACL is pushed, then started again. The
 * controller must report the failure once, recover, and apply the change exactly once.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Kafka } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce } from '../../reconciler/reconcile';
import { loadDaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import {
  adminConfig,
  layoutFor,
  localAdminProfile,
  portBaseFromEnv,
  startLocalCluster,
  stopLocalCluster,
  type LocalClusterLayout,
} from '../../reconciler/localkafka/broker';
import { uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';
import { startSlackCapture, type SlackCapture } from '../support/slack-capture';

// Two JVMs cold-starting twice on a loaded 2-core machine: 5–15 s each time, over a minute when eight suites share it.
jest.setTimeout(300_000);

// Five ports clear of the suite broker's (PORT..PORT+4) and of any other base a multiple of 100 away from it.
const portBase = portBaseFromEnv() + 650;
const log = (line: string) => process.stderr.write(`[restart-kafka ${portBase}] ${line}\n`);
const p = uniquePrefix('restart');
const topic = `${p}orders`;
const reader = `User:${p}reader`;
const writer = `User:${p}writer`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-daemon-restart-'));
let repo: ManifestsRemote;
let slack: SlackCapture;
let layout: LocalClusterLayout;
let daemon: RunningDaemon | undefined;

const settings = `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\ndeletions:\n  acls: true\n`;
const topics = `topics:\n  ${topic}: {partitions: 1, replicationFactor: 2}\n`;
const acl = (principal: string) =>
  `  - principal: ${principal}\n    resource: {type: topic, name: ${topic}}\n    operations: [Read]\n    external: true\n`;

/** How many bindings the cluster holds for the principal on the topic: a fresh client each time, as after a restart. */
async function aclsOf(principal: string): Promise<number> {
  const admin = new Kafka(adminConfig(layout)).admin();
  await admin.connect();
  try {
    const found = await admin.describeAcls({
      resourceType: AclResourceTypes.TOPIC,
      resourceName: topic,
      resourcePatternType: ResourcePatternTypes.LITERAL,
      principal,
      host: '*',
      operation: AclOperationTypes.ANY,
      permissionType: AclPermissionTypes.ANY,
    });
    return found.resources.reduce((n, r) => n + r.acls.length, 0);
  } finally {
    await admin.disconnect();
  }
}

async function slackSince(): Promise<string[]> {
  await daemon?.slack?.flush();
  return slack.messages.splice(0).map((m) => m.text);
}

function audit(): { revision: string; result: string; change: { id: string; kind: string; action: string } }[] {
  return readFileSync(path.join(root, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${daemon!.http!.port}/metrics`)).text();
}

beforeAll(async () => {
  slack = await startSlackCapture();
  process.env.TEST_RESTART_SLACK_URL = slack.url;

  // A leftover from an aborted run would hold other resources: start from empty data.
  await stopLocalCluster({ portBase, wipe: true });
  ({ layout } = await startLocalCluster({ portBase, log }));

  repo = createManifestsRemote(root);
  const configFile = path.join(root, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify({
      connection: localAdminProfile(layoutFor(portBase)),
      source: { git: { url: repo.remote, branch: 'main', path: 'manifests', checkoutDir: 'checkout' } },
      slack: { webhookUrlRef: { env: 'TEST_RESTART_SLACK_URL' }, reminderMinutes: 60 },
      http: { port: 0 },
      auditLog: 'audit.jsonl',
      lockFile: 'msk-gitops.lock',
      // Long enough that no retry fires while the cluster is down: the test triggers, so the counts are exact.
      retry: { initialMs: 60_000, maxMs: 60_000 },
    }),
  );
  daemon = await startDaemon({
    config: loadDaemonConfig(configFile),
    logger: silentLogger(),
    reconcile: reconcileOnce,
    formatDiagnostic,
    features: { triggers: false },
    slackRetry: { attempts: 2, baseDelayMs: 10 },
  });
});

afterAll(async () => {
  await daemon?.stop();
  slack?.close();
  await stopLocalCluster({ portBase, wipe: true });
  rmSync(root, { recursive: true, force: true });
});

it('survives a real broker stop and restart: reports once, recovers, applies the pushed ACL exactly once', async () => {
  const running = daemon!;
  const first = repo.commit(
    { 'settings.yaml': settings, 'topics.yaml': topics, 'acls.yaml': `acls:\n${acl(reader)}` },
    'one',
  );
  await running.trigger('start');
  expect(running.controller.status()).toMatchObject({
    convergedRevision: first,
    connected: true,
    lastReconcile: { status: 'converged', applied: 2 },
  });
  expect(await slackSince()).toEqual([`applied commit ${first.slice(0, 12)}: 2 changes`]);

  // The outage: both brokers stopped, their data kept; the commit lands while they are down.
  expect(await stopLocalCluster({ portBase })).toHaveLength(2);
  const added = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}${acl(writer)}` }, 'writer may read');
  // Each failed run takes ~10 s: kafkajs retries its connect before giving up.
  await running.trigger('schedule');
  await running.trigger('schedule');
  const down = running.controller.status();
  expect(down).toMatchObject({
    headRevision: added,
    convergedRevision: first,
    connected: false,
    consecutiveFailures: 2,
    lastReconcile: { status: 'failed', revision: added },
    lastError: { step: 'connect', message: expect.stringContaining('ECONNREFUSED'), revision: added },
  });
  expect(down.nextRetryAt).not.toBeNull();
  expect((await fetch(`http://127.0.0.1:${running.http!.port}/readyz`)).status).toBe(503);
  const failed = await slackSince();
  expect(failed).toEqual([expect.stringMatching(/^reconcile failed at connect: .*ECONNREFUSED/)]);
  expect(failed[0]).not.toContain('admin-secret');
  expect(await metrics()).toContain('msk_gitops_errors_total{step="connect",environment="default"} 2');

  // The same cluster comes back with its data; the next trigger converges the pending commit.
  const restarted = await startLocalCluster({ portBase, log });
  expect(restarted.started).toBe(true);
  await running.trigger('schedule');
  expect(running.controller.status()).toMatchObject({
    convergedRevision: added,
    connected: true,
    consecutiveFailures: 0,
    nextRetryAt: null,
    lastReconcile: { status: 'converged', revision: added, applied: 1 },
  });
  expect((await fetch(`http://127.0.0.1:${running.http!.port}/readyz`)).status).toBe(200);
  expect(await slackSince()).toEqual([
    'reconcile recovered (connect works again)',
    `applied commit ${added.slice(0, 12)}: 1 change`,
  ]);
  expect(await aclsOf(writer)).toBe(1);
  expect(await aclsOf(reader)).toBe(1);

  // Nothing lost, nothing twice: one entry per change ever made, the writer's only after the restart.
  expect(audit().map((e) => [e.revision, e.change.kind, e.change.action, e.result])).toEqual([
    [first, 'topic', 'create', 'ok'],
    [first, 'acl', 'create', 'ok'],
    [added, 'acl', 'create', 'ok'],
  ]);
  expect(audit()[2].change.id).toContain(`${p}writer`);
  const text = await metrics();
  expect(text).toContain('msk_gitops_errors_total{step="connect",environment="default"} 2');
  expect(text).toContain('msk_gitops_changes_applied_total{kind="acl",action="create",environment="default"} 2');
  expect(text).toContain('msk_gitops_changes_applied_total{kind="topic",action="create",environment="default"} 1');

  // And the restarted cluster is exactly what git says: another run finds nothing to do.
  await running.trigger('schedule');
  expect(running.controller.status()).toMatchObject({ lastReconcile: { status: 'in-sync', applied: 0 } });
  expect(await slackSince()).toEqual([]);
  expect(audit()).toHaveLength(3);
});
