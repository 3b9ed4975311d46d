/**
 * A manifests repository's history, one pull request per commit, read back through git: the semantic diff and the
 * policy verdict of each, asserted line for line, and the pull-request comment against its reviewed snapshot.
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { diffLines } from '../../../reconciler/diff/render';
import { loadRevision } from '../../../reconciler/diff/revisions';
import { diffDesiredStates } from '../../../reconciler/diff/semantic';
import { PLAN_COMMENT_MARKER } from '../../../reconciler/diff/plan-comment';
import { checkPolicy, formatViolation } from '../../../reconciler/policy/checks';
import { createManifestsRepo, runCli, type ManifestsRepo } from './manifests-repo';

const SNAPSHOT = path.join(__dirname, '../../fixtures/diff/comment.md');

const SETTINGS = `deletions:
  acls: true
`;

const TOPICS = `topics:
  lms-users-acls:
    partitions: 2
    replicationFactor: 2
  pos-users-acls:
    partitions: 2
    replicationFactor: 2
    config:
      retention.ms: 604800000
  lms-archive:
    partitions: 1
    replicationFactor: 2
`;

const TOPICS_WIDENED = TOPICS.replace(
  'partitions: 2\n    replicationFactor: 2\n    config:\n      retention.ms: 604800000',
  'partitions: 3\n    replicationFactor: 2\n    config:\n      retention.ms: 86400000\n      cleanup.policy: compact',
);

const USERS = `users:
  central-user: {}
  lms-user:
    mechanism: SCRAM-SHA-512
`;

const CENTRAL = `apps:
  central:
    user: central-user
    produces: [lms-users-acls, pos-users-acls]
`;

const LMS = `apps:
  lms:
    user: lms-user
    consumes:
      - topic: lms-users-acls
        group: lms-users-acls-group
`;

const ACLS = `acls:
  - principal: User:central-user
    resource: { type: topic, name: pos-users-acls }
    operations: [DescribeConfigs]
`;

const ACLS_WIDENED = ACLS.replace('[DescribeConfigs]', '[DescribeConfigs, AlterConfigs]');

const POS = `users:
  pos-user: {}
apps:
  pos:
    user: pos-user
    consumes:
      - topic: pos-users-acls
        group: pos-users-acls-group
`;

let repo: ManifestsRepo;

beforeAll(async () => {
  repo = await createManifestsRepo();
  await repo.commit('readme', 'the repository before any manifests', { 'README.md': '# manifests\n' });
  await repo.commit('base', 'the lms and central services', {
    'desired-state/settings.yaml': SETTINGS,
    'desired-state/topics.yaml': TOPICS,
    'desired-state/users.yaml': USERS,
    'desired-state/acls.yaml': ACLS,
    'desired-state/apps/central.yaml': CENTRAL,
    'desired-state/apps/lms.yaml': LMS,
  });
  await repo.commit('add-app', 'add the point-of-sale app', { 'desired-state/apps/pos.yaml': POS });
  await repo.commit('widen', 'lms reads every lms- topic; central alters pos configs; pos gets a partition', {
    'desired-state/apps/lms.yaml': LMS.replace(
      '      - topic: lms-users-acls\n',
      '      - topic: lms-\n        pattern: prefixed\n',
    ),
    'desired-state/acls.yaml': ACLS_WIDENED,
    'desired-state/topics.yaml': TOPICS_WIDENED,
  });
  await repo.commit('delete-topic', 'drop the archive topic', {
    'desired-state/topics.yaml': TOPICS_WIDENED.replace(
      '  lms-archive:\n    partitions: 1\n    replicationFactor: 2\n',
      '',
    ),
  });
  await repo.commit('break-rules', 'everyone may describe lms; a two-letter prefix; All and Alter', {
    'desired-state/acls.yaml': `${ACLS_WIDENED}  - principal: User:*
    resource: { type: topic, name: lms-users-acls }
    operations: [Describe]
  - principal: User:lms-user
    resource: { type: group, name: lm, pattern: prefixed }
    operations: [Read]
  - principal: User:central-user
    resource: { type: cluster }
    operations: [Alter]
  - principal: User:pos-user
    resource: { type: topic, name: pos-, pattern: prefixed }
    operations: [All]
  - principal: User:pos-user
    resource: { type: topic, name: lms-users-acls }
    operations: [Write]
    permission: deny
`,
  });
});

afterAll(async () => {
  await repo?.remove();
});

async function changesBetween(base: string, head?: string): Promise<string[]> {
  const [before, after] = await Promise.all([
    loadRevision({ cwd: repo.dir, dir: 'desired-state', ref: base, asBase: true }),
    loadRevision({ cwd: repo.dir, dir: 'desired-state', ref: head }),
  ]);
  expect(before.diagnostics).toEqual([]);
  expect(after.diagnostics).toEqual([]);
  return diffLines(diffDesiredStates(before.state!, after.state!));
}

/** The policy verdict on `head` (the work tree when undefined), judged against `base` when given. */
async function policyAt(head: string | undefined, base?: string): Promise<string[]> {
  const after = await loadRevision({ cwd: repo.dir, dir: 'desired-state', ref: head });
  const before = base ? await loadRevision({ cwd: repo.dir, dir: 'desired-state', ref: base, asBase: true }) : null;
  return checkPolicy(after.state!, before?.state, { settingsFile: 'desired-state/settings.yaml' }).map(formatViolation);
}

