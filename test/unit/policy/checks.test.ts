/** The pull-request policy over plain desired states: each rule, its knob, and what it never flags. */
import { buildDesiredState } from '../../../reconciler/model/load';
import type { DesiredState } from '../../../reconciler/model/schema';
import { checkPolicy, formatViolation } from '../../../reconciler/policy/checks';

const BASE_FILES = {
  'topics.yaml': 'topics:\n  orders:\n    partitions: 1\n    replicationFactor: 1\n',
  'users.yaml': 'users:\n  app-user: {}\n',
};

function state(acls: string, settings = ''): DesiredState {
  const files = { ...BASE_FILES, 'acls.yaml': `acls:\n${acls}`, ...(settings ? { 'settings.yaml': settings } : {}) };
  const result = buildDesiredState(Object.entries(files).map(([path, text]) => ({ path, text })));
  expect(result.diagnostics).toEqual([]);
  return result.state!;
}

const verdict = (head: DesiredState, base?: DesiredState) => checkPolicy(head, base).map(formatViolation);

const acl = (principal: string, resource: string, operations: string, extra = '') =>
  `  - principal: ${principal}\n    resource: ${resource}\n    operations: [${operations}]\n${extra}`;

test('safe defaults: a literal grant with named operations passes', () => {
  expect(verdict(state(acl('User:app-user', '{ type: topic, name: orders }', 'Read, Describe')))).toEqual([]);
});

test('one finding per place and rule: a block granting several operations names them together', () => {
  const head = state(acl('User:*', '{ type: topic, name: orders }', 'Read, Describe', '    external: true\n'));
  expect(verdict(head)).toEqual([
    'acls.yaml:2:5: User:* grants Read, Describe on topic orders to every authenticated principal; set policy.allowWildcardPrincipal: true in settings.yaml to allow it [wildcard-principal]',
  ]);
});

test('All on the cluster is both rules; with allowAllOperation it is still a cluster Alter', () => {
  const all = acl('User:app-user', '{ type: cluster }', 'All');
  expect(verdict(state(all))).toEqual([
    'acls.yaml:2:5: User:app-user is granted All operations on the cluster; grant the operations it needs (Read, Write, Describe, …) or set policy.allowAllOperation: true [all-operation]',
  ]);
  expect(verdict(state(all, 'policy:\n  allowAllOperation: true\n'))).toEqual([
    'acls.yaml:2:5: User:app-user is granted All on the cluster, which changes brokers, configs and ACLs for everyone; set policy.allowClusterAlter: true to allow it [cluster-alter]',
  ]);
  expect(verdict(state(all, 'policy:\n  allowAllOperation: true\n  allowClusterAlter: true\n'))).toEqual([]);
  expect(
    verdict(state(acl('User:app-user', '{ type: cluster }', 'AlterConfigs, ClusterAction, IdempotentWrite'))),
  ).toEqual([
    'acls.yaml:2:5: User:app-user is granted ClusterAction, AlterConfigs on the cluster, which changes brokers, configs and ACLs for everyone; set policy.allowClusterAlter: true to allow it [cluster-alter]',
  ]);
});

test('a literal "*" resource is every resource, whatever minPrefixLength says; short prefixes follow the knob', () => {
  const wildcard = acl('User:app-user', '{ type: group, name: "*" }', 'Read');
  const message =
    'acls.yaml:2:5: User:app-user is granted Read on every group; name the group, or a prefix [wildcard-resource]';
  expect(verdict(state(wildcard, 'policy:\n  minPrefixLength: 0\n'))).toEqual([message]);
  const prefix = acl('User:app-user', '{ type: topic, name: ord, pattern: prefixed }', 'Read', '    external: true\n');
  expect(verdict(state(prefix))).toEqual([
    'acls.yaml:2:5: User:app-user is granted Read on topics prefixed "ord": the prefix is 3 characters, policy.minPrefixLength is 4 [short-prefix]',
  ]);
  expect(verdict(state(prefix, 'policy:\n  minPrefixLength: 3\n'))).toEqual([]);
});

test('deny rules are never too broad', () => {
  const deny = acl('User:*', '{ type: topic, name: "*" }', 'All', '    permission: deny\n    external: true\n');
  expect(verdict(state(deny))).toEqual([]);
});

test('topic deletion needs the base, and the opt-in in the head', () => {
  const base = state(acl('User:app-user', '{ type: topic, name: orders }', 'Read'));
  const headFiles = {
    'topics.yaml': 'topics:\n  invoices:\n    partitions: 1\n    replicationFactor: 1\n',
    'users.yaml': BASE_FILES['users.yaml'],
  };
  const build = (extra: Record<string, string>) =>
    buildDesiredState(Object.entries({ ...headFiles, ...extra }).map(([path, text]) => ({ path, text }))).state!;
  expect(verdict(build({}), base)).toEqual([
    'topics.yaml:2:3: topic orders (declared here in the base revision) is removed, which would delete it and its data; set deletions.topics: true in settings.yaml to allow topic deletion [topic-deletion]',
  ]);
  expect(verdict(build({ 'settings.yaml': 'deletions:\n  topics: true\n' }), base)).toEqual([]);
  expect(verdict(build({}))).toEqual([]);
});

describe('quota-removal', () => {
  const quotas = (text: string, settings = ''): DesiredState => {
    const files = { ...BASE_FILES, 'quotas.yaml': text, ...(settings ? { 'settings.yaml': settings } : {}) };
    const result = buildDesiredState(Object.entries(files).map(([path, t]) => ({ path, text: t })));
    expect(result.diagnostics).toEqual([]);
    return result.state!;
  };
  const base = quotas('quotas:\n  - user: app-user\n    producer_byte_rate: 1024\n    consumer_byte_rate: 2048\n');

  it('refuses a removed quota key without the label, names the label, allows it with the label', () => {
    const head = quotas('quotas:\n  - user: app-user\n    producer_byte_rate: 4096\n');
    expect(checkPolicy(head, base).map(formatViolation)).toEqual([
      expect.stringMatching(
        /^quotas\.yaml:2:5: the quota of user=app-user loses consumer_byte_rate .*"allow-quota-removal" to allow it \[quota-removal\]$/,
      ),
    ]);
    expect(checkPolicy(head, base, { labels: ['allow-quota-removal'] })).toEqual([]);
    const custom = quotas('quotas: []\n', 'policy:\n  quotaRemovalLabel: quota-ok\n');
    expect(checkPolicy(custom, base, { labels: ['quota-ok'] })).toEqual([]);
    expect(checkPolicy(custom, base).map(formatViolation)).toEqual([expect.stringContaining('"quota-ok"')]);
  });

  it('raising or lowering a limit is no removal', () => {
    expect(
      checkPolicy(quotas('quotas:\n  - user: app-user\n    producer_byte_rate: 1\n    consumer_byte_rate: 1\n'), base),
    ).toEqual([]);
  });
});
