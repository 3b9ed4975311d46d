/**
 * The JSON webhook notifier end to end: the real broker is the cluster, a bare git repository the remote, a local
 * HTTP server the receiver (an Alertmanager-style receiver or an incident tool). The rules are the ones Slack
 * follows: drift fires once, the same drift next run sends nothing, its resolution resolves under the same key.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce } from '../../reconciler/reconcile';
import { loadDaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import { SIGNATURE_HEADER, verifyWebhookSignature, type WebhookPayload } from '../../reconciler/notify/webhook';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';
import { startWebhookCapture, type WebhookCapture } from '../support/webhook-capture';

jest.setTimeout(90_000);

const p = uniquePrefix('notify');
const topic = `${p}orders`;
const reader = `User:${p}reader`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-notify-'));
let repo: ManifestsRemote;
let receiver: WebhookCapture;
let kafka: Kafka;
let admin: Admin;
let daemon: RunningDaemon;

const readerAcl = {
  resourceType: AclResourceTypes.TOPIC,
  resourceName: topic,
  resourcePatternType: ResourcePatternTypes.LITERAL,
  principal: reader,
  host: '*',
  operation: AclOperationTypes.READ,
  permissionType: AclPermissionTypes.ALLOW,
};

/** Messages received since the last call, each checked against its signature. */
async function received(): Promise<WebhookPayload[]> {
  await Promise.all(daemon.notifiers.map((n) => n.flush()));
  return receiver.received.splice(0).map(({ headers, body }) => {
    expect(verifyWebhookSignature('alert-signing-key', body, headers[SIGNATURE_HEADER] as string)).toBe(true);
    return JSON.parse(body) as WebhookPayload;
  });
}

beforeAll(async () => {
  receiver = await startWebhookCapture();
  process.env.TEST_NOTIFY_URL = receiver.url;
  process.env.TEST_NOTIFY_KEY = 'alert-signing-key';
  repo = createManifestsRemote(root);
  repo.commit(
    {
      'settings.yaml': `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\n`,
      'topics.yaml': `topics:\n  ${topic}: {partitions: 1, replicationFactor: 2}\n`,
      'acls.yaml': `acls:\n  - principal: ${reader}\n    resource: {type: topic, name: ${topic}}\n    operations: [Read]\n    external: true\n`,
    },
    'topic and reader',
  );
  const configFile = path.join(root, 'config.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      environment: 'staging',
      connection: testProfile(),
      source: { git: { url: repo.remote, branch: 'main', path: 'manifests', checkoutDir: 'checkout' } },
      modes: { acls: 'detect' },
      notify: {
        webhooks: [{ name: 'pager', urlRef: { env: 'TEST_NOTIFY_URL' }, secretRef: { env: 'TEST_NOTIFY_KEY' } }],
      },
      http: { port: 0 },
      auditLog: 'audit.jsonl',
      lockFile: 'msk-gitops.lock',
    }),
  );
  kafka = await testKafka();
  admin = kafka.admin();
  await admin.connect();
  await admin.createAcls({ acl: [readerAcl] });
  daemon = await startDaemon({
    config: loadDaemonConfig(configFile),
    logger: silentLogger(),
    reconcile: reconcileOnce,
    formatDiagnostic,
    features: { triggers: false },
    notifyRetry: { attempts: 3, baseDelayMs: 10 },
  });
});

afterAll(async () => {
  await daemon?.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteAcls({ filters: [readerAcl] }).catch(() => undefined);
  await admin.disconnect();
  receiver.close();
  rmSync(root, { recursive: true, force: true });
});

describe('notify.webhooks (JSON webhook)', () => {
  it('sends nothing for a deployment: an apply is news for Slack, not an alert', async () => {
    await daemon.trigger('start');
    const first = daemon.controller.status();
    if (first.lastReconcile?.status === 'failed') {
      // On a loaded machine the first apply can fail transiently (seen once in CI, in its verify step). The controller
      // retries it, and so does the test, once; what the failure and its recovery sent is not this test's subject.
      console.warn(`the first reconcile failed, trying again: ${JSON.stringify(first.lastError)}`);
      await daemon.trigger('retry');
      await received();
      // What the failed try applied is there already: the retry finds nothing left to do.
      expect(['converged', 'in-sync']).toContain(daemon.controller.status().lastReconcile?.status);
    } else {
      expect(first.lastReconcile).toMatchObject({ status: 'converged' });
    }
    expect(await received()).toEqual([]);
  });

  it('fires once for drift, signed, with the changes as the plan prints them; the same drift again sends nothing', async () => {
    await admin.deleteAcls({ filters: [readerAcl] });
    await daemon.trigger('schedule');
    const [message, ...more] = await received();
    expect(more).toEqual([]);
    expect(message).toMatchObject({
      version: 1,
      status: 'firing',
      environment: 'staging',
      dedupKey: 'msk-gitops/staging/drift',
      revision: daemon.controller.status().convergedRevision,
      counts: { unhealed: 1 },
      alerts: [
        {
          name: 'drift',
          status: 'firing',
          changes: [expect.objectContaining({ kind: 'acl', action: 'create', origin: 'acls.yaml:2:5' })],
        },
      ],
    });
    expect(message.alerts[0].changes[0].plan).toContain(`${p}reader`);
    // The docs paste this real message: MSK_GITOPS_CAPTURE_DIR=/tmp/x npx jest test/broker/daemon-notify.test.ts
    const capture = process.env.MSK_GITOPS_CAPTURE_DIR;
    if (capture) writeFileSync(path.join(capture, 'webhook-drift-message.json'), JSON.stringify(message, null, 2));

    await daemon.trigger('schedule');
    await daemon.trigger('schedule');
    expect(await received()).toEqual([]);
  });

  it('resolves under the same dedup key once the drift is gone', async () => {
    await admin.createAcls({ acl: [readerAcl] });
    await daemon.trigger('schedule');
    const messages = await received();
    expect(messages).toEqual([
      expect.objectContaining({
        status: 'resolved',
        dedupKey: 'msk-gitops/staging/drift',
        alerts: [expect.objectContaining({ name: 'drift', status: 'resolved' })],
      }),
    ]);
    await daemon.trigger('schedule');
    expect(await received()).toEqual([]);
  });
});