describe('the semantic diff of each pull request', () => {
  test('the first manifests: a base without the directory is empty, everything is an addition', async () => {
    expect(await changesBetween('readme', 'base')).toEqual([
      '~ setting deletions.acls: false → true',
      '+ topic lms-archive (1 partition, replication factor 2)  # desired-state/topics.yaml:10:3',
      '+ topic lms-users-acls (2 partitions, replication factor 2)  # desired-state/topics.yaml:2:3',
      '+ topic pos-users-acls (2 partitions, replication factor 2, retention.ms=604800000)  # desired-state/topics.yaml:5:3',
      '+ user central-user (SCRAM-SHA-512, password generated)  # desired-state/users.yaml:2:3',
      '+ user lms-user (SCRAM-SHA-512, password generated)  # desired-state/users.yaml:3:3',
      '+ User:central-user may IdempotentWrite the cluster (via app central)  # desired-state/apps/central.yaml:2:3',
      '+ User:central-user may Describe topic lms-users-acls (via app central)  # desired-state/apps/central.yaml:4:16',
      '+ User:central-user may Write topic lms-users-acls (via app central)  # desired-state/apps/central.yaml:4:16',
      '+ User:central-user may Describe topic pos-users-acls (via app central)  # desired-state/apps/central.yaml:4:32',
      '+ User:central-user may DescribeConfigs topic pos-users-acls  # desired-state/acls.yaml:2:5',
      '+ User:central-user may Write topic pos-users-acls (via app central)  # desired-state/apps/central.yaml:4:32',
      '+ User:lms-user may Read group lms-users-acls-group (via app lms)  # desired-state/apps/lms.yaml:5:9',
      '+ User:lms-user may Describe topic lms-users-acls (via app lms)  # desired-state/apps/lms.yaml:5:9',
      '+ User:lms-user may Read topic lms-users-acls (via app lms)  # desired-state/apps/lms.yaml:5:9',
    ]);
  });

  test('adding an app shows its user and the ACLs its shorthand expands to', async () => {
    expect(await changesBetween('base', 'add-app')).toEqual([
      '+ user pos-user (SCRAM-SHA-512, password generated)  # desired-state/apps/pos.yaml:2:3',
      '+ User:pos-user may Read group pos-users-acls-group (via app pos)  # desired-state/apps/pos.yaml:7:9',
      '+ User:pos-user may Describe topic pos-users-acls (via app pos)  # desired-state/apps/pos.yaml:7:9',
      '+ User:pos-user may Read topic pos-users-acls (via app pos)  # desired-state/apps/pos.yaml:7:9',
    ]);
    expect(await policyAt('add-app', 'base')).toEqual([]);
  });

  test('widening: a literal topic becomes a prefix, an ACL gains an operation, a topic gains a partition', async () => {
    expect(await changesBetween('add-app', 'widen')).toEqual([
      '~ topic pos-users-acls partitions 2 → 3  # desired-state/topics.yaml:5:3',
      '+ topic pos-users-acls config cleanup.policy=compact  # desired-state/topics.yaml:5:3',
      '~ topic pos-users-acls config retention.ms: 604800000 → 86400000  # desired-state/topics.yaml:5:3',
      '+ User:central-user may AlterConfigs topic pos-users-acls  # desired-state/acls.yaml:2:5',
      '+ User:lms-user may Describe topics prefixed "lms-" (via app lms)  # desired-state/apps/lms.yaml:5:9',
      '+ User:lms-user may Read topics prefixed "lms-" (via app lms)  # desired-state/apps/lms.yaml:5:9',
      '- User:lms-user may Describe topic lms-users-acls (via app lms)  # was desired-state/apps/lms.yaml:5:9',
      '- User:lms-user may Read topic lms-users-acls (via app lms)  # was desired-state/apps/lms.yaml:5:9',
    ]);
    // "lms-" is four characters: as long as the default minPrefixLength allows.
    expect(await policyAt('widen', 'add-app')).toEqual([]);
  });

  test('deleting a topic is a removal at its base line, and a policy violation without the opt-in', async () => {
    expect(await changesBetween('widen', 'delete-topic')).toEqual([
      '- topic lms-archive (1 partition, replication factor 2)  # was desired-state/topics.yaml:11:3',
    ]);
    expect(await policyAt('delete-topic', 'widen')).toEqual([
      'desired-state/topics.yaml:11:3: topic lms-archive (declared here in the base revision) is removed, which would delete it and its data; set deletions.topics: true in settings.yaml to allow topic deletion [topic-deletion]',
    ]);
    // Judged alone, without the base, nothing is wrong with the head.
    expect(await policyAt('delete-topic')).toEqual([]);
  });

  test('the opt-in lets the deletion through', async () => {
    // The work tree as at delete-topic, plus the opt-in.
    await repo.write({
      'desired-state/settings.yaml': `${SETTINGS}  topics: true\n`,
      'desired-state/acls.yaml': ACLS_WIDENED,
    });
    try {
      expect(await policyAt(undefined, 'widen')).toEqual([]);
      const run = await runCli(repo.dir, ['policy', '--base', 'widen', 'desired-state']);
      expect(run).toEqual({
        code: 0,
        stdout: 'policy: ok (13 ACL bindings, 2 topics, compared with widen)\n',
        stderr: '',
      });
    } finally {
      await repo.git.checkout(['--', '.']);
    }
  });

  test('breaking the rules: wildcard principal, short prefix, All, cluster Alter (a deny is never too broad)', async () => {
    expect(await changesBetween('delete-topic', 'break-rules')).toEqual([
      '+ User:* may Describe topic lms-users-acls  # desired-state/acls.yaml:5:5',
      '+ User:central-user may Alter the cluster  # desired-state/acls.yaml:11:5',
      '+ User:lms-user may Read groups prefixed "lm"  # desired-state/acls.yaml:8:5',
      '+ User:pos-user is denied Write topic lms-users-acls  # desired-state/acls.yaml:17:5',
      '+ User:pos-user may All topics prefixed "pos-"  # desired-state/acls.yaml:14:5',
    ]);
    expect(await policyAt('break-rules', 'delete-topic')).toEqual([
      'desired-state/acls.yaml:5:5: User:* grants Describe on topic lms-users-acls to every authenticated principal; set policy.allowWildcardPrincipal: true in settings.yaml to allow it [wildcard-principal]',
      'desired-state/acls.yaml:8:5: User:lms-user is granted Read on groups prefixed "lm": the prefix is 2 characters, policy.minPrefixLength is 4 [short-prefix]',
      'desired-state/acls.yaml:11:5: User:central-user is granted Alter on the cluster, which changes brokers, configs and ACLs for everyone; set policy.allowClusterAlter: true to allow it [cluster-alter]',
      'desired-state/acls.yaml:14:5: User:pos-user is granted All operations on topics prefixed "pos-"; grant the operations it needs (Read, Write, Describe, …) or set policy.allowAllOperation: true [all-operation]',
    ]);
  });

  test('the policy knobs relax each rule', async () => {
    await repo.write({
      'desired-state/settings.yaml': `${SETTINGS}policy:
  allowWildcardPrincipal: true
  allowAllOperation: true
  allowClusterAlter: true
  minPrefixLength: 2
`,
    });
    try {
      expect(await policyAt(undefined)).toEqual([]);
      const run = await runCli(repo.dir, ['policy', 'desired-state']);
      expect(run.code).toBe(0);
    } finally {
      await repo.git.checkout(['--', '.']);
    }
  });
});

