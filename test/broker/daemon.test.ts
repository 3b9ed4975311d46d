/**
 * The controller end to end: a bare git repository in a temp folder is the remote, the run's real broker is the
 * cluster, a local HTTP server is Slack. Every name starts with this suite's unique prefix and the manifests'
 * scope covers only that prefix, so the suite shares the broker with others safely.
 */
import { mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce, type ReconcileRequest } from '../../reconciler/reconcile';
import { loadDaemonConfig, type DaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import { githubSignature } from '../../reconciler/source/webhook';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';
import { startSlackCapture, type SlackCapture } from '../support/slack-capture';

jest.setTimeout(90_000);

const p = uniquePrefix('daemon');
const topic = `${p}orders`;
const reader = `User:${p}reader`;
const writer = `User:${p}writer`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-daemon-'));
let repo: ManifestsRemote;
let slack: SlackCapture;
let kafka: Kafka;
let admin: Admin;
let configFile: string;

const settings = `scope:\n  topics: ["${p}*"]\n  principals: ["User:${p}*"]\n  users: ["${p}*"]\ndeletions:\n  acls: true\n`;
const topics = `topics:\n  ${topic}: {partitions: 1, replicationFactor: 2}\n`;
const acl = (principal: string) =>
  `  - principal: ${principal}\n    resource: {type: topic, name: ${topic}}\n    operations: [Read]\n    external: true\n`;

function aclFilter(principal: string) {
  return {
    resourceType: AclResourceTypes.TOPIC,
    resourceName: topic,
    resourcePatternType: ResourcePatternTypes.LITERAL,
    principal,
    host: '*',
    operation: AclOperationTypes.READ,
    permissionType: AclPermissionTypes.ALLOW,
  };
}

async function aclsOf(principal: string): Promise<number> {
  const found = await admin.describeAcls(aclFilter(principal));
  return found.resources.reduce((n, r) => n + r.acls.length, 0);
}

async function start(over: Partial<DaemonConfig> = {}, reconcile = reconcileOnce): Promise<RunningDaemon> {
  return startDaemon({
    config: { ...loadDaemonConfig(configFile), ...over },
    logger: silentLogger(),
    reconcile,
    formatDiagnostic,
    features: { triggers: false },
    slackRetry: { attempts: 2, baseDelayMs: 10 },
  });
}

/** Slack messages received since the last call. */
async function slackSince(daemon: RunningDaemon): Promise<string[]> {
  await daemon.slack?.flush();
  return slack.messages.splice(0).map((m) => m.text);
}

beforeAll(async () => {
  slack = await startSlackCapture();
  process.env.TEST_SLACK_URL = slack.url;
  process.env.TEST_WEBHOOK_SECRET = 'hook-secret';

  repo = createManifestsRemote(root);

  configFile = path.join(root, 'config.json');
  writeFileSync(
    configFile,
    JSON.stringify(
      {
        connection: testProfile(),
        source: { git: { url: repo.remote, branch: 'main', path: 'manifests', checkoutDir: 'checkout' } },
        slack: { webhookUrlRef: { env: 'TEST_SLACK_URL' }, reminderMinutes: 60 },
        http: { port: 0 },
        webhook: { secretRef: { env: 'TEST_WEBHOOK_SECRET' } },
        auditLog: 'audit.jsonl',
        lockFile: 'msk-gitops.lock',
        retry: { initialMs: 200, maxMs: 1000 },
      },
      null,
      2,
    ),
  );
  kafka = await testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteAcls({ filters: [aclFilter(reader), aclFilter(writer)] }).catch(() => undefined);
  await admin.disconnect();
  slack.close();
  rmSync(root, { recursive: true, force: true });
});

describe('msk-gitops run (controller)', () => {
  let daemon: RunningDaemon;
  let good: string;
  afterAll(() => daemon?.stop());

  it('converges the first commit, then a pushed commit that adds an ACL (webhook-triggered)', async () => {
    const c1 = repo.commit({ 'settings.yaml': settings, 'topics.yaml': topics }, 'topic');
    daemon = await start();
    await daemon.trigger('start');
    expect(daemon.controller.status()).toMatchObject({ convergedRevision: c1, lastReconcile: { status: 'converged' } });
    expect(await slackSince(daemon)).toEqual([`applied commit ${c1.slice(0, 12)}: 1 change`]);

    const c2 = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}` }, 'reader may read');
    const body = JSON.stringify({ ref: 'refs/heads/main', after: c2 });
    const response = await fetch(`http://127.0.0.1:${daemon.http!.port}/webhook/github`, {
      method: 'POST',
      body,
      headers: { 'x-github-event': 'push', 'x-hub-signature-256': githubSignature('hook-secret', body) },
    });
    expect(response.status).toBe(202);
    for (let i = 0; i < 100 && daemon.controller.status().convergedRevision !== c2; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(daemon.controller.status().convergedRevision).toBe(c2);
    expect(await aclsOf(reader)).toBe(1);
    expect(await slackSince(daemon)).toEqual([`applied commit ${c2.slice(0, 12)}: 1 change`]);
    good = c2;
  });

  it('refuses a bad commit, reports it once with file:line:column and the commit, keeps the last good state', async () => {
    const bad = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}${acl(writer).replace('[Read]', '[Reed]')}` }, 'typo');
    await daemon.trigger('schedule');
    await daemon.trigger('schedule');
    const status = daemon.controller.status();
    expect(status).toMatchObject({ headRevision: bad, convergedRevision: good, lastReconcile: { status: 'invalid' } });
    expect(status.badCommit?.problems.join('\n')).toMatch(/^acls\.yaml:8:\d+: .*Reed/m);
    expect(await aclsOf(reader)).toBe(1);
    expect(await aclsOf(writer)).toBe(0);
    const sent = slack.messages.slice();
    expect(await slackSince(daemon)).toEqual([
      `commit ${bad.slice(0, 12)} has invalid manifests; the cluster keeps the last good state`,
    ]);
    expect(JSON.stringify(sent[0].blocks)).toContain('acls.yaml:8:');

    // While the head is bad, drift is still healed against the last good commit.
    await admin.deleteAcls({ filters: [aclFilter(reader)] });
    await daemon.trigger('schedule');
    expect(await aclsOf(reader)).toBe(1);
    expect(daemon.controller.status()).toMatchObject({
      headRevision: bad,
      convergedRevision: good,
      badCommit: { revision: bad },
    });
    expect(await slackSince(daemon)).toEqual([
      expect.stringMatching(new RegExp(`^drift on .*: 1 change healed \\(commit ${good.slice(0, 12)}\\)$`)),
    ]);

    const fixed = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}` }, 'revert typo');
    await daemon.trigger('schedule');
    expect(daemon.controller.status()).toMatchObject({ convergedRevision: fixed, badCommit: null });
    expect(await slackSince(daemon)).toEqual([`commit ${fixed.slice(0, 12)} is valid again (was ${bad.slice(0, 12)})`]);
    good = fixed;
  });

  it('heals the same drift again on a good head, without repeating the Slack message', async () => {
    await admin.deleteAcls({ filters: [aclFilter(reader)] });
    await daemon.trigger('schedule');
    expect(await aclsOf(reader)).toBe(1);
    expect(daemon.controller.status()).toMatchObject({ lastReconcile: { status: 'converged', applied: 1 } });
    // The same drift, healed again within the reminder interval: reported once, above.
    expect(await slackSince(daemon)).toEqual([]);
  });

  it('keeps the last good state and reports once when the git remote is unreachable', async () => {
    renameSync(repo.remote, `${repo.remote}.away`);
    try {
      await daemon.trigger('schedule');
      await daemon.trigger('schedule');
      expect(daemon.controller.status()).toMatchObject({
        convergedRevision: good,
        lastReconcile: { status: 'in-sync', revision: good },
        sourceError: { message: expect.stringContaining('git') },
      });
      const sent = await slackSince(daemon);
      expect(sent).toHaveLength(1);
      expect(sent[0]).toMatch(/^msk-gitops cannot fetch the manifests: .*The cluster keeps the last good state\.$/);
    } finally {
      renameSync(`${repo.remote}.away`, repo.remote);
    }
    await daemon.trigger('schedule');
    expect(daemon.controller.status().sourceError).toBeNull();
    expect(await slackSince(daemon)).toEqual([
      `msk-gitops can fetch the manifests again (commit ${good.slice(0, 12)}).`,
    ]);
    const status = await (await fetch(`http://127.0.0.1:${daemon.http!.port}/status`)).json();
    expect(status).toMatchObject({ convergedRevision: good, connected: true });
    await daemon.stop();
  });

  it('reports a broker outage once, retries with backoff, and converges without losing or duplicating changes', async () => {
    let down = true;
    const closed = { ...testProfile(), bootstrapServers: ['127.0.0.1:1'] };
    const flaky = (req: ReconcileRequest) => reconcileOnce(down ? { ...req, profile: closed } : req);
    daemon = await start({}, flaky);
    const added = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}${acl(writer)}` }, 'writer may read');
    await daemon.trigger('start');
    expect(daemon.controller.status()).toMatchObject({ connected: false, lastReconcile: { status: 'failed' } });
    expect((await fetch(`http://127.0.0.1:${daemon.http!.port}/readyz`)).status).toBe(503);
    expect(await aclsOf(writer)).toBe(0);
    down = false;
    for (let i = 0; i < 100 && daemon.controller.status().convergedRevision !== added; i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(daemon.controller.status()).toMatchObject({
      connected: true,
      convergedRevision: added,
      consecutiveFailures: 0,
    });
    expect((await fetch(`http://127.0.0.1:${daemon.http!.port}/readyz`)).status).toBe(200);
    expect(await aclsOf(writer)).toBe(1);
    expect(await slackSince(daemon)).toEqual([
      expect.stringMatching(/^reconcile failed at connect: .*ECONNREFUSED/),
      'reconcile recovered (connect works again)',
      `applied commit ${added.slice(0, 12)}: 1 change`,
    ]);
    const audit = readFileSync(path.join(root, 'audit.jsonl'), 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(audit.filter((e) => e.change.resource.includes(`${p}writer`))).toEqual([
      expect.objectContaining({
        revision: added,
        result: 'ok',
        change: expect.objectContaining({ action: 'create', kind: 'acl' }),
      }),
    ]);
    const metrics = await (await fetch(`http://127.0.0.1:${daemon.http!.port}/metrics`)).text();
    expect(metrics).toContain('msk_gitops_errors_total{step="connect",environment="default"} 1');
    expect(metrics).toContain('msk_gitops_changes_applied_total{kind="acl",action="create",environment="default"} 1');
    await daemon.stop();
  });

  it('in detect mode reports drift once without changing anything, and reports when it is resolved', async () => {
    daemon = await start({ modes: { topics: 'apply', acls: 'detect', users: 'apply', quotas: 'apply' } });
    await daemon.trigger('start');
    await slackSince(daemon);
    await admin.deleteAcls({ filters: [aclFilter(writer)] });
    await daemon.trigger('schedule');
    await daemon.trigger('schedule');
    expect(await aclsOf(writer)).toBe(0);
    expect(daemon.controller.status().drift).toEqual([expect.objectContaining({ kind: 'acl', action: 'create' })]);
    const sent = slack.messages.slice();
    expect(await slackSince(daemon)).toEqual([
      expect.stringMatching(/^drift on .*: 1 change detected, not changed \(commit /),
    ]);
    // The docs paste this real message: MSK_GITOPS_CAPTURE_DIR=/tmp/x npx jest test/broker/daemon.test.ts
    const capture = process.env.MSK_GITOPS_CAPTURE_DIR;
    if (capture) writeFileSync(path.join(capture, 'slack-drift-message.json'), JSON.stringify(sent[0], null, 2));

    await admin.createAcls({ acl: [aclFilter(writer)] });
    await daemon.trigger('schedule');
    expect(await slackSince(daemon)).toEqual([expect.stringMatching(/^drift on .* resolved/)]);
    expect(daemon.controller.status().drift).toEqual([]);
    await daemon.stop();
  });
});
