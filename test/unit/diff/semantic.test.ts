/** The semantic diff over plain desired states: every kind of change, its sign, its sentence and its place. */
import { buildDesiredState } from '../../../reconciler/model/load';
import type { DesiredState } from '../../../reconciler/model/schema';
import { diffLines } from '../../../reconciler/diff/render';
import { diffDesiredStates } from '../../../reconciler/diff/semantic';
import { COMMENT_LIMIT, renderPlanComment } from '../../../reconciler/diff/plan-comment';

function state(files: Record<string, string>): DesiredState {
  const result = buildDesiredState(Object.entries(files).map(([path, text]) => ({ path, text })));
  expect(result.diagnostics).toEqual([]);
  return result.state!;
}

const TOPICS = `topics:
  orders:
    partitions: 2
    replicationFactor: 2
    config:
      retention.ms: 604800000
      cleanup.policy: delete
`;

test('identical states have no changes, whatever the file layout', () => {
  const one = state({ 'all.yaml': `${TOPICS}users:\n  app-user: {}\n` });
  const two = state({ 'topics.yaml': TOPICS, 'users/app.yaml': 'users:\n  app-user: {}\n' });
  expect(diffDesiredStates(one, two)).toEqual([]);
});

test('users: mechanism, iterations and password source changes, never a secret', () => {
  const base = state({
    'users.yaml': `users:
  a-user: { mechanism: SCRAM-SHA-256 }
  b-user: { password: { env: B_PASSWORD } }
  c-user: { iterations: 4096 }
  gone-user: {}
`,
  });
  const head = state({
    'users.yaml': `users:
  a-user: { mechanism: SCRAM-SHA-512 }
  b-user: { password: { secretsManager: AmazonMSK_b } }
  c-user: { iterations: 8192, password: { env: C_SECRET } }
  new-user: { password: { file: /run/secrets/new } }
`,
  });
  expect(diffLines(diffDesiredStates(base, head))).toEqual([
    '~ user a-user mechanism SCRAM-SHA-256 → SCRAM-SHA-512  # users.yaml:2:3',
    '~ user b-user password from env → from Secrets Manager  # users.yaml:3:3',
    '~ user c-user iterations 4096 → 8192  # users.yaml:4:3',
    '~ user c-user password generated → from env  # users.yaml:4:3',
    '- user gone-user (SCRAM-SHA-512)  # was users.yaml:5:3',
    '+ user new-user (SCRAM-SHA-512, password from file)  # users.yaml:5:3',
  ]);
});

test('topic config: added, changed, and removed (back to the cluster default); settings by key', () => {
  const base = state({ 'topics.yaml': TOPICS });
  const head = state({
    'settings.yaml': 'deletions:\n  topics: true\nscope:\n  topics: [orders, "pay-*"]\n',
    'topics.yaml': TOPICS.replace('      cleanup.policy: delete\n', '      min.insync.replicas: 1\n').replace(
      '604800000',
      '86400000',
    ),
  });
  expect(diffLines(diffDesiredStates(base, head))).toEqual([
    '~ setting deletions.topics: false → true',
    '~ setting scope.topics: added orders, pay-*; removed *',
    '- topic orders config cleanup.policy=delete (back to the cluster default)  # topics.yaml:2:3',
    '+ topic orders config min.insync.replicas=1  # topics.yaml:2:3',
    '~ topic orders config retention.ms: 604800000 → 86400000  # topics.yaml:2:3',
  ]);
});