describe('the commands a pull-request job runs', () => {
  test('diff prints the changes with their places and exits 0', async () => {
    const run = await runCli(repo.dir, ['diff', '--base', 'widen', '--head', 'delete-topic', 'desired-state']);
    expect(run).toEqual({
      code: 0,
      stdout:
        'desired-state: widen → delete-topic: 1 change (1 removed)\n' +
        '- topic lms-archive (1 partition, replication factor 2)  # was desired-state/topics.yaml:11:3\n',
      stderr: '',
    });
  });

  test('diff --format markdown and json', async () => {
    const markdown = await runCli(repo.dir, ['diff', '--base', 'base', '--head', 'add-app', '--format', 'markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toBe(
      [
        '### `desired-state`: `base` → `add-app`',
        '',
        '4 changes (4 added)',
        '',
        '**Users**',
        '',
        '```diff',
        '+ user pos-user (SCRAM-SHA-512, password generated)  # desired-state/apps/pos.yaml:2:3',
        '```',
        '',
        '**ACLs**',
        '',
        '```diff',
        '+ User:pos-user may Read group pos-users-acls-group (via app pos)  # desired-state/apps/pos.yaml:7:9',
        '+ User:pos-user may Describe topic pos-users-acls (via app pos)  # desired-state/apps/pos.yaml:7:9',
        '+ User:pos-user may Read topic pos-users-acls (via app pos)  # desired-state/apps/pos.yaml:7:9',
        '```',
        '',
      ].join('\n'),
    );
    const json = await runCli(repo.dir, ['diff', '--base', 'widen', '--head', 'delete-topic', '--format', 'json']);
    const { commit: widenCommit } = await loadRevision({ cwd: repo.dir, dir: 'desired-state', ref: 'widen' });
    expect(JSON.parse(json.stdout)).toEqual({
      dir: 'desired-state',
      base: { ref: 'widen', commit: widenCommit },
      head: { ref: 'delete-topic', commit: expect.stringMatching(/^[0-9a-f]{40}$/) },
      summary: '1 change (1 removed)',
      changes: [
        {
          sign: '-',
          kind: 'topic',
          id: 'topic:lms-archive',
          text: 'topic lms-archive (1 partition, replication factor 2)',
          origin: { file: 'desired-state/topics.yaml', line: 11, column: 3 },
          originRevision: 'base',
        },
      ],
    });
  });

  test('a head that does not load: diagnostics and exit 1; a bad revision or missing --base is named', async () => {
    await repo.write({ 'desired-state/apps/lms.yaml': LMS.replace('user: lms-user', 'user: lms-usr') });
    try {
      const run = await runCli(repo.dir, ['diff', '--base', 'base']);
      expect(run).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'desired-state/apps/lms.yaml:3:11: apps.lms.user: user "lms-usr" is declared nowhere (did you mean "lms-user"?) (declare it under users:)\n' +
          '1 problem(s) in the manifests (work tree).\n',
      });
      expect((await runCli(repo.dir, ['policy'])).code).toBe(1);
      const comment = await runCli(repo.dir, ['comment', '--base', 'base']);
      expect(comment.code).toBe(1);
      expect(comment.stdout).toContain('❌ validation (1 error) · ⏭️ policy not checked · **diff not computed**');
      expect(comment.stdout).toContain(
        '```text\ndesired-state/apps/lms.yaml:3:11: apps.lms.user: user "lms-usr" is declared nowhere',
      );
    } finally {
      await repo.git.checkout(['--', '.']);
    }
    // A head without manifests is never "delete everything": it does not load (only a base may be empty).
    const empty = await runCli(repo.dir, ['diff', '--base', 'base', '--head', 'readme']);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toMatch(
      /^desired-state: no manifests found.*\n1 problem\(s\) in the manifests \(readme\)\.\n$/,
    );
    expect(await runCli(repo.dir, ['diff', '--base', 'no-such-branch'])).toEqual({
      code: 1,
      stdout: '',
      stderr:
        'msk-gitops diff: unknown git revision "no-such-branch" (in a CI checkout, fetch it first: fetch-depth: 0)\n',
    });
    const usage = await runCli(repo.dir, ['diff']);
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--base REF is required');
  });

  test('policy prints file:line:column: message [rule] and exits 1; --format github annotates', async () => {
    const run = await runCli(repo.dir, ['policy', '--base', 'widen', '--head', 'delete-topic']);
    expect(run).toEqual({
      code: 1,
      stdout:
        'desired-state/topics.yaml:11:3: topic lms-archive (declared here in the base revision) is removed, which would delete it and its data; set deletions.topics: true in settings.yaml to allow topic deletion [topic-deletion]\n' +
        'policy: 1 violation(s) (13 ACL bindings, 2 topics)\n',
      stderr: '',
    });
    const deletion = await runCli(repo.dir, [
      'policy',
      '--base',
      'widen',
      '--head',
      'delete-topic',
      '--format',
      'github',
    ]);
    // The line is in the base revision: the annotation names the file only, and the base place in its text.
    expect(deletion.stdout.split('\n')[0]).toBe(
      '::error file=desired-state/topics.yaml,title=msk-gitops policy [topic-deletion]::topic lms-archive (declared here in the base revision) is removed, which would delete it and its data; set deletions.topics: true in settings.yaml to allow topic deletion [base desired-state/topics.yaml:11:3]',
    );
    const github = await runCli(repo.dir, ['policy', '--head', 'break-rules', '--format', 'github']);
    expect(github.stdout.split('\n')[0]).toBe(
      '::error file=desired-state/acls.yaml,line=5,col=5,title=msk-gitops policy [wildcard-principal]::User:* grants Describe on topic lms-users-acls to every authenticated principal; set policy.allowWildcardPrincipal: true in settings.yaml to allow it',
    );
  });

  test('the comment for the whole pull request matches the reviewed snapshot, and fails the job', async () => {
    const run = await runCli(repo.dir, ['comment', '--base', 'base', '--head', 'break-rules', 'desired-state']);
    expect(run.code).toBe(1);
    expect(run.stdout.startsWith(`${PLAN_COMMENT_MARKER}\n`)).toBe(true);
    if (process.env.UPDATE_FIXTURES === 'true') await writeFile(SNAPSHOT, run.stdout);
    expect(run.stdout).toBe(await readFile(SNAPSHOT, 'utf8'));
    // Stable: the same inputs give the same bytes, so CI's update in place is a no-op when nothing changed.
    const again = await runCli(repo.dir, ['comment', '--base', 'base', '--head', 'break-rules', 'desired-state']);
    expect(again.stdout).toBe(run.stdout);
  });

  test('a clean pull request: the comment passes and --output writes it', async () => {
    const run = await runCli(repo.dir, ['comment', '--base', 'base', '--head', 'add-app', '--output', 'comment.md']);
    expect(run).toEqual({ code: 0, stdout: '', stderr: 'wrote the comment to comment.md\n' });
    const comment = await readFile(path.join(repo.dir, 'comment.md'), 'utf8');
    expect(comment.split('\n').slice(0, 5)).toEqual([
      PLAN_COMMENT_MARKER,
      '',
      '### msk-gitops plan for `desired-state` (`base` → `add-app`)',
      '',
      '✅ validation · ✅ policy · **4 changes (4 added)**',
    ]);
  });
});

