/**
 * Signed commits only (`source.git.verify`), end to end: a bare git repository whose commits are signed with keys
 * made by ssh-keygen and gpg (or not signed at all), the run's real broker, a local Slack. An unsigned head or one
 * signed by an unknown key is never applied: the controller keeps healing against the last verified commit and says
 * so once (Slack, /status, metrics, audit log), and again when a verified commit arrives.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Admin } from 'kafkajs';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import { formatDiagnostic } from '../../reconciler/model/load';
import { reconcileOnce } from '../../reconciler/reconcile';
import { GitSourceSchema, loadDaemonConfig } from '../../reconciler/daemon/config';
import { startDaemon, type RunningDaemon } from '../../reconciler/daemon/daemon';
import { silentLogger } from '../../reconciler/shared/logger';
import { GitSource } from '../../reconciler/source/git';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { createManifestsRemote, type ManifestsRemote } from '../support/git-remote';
import { startSlackCapture, type SlackCapture } from '../support/slack-capture';
import { gpgSigner, sshSigner, type GpgSigner, type SshSigner } from '../support/signing';
import { ConfigError } from '../../reconciler/shared/errors';

jest.setTimeout(90_000);

const p = uniquePrefix('signed');
const topic = `${p}orders`;
const reader = `User:${p}reader`;
const writer = `User:${p}writer`;
const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-signed-'));
let repo: ManifestsRemote;
let slack: SlackCapture;
let admin: Admin;
let alice: SshSigner;
let mallory: SshSigner;
let bob: GpgSigner;
let configFile: string;
let daemon: RunningDaemon;

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

async function topicExists(): Promise<boolean> {
  return (await admin.listTopics()).includes(topic);
}

async function slackSince(): Promise<string[]> {
  await daemon.slack?.flush();
  return slack.messages.splice(0).map((m) => m.text);
}

function audit(): { event?: string; revision: string; detail?: string }[] {
  return readFileSync(path.join(root, 'audit.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line));
}

async function metrics(): Promise<string> {
  return (await fetch(`http://127.0.0.1:${daemon.http!.port}/metrics`)).text();
}

const short = (revision: string) => revision.slice(0, 12);

beforeAll(async () => {
  slack = await startSlackCapture();
  process.env.TEST_SIGNED_SLACK_URL = slack.url;
  alice = sshSigner(path.join(root, 'keys'), 'alice', 'alice@example.com');
  mallory = sshSigner(path.join(root, 'keys'), 'mallory', 'mallory@example.com');
  bob = gpgSigner(path.join(root, 'keys'), 'bob', 'bob@example.com');
  writeFileSync(path.join(root, 'allowed_signers'), `${alice.allowedSignersLine}\n`);
  repo = createManifestsRemote(root);
  configFile = path.join(root, 'config.yaml');
  writeFileSync(
    configFile,
    [
      `connection: ${JSON.stringify(testProfile())}`,
      'source:',
      '  git:',
      `    url: ${repo.remote}`,
      '    path: manifests',
      '    checkoutDir: checkout',
      '    verify:',
      '      allowedSignersFile: allowed_signers',
      `      gpgPublicKeyFiles: [${bob.publicKeyFile}]`,
      'slack: {webhookUrlRef: {env: TEST_SIGNED_SLACK_URL}}',
      'http: {port: 0}',
      'auditLog: audit.jsonl',
      'lockFile: msk-gitops.lock',
      '',
    ].join('\n'),
  );
  admin = (await testKafka()).admin();
  await admin.connect();
});

afterAll(async () => {
  await daemon?.stop();
  await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  await admin.deleteAcls({ filters: [aclFilter(reader), aclFilter(writer)] }).catch(() => undefined);
  await admin.disconnect();
  slack.close();
  rmSync(root, { recursive: true, force: true });
});

it('applies nothing while no commit verifies, then the first commit signed by an allowed SSH key', async () => {
  const unsigned = repo.commit({ 'settings.yaml': settings, 'topics.yaml': topics }, 'unsigned');
  daemon = await startDaemon({
    config: loadDaemonConfig(configFile),
    logger: silentLogger(),
    reconcile: reconcileOnce,
    formatDiagnostic,
    features: { triggers: false },
    slackRetry: { attempts: 2, baseDelayMs: 10 },
  });
  await daemon.trigger('start');
  await daemon.trigger('schedule');
  expect(await topicExists()).toBe(false);
  expect(daemon.controller.status()).toMatchObject({
    headRevision: unsigned,
    lastReconcile: null,
    signature: { revision: unsigned, verified: false, reason: 'the commit is not signed', appliedRevision: null },
  });
  expect(await slackSince()).toEqual([
    `commit ${short(unsigned)} is not applied: the commit is not signed; the cluster keeps its state (no verified commit yet)`,
  ]);

  const signed = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}` }, 'reader may read', { signer: alice });
  await daemon.trigger('schedule');
  expect(await topicExists()).toBe(true);
  expect(await aclsOf(reader)).toBe(1);
  expect(daemon.controller.status()).toMatchObject({
    convergedRevision: signed,
    signature: { revision: signed, verified: true, signer: 'alice@example.com', reason: null },
  });
  expect(await slackSince()).toEqual([
    `commit ${short(signed)} is verified (signed by alice@example.com); applying again (was refusing ${short(unsigned)})`,
    `applied commit ${short(signed)}: 2 changes`,
  ]);
  expect(await metrics()).toContain('msk_gitops_head_signature_verified{environment="default"} 1');
});

it('refuses an unsigned head once, keeps healing drift against the last verified commit', async () => {
  const good = daemon.controller.status().convergedRevision!;
  const unsigned = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}${acl(writer)}` }, 'writer too, unsigned');
  await daemon.trigger('schedule');
  await daemon.trigger('schedule');
  expect(await aclsOf(writer)).toBe(0);
  expect(daemon.controller.status()).toMatchObject({
    headRevision: unsigned,
    convergedRevision: good,
    signature: { revision: unsigned, verified: false, appliedRevision: good },
  });
  expect(await slackSince()).toEqual([
    `commit ${short(unsigned)} is not applied: the commit is not signed; the cluster keeps verified commit ${short(good)}`,
  ]);
  const status = (await (await fetch(`http://127.0.0.1:${daemon.http!.port}/status`)).json()) as {
    signature: unknown;
  };
  expect(status.signature).toMatchObject({ revision: unsigned, verified: false, reason: 'the commit is not signed' });
  expect(await metrics()).toMatch(
    /msk_gitops_head_signature_verified{environment="default"} 0\n[^]*msk_gitops_unverified_commits_total{environment="default"} 2\n/,
  );
  expect(audit().filter((e) => e.event === 'commit-refused' && e.revision === unsigned)).toEqual([
    expect.objectContaining({ detail: 'the commit is not signed' }),
  ]);

  await admin.deleteAcls({ filters: [aclFilter(reader)] });
  await daemon.trigger('schedule');
  expect(await aclsOf(reader)).toBe(1);
  expect(await aclsOf(writer)).toBe(0);
  expect(await slackSince()).toEqual([
    expect.stringMatching(new RegExp(`^drift on .*: 1 change healed \\(commit ${short(good)}\\)$`)),
  ]);
});

it('refuses a commit signed by a key that is not allowed, then applies one signed by a trusted GPG key', async () => {
  const good = daemon.controller.status().convergedRevision!;
  const forged = repo.commit({ 'acls.yaml': `# mallory\nacls:\n${acl(reader)}${acl(writer)}` }, 'writer, by mallory', {
    signer: mallory,
  });
  await daemon.trigger('schedule');
  expect(await aclsOf(writer)).toBe(0);
  expect(daemon.controller.status().signature).toMatchObject({ revision: forged, verified: false });
  expect(await slackSince()).toEqual([
    expect.stringMatching(
      new RegExp(
        `^commit ${short(forged)} is not applied: the signing key is not among the trusted keys \\(key SHA256:.+\\); the cluster keeps verified commit ${short(good)}$`,
      ),
    ),
  ]);

  const byBob = repo.commit({ 'acls.yaml': `acls:\n${acl(reader)}${acl(writer)} ` }, 'writer, by bob', {
    signer: bob,
    email: 'bob@example.com',
  });
  await daemon.trigger('schedule');
  expect(await aclsOf(writer)).toBe(1);
  expect(daemon.controller.status()).toMatchObject({
    convergedRevision: byBob,
    signature: { verified: true, signer: 'bob <bob@example.com>' },
  });
  expect(await slackSince()).toEqual([
    `commit ${short(byBob)} is verified (signed by bob <bob@example.com>); applying again (was refusing ${short(forged)})`,
    `applied commit ${short(byBob)}: 1 change`,
  ]);
  expect(
    audit()
      .filter((e) => e.event === 'commit-verified')
      .map((e) => e.revision),
  ).toEqual([expect.any(String), byBob]);
});

it('with committerEmails, refuses a commit signed by an allowed key but committed by someone else', async () => {
  const config = GitSourceSchema.parse({
    url: repo.remote,
    path: 'manifests',
    checkoutDir: path.join(root, 'checkout-emails'),
    verify: { allowedSignersFile: path.join(root, 'allowed_signers'), committerEmails: ['alice@example.com'] },
  });
  const byAlice = repo.commit({ 'note.yaml': '# alice\n' }, 'alice', { signer: alice, email: 'alice@example.com' });
  const bySomeoneElse = repo.commit({ 'note.yaml': '{}\n' }, 'alice key, other committer', {
    signer: alice,
    email: 'eve@example.com',
  });
  const source = new GitSource(config);
  const snapshot = await source.sync();
  expect(snapshot.signature).toMatchObject({
    revision: bySomeoneElse,
    verified: false,
    reason: expect.stringMatching(/^the committer eve@example\.com is not among the allowed committer emails/),
  });
  expect(snapshot.revision).toBe(byAlice);
});

it('refuses to start on a missing signer file, naming the setting and its place', () => {
  const text = readFileSync(configFile, 'utf8').replace(
    'allowedSignersFile: allowed_signers',
    'allowedSignersFile: nope',
  );
  writeFileSync(path.join(root, 'bad.yaml'), text);
  let problems: string[] = [];
  try {
    loadDaemonConfig(path.join(root, 'bad.yaml'));
  } catch (error) {
    problems = (error as ConfigError).problems;
  }
  expect(problems).toEqual([
    `${path.join(root, 'bad.yaml')}:8:27: source.git.verify.allowedSignersFile: cannot read ${path.join(root, 'nope')} (ENOENT)`,
  ]);
});