test('ACLs: allow and deny, hosts, wildcard names, transactional ids, each with its app', () => {
  const base = state({ 'topics.yaml': TOPICS, 'users.yaml': 'users:\n  app-user: {}\n' });
  const head = state({
    'topics.yaml': TOPICS,
    'users.yaml': 'users:\n  app-user: {}\n',
    'acls.yaml': `acls:
  - principal: User:app-user
    resource: { type: topic, name: orders }
    operations: [Write]
    permission: deny
    host: 10.0.0.7
  - principal: User:ops
    external: true
    resource: { type: topic, name: "*" }
    operations: [Describe]
`,
    'apps.yaml': `apps:
  billing:
    user: app-user
    produces: [orders]
    idempotent: false
    transactionalIds: [billing-tx]
`,
  });
  expect(diffLines(diffDesiredStates(base, head))).toEqual([
    '+ User:app-user may Describe topic orders (via app billing)  # apps.yaml:4:16',
    '+ User:app-user may Write topic orders (via app billing)  # apps.yaml:4:16',
    '+ User:app-user is denied Write topic orders from host 10.0.0.7  # acls.yaml:2:5',
    '+ User:app-user may Describe transactional id billing-tx (via app billing)  # apps.yaml:6:24',
    '+ User:app-user may Write transactional id billing-tx (via app billing)  # apps.yaml:6:24',
    '+ User:ops may Describe every topic (*)  # acls.yaml:7:5',
  ]);
});

test('the same binding moved from an explicit ACL into an app is no change: only real effects count', () => {
  const users = 'users:\n  app-user: {}\n';
  const base = state({
    'topics.yaml': TOPICS,
    'users.yaml': users,
    'acls.yaml': `acls:
  - principal: User:app-user
    resource: { type: topic, name: orders }
    operations: [Read, Describe]
  - principal: User:app-user
    resource: { type: group, name: orders-group }
    operations: [Read]
`,
  });
  const head = state({
    'topics.yaml': TOPICS,
    'users.yaml': users,
    'apps.yaml': 'apps:\n  orders:\n    user: app-user\n    consumes: [{ topic: orders, group: orders-group }]\n',
  });
  expect(diffDesiredStates(base, head)).toEqual([]);
});

describe('a pull request too large for one comment', () => {
  const topics = (n: number) =>
    `topics:\n${Array.from({ length: n }, (_, i) => `  t-${String(i).padStart(4, '0')}:\n    partitions: 1\n    replicationFactor: 1\n`).join('')}`;

  test('keeps summary, validation and policy, shows the diff lines that fit and says how many are left', () => {
    const head = state({ 'topics.yaml': topics(300) });
    const base = state({ 'topics.yaml': topics(1) });
    const changes = diffDesiredStates(base, head);
    const input = {
      dir: 'desired-state',
      base: { ref: 'origin/main', loaded: true, diagnostics: [] },
      head: { ref: 'HEAD', loaded: true, diagnostics: [] },
      changes,
      violations: [],
    };
    expect(renderPlanComment(input).length).toBeLessThan(COMMENT_LIMIT);
    const small = renderPlanComment(input, 4000);
    expect(small.length).toBeLessThanOrEqual(4000);
    expect(small).toContain('✅ validation · ✅ policy · **299 changes (299 added)**');
    const shown = small.split('\n').filter((line) => line.startsWith('+ topic t-')).length;
    expect(shown).toBeGreaterThan(10);
    expect(small).toContain(
      `_…and ${299 - shown} more changes, too many for one comment: run \`msk-gitops diff --base origin/main --head HEAD desired-state\`._`,
    );
    // Deterministic, like everything in the comment.
    expect(renderPlanComment(input, 4000)).toBe(small);
  });
});

test('quotas: key by key, added, changed and removed (the limit lifted), each at its place', () => {
  const base = state({
    'quotas.yaml': 'quotas:\n  - user: lms-user\n    producer_byte_rate: 1024\n    consumer_byte_rate: 2048\n',
  });
  const head = state({
    'quotas.yaml':
      'quotas:\n  - user: lms-user\n    producer_byte_rate: 4096\n  - user: <default>\n    request_percentage: 50\n',
  });
  expect(diffLines(diffDesiredStates(base, head))).toEqual([
    '+ quota user=<default> request_percentage=50  # quotas.yaml:4:5',
    '- quota user=lms-user consumer_byte_rate=2048 (the limit is lifted)  # was quotas.yaml:2:5',
    '~ quota user=lms-user producer_byte_rate: 1024 → 4096  # quotas.yaml:2:5',
  ]);
});