describe("a pull request removing a client quota: the pull request's labels decide", () => {
  let quotas: ManifestsRepo;

  beforeAll(async () => {
    quotas = await createManifestsRepo();
    await quotas.commit('with-quota', 'a producer limit for the lms user', {
      'desired-state/users.yaml': 'users:\n  lms-user: {}\n',
      'desired-state/quotas.yaml': 'quotas:\n  - user: lms-user\n    producer_byte_rate: 1048576\n',
    });
    await quotas.commit('without-quota', 'the limit goes', { 'desired-state/quotas.yaml': 'quotas: []\n' });
  });

  afterAll(async () => {
    await quotas?.remove();
  });

  test('policy and comment refuse it without the label and pass it with --labels', async () => {
    const revisions = ['--base', 'with-quota', '--head', 'without-quota'];
    const refused = await runCli(quotas.dir, ['policy', ...revisions]);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/\[quota-removal\]/);
    const labelled = ['--labels', 'needs-review, allow-quota-removal'];
    expect(await runCli(quotas.dir, ['policy', ...revisions, ...labelled])).toMatchObject({ code: 0 });

    const comment = await runCli(quotas.dir, ['comment', ...revisions, 'desired-state']);
    expect(comment.code).toBe(1);
    expect(comment.stdout).toContain('quota-removal');
    const passing = await runCli(quotas.dir, ['comment', ...revisions, ...labelled, 'desired-state']);
    expect(passing.code).toBe(0);
    expect(passing.stdout).toContain('✅ policy');
  });
});
