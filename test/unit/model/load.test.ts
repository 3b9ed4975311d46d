// The loader's rules, with plain texts in and plain data out.
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  buildDesiredState,
  formatDiagnostic,
  loadDesiredState,
  withOriginsUnder,
  type ManifestSource,
} from '../../../reconciler/model/load';
import { describeAcl } from '../../../reconciler/model/keys';

const TOPICS = `topics:
  orders:
    partitions: 3
    replicationFactor: 2
    config:
      retention.ms: 604800000
      retention.bytes: 9223372036854775807
      cleanup.policy: compact, delete
      unclean.leader.election.enable: false
      min.insync.replicas: "2"
  audit:
    partitions: 1
    replicationFactor: 1
`;
const USERS = `users:
  shop-user: { password: { env: SHOP_PASSWORD } }
  audit-user:
    mechanism: SCRAM-SHA-256
    password: { secretsManager: AmazonMSK_audit }
    iterations: 4096
`;

function build(files: Record<string, string>) {
  const sources: ManifestSource[] = Object.entries(files).map(([p, text]) => ({ path: p, text }));
  const result = buildDesiredState(sources);
  return { ...result, lines: result.diagnostics.map(formatDiagnostic) };
}

function errors(files: Record<string, string>): string[] {
  const result = build({ 'topics.yaml': TOPICS, 'users.yaml': USERS, ...files });
  expect(result.state).toBeNull();
  return result.lines;
}

describe('buildDesiredState: the desired state', () => {
  const { state, lines } = build({
    'topics.yaml': TOPICS,
    'users.yaml': USERS,
    'apps/shop.yaml': `apps:
  shop:
    user: shop-user
    produces: [orders, { topic: shop-, pattern: prefixed }]
    consumes:
      - topic: audit
        group: shop-group
    transactionalIds: [shop-tx]
`,
    'acls.yaml': `acls:
  - principal: User:shop-user
    resource: { type: topic, name: orders }
    operations: [Write, Describe, DescribeConfigs]
  - principal: User:audit-user
    resource: { type: cluster }
    operations: [Describe]
    host: 10.0.0.1
  - principal: User:*
    resource: { type: topic, name: audit }
    operations: [Describe]
    permission: deny
`,
  });

  it('is valid', () => {
    expect(lines).toEqual([]);
    expect(state).not.toBeNull();
  });

  it('has topics sorted by name, configs as Kafka strings (longs beyond 2^53 keep their digits)', () => {
    expect(state!.topics.map((t) => t.name)).toEqual(['audit', 'orders']);
    expect(state!.topics[1]).toEqual({
      name: 'orders',
      partitions: 3,
      replicationFactor: 2,
      config: {
        'retention.ms': '604800000',
        'retention.bytes': '9223372036854775807',
        'cleanup.policy': 'compact,delete',
        'unclean.leader.election.enable': 'false',
        'min.insync.replicas': '2',
      },
      origin: { file: 'topics.yaml', line: 2, column: 3 },
    });
    expect(state!.topics[0].config).toEqual({});
  });

  it('applies user defaults', () => {
    expect(state!.users).toEqual([
      {
        name: 'audit-user',
        mechanism: 'SCRAM-SHA-256',
        password: { secretsManager: 'AmazonMSK_audit' },
        iterations: 4096,
        origin: { file: 'users.yaml', line: 3, column: 3 },
      },
      {
        name: 'shop-user',
        mechanism: 'SCRAM-SHA-512',
        password: { env: 'SHOP_PASSWORD' },
        iterations: 8192,
        origin: { file: 'users.yaml', line: 2, column: 3 },
      },
    ]);
  });

  it('expands apps and explicit ACLs to one binding per operation, deduplicated and sorted', () => {
    expect(state!.acls.map(describeAcl)).toEqual([
      'deny User:* Describe topic audit',
      'allow User:audit-user Describe cluster kafka-cluster from 10.0.0.1',
      'allow User:shop-user IdempotentWrite cluster kafka-cluster',
      'allow User:shop-user Read group shop-group',
      'allow User:shop-user Describe topic audit',
      'allow User:shop-user Read topic audit',
      // aclKey order: "DescribeConfigs|…" sorts before "Describe|…"
      'allow User:shop-user DescribeConfigs topic orders',
      'allow User:shop-user Describe topic orders',
      'allow User:shop-user Write topic orders',
      'allow User:shop-user Describe topic shop-*',
      'allow User:shop-user Write topic shop-*',
      'allow User:shop-user Describe transactionalId shop-tx',
      'allow User:shop-user Write transactionalId shop-tx',
    ]);
  });

  it('keeps where each binding came from; the first declaration wins a duplicate', () => {
    const find = (text: string) => state!.acls.find((acl) => describeAcl(acl) === text)!.origin;
    // Write on orders is both in acls.yaml and in app shop: acls.yaml sorts first.
    expect(find('allow User:shop-user Write topic orders')).toEqual({ file: 'acls.yaml', line: 2, column: 5 });
    expect(find('allow User:shop-user Read group shop-group')).toEqual({
      file: 'apps/shop.yaml',
      line: 6,
      column: 9,
      via: 'app shop',
    });
    expect(find('allow User:shop-user Write topic shop-*')).toEqual({
      file: 'apps/shop.yaml',
      line: 4,
      column: 24,
      via: 'app shop',
    });
    expect(find('allow User:shop-user IdempotentWrite cluster kafka-cluster')?.via).toBe('app shop');
  });

  it('uses default settings without settings.yaml', () => {
    expect(state!.settings.deletions).toEqual({
      topics: false,
      acls: false,
      users: false,
      quotas: false,
      maxPerApply: 10,
    });
    expect(state!.settings.scope.topics).toEqual(['*']);
  });
});

describe('buildDesiredState: apps', () => {
  const acls = (app: string) => {
    const result = build({ 'topics.yaml': TOPICS, 'users.yaml': USERS, 'app.yaml': app });
    expect(result.lines).toEqual([]);
    return result.state!.acls.map(describeAcl);
  };

  it('a non-idempotent producer gets no IdempotentWrite', () => {
    expect(acls('apps:\n  p:\n    user: shop-user\n    idempotent: false\n    produces: [orders]\n')).toEqual([
      'allow User:shop-user Describe topic orders',
      'allow User:shop-user Write topic orders',
    ]);
  });

  it('a consumer reads and describes its topic and reads its group', () => {
    expect(acls('apps:\n  c:\n    user: shop-user\n    consumes: [{ topic: orders, group: g }]\n')).toEqual([
      'allow User:shop-user Read group g',
      'allow User:shop-user Describe topic orders',
      'allow User:shop-user Read topic orders',
    ]);
  });
});

describe('buildDesiredState: rules', () => {
  it('an empty input never means "nothing is desired"', () => {
    expect(build({}).lines).toEqual(['.: no manifests found in .']);
    expect(build({ 'settings.yaml': 'deletions: { topics: true }\n' }).state).toBeNull();
  });

  it('reports malformed YAML at its place and keeps checking other files', () => {
    expect(errors({ 'bad.yaml': 'topics:\n  x: [1,\n', 'more.yaml': 'topics:\n  orders: {}\n' })).toEqual([
      expect.stringMatching(/^bad\.yaml:\d+:\d+: invalid YAML: /),
      'more.yaml:2:3: topic "orders" is declared twice (also at topics.yaml:2:3)',
      'more.yaml:2:3: topics.orders: missing required key "partitions"',
      'more.yaml:2:3: topics.orders: missing required key "replicationFactor"',
    ]);
  });

  it('reports unknown keys with the near name', () => {
    expect(errors({ 'x.yaml': 'topics:\n  t:\n    partitions: 1\n    replicationFactr: 1\n' })).toEqual([
      'x.yaml:4:5: topics.t: unknown key "replicationFactr" (did you mean "replicationFactor"?)',
    ]);
  });

  it('says where a topic config belongs when it is written beside partitions', () => {
    expect(
      errors({ 'x.yaml': 'topics:\n  t:\n    partitions: 1\n    replicationFactor: 1\n    retention.ms: 1\n' }),
    ).toEqual(['x.yaml:5:5: topics.t: unknown key "retention.ms" (topic configs go under config:)']);
  });

  it('reports wrong types and values in human words', () => {
    expect(errors({ 'x.yaml': 'topics:\n  lms-users-acls:\n    partitions: 0\n    replicationFactor: two\n' })).toEqual(
      [
        'x.yaml:3:17: topics.lms-users-acls.partitions: must be an integer ≥ 1, got 0',
        'x.yaml:4:24: topics.lms-users-acls.replicationFactor: must be an integer, got "two"',
      ],
    );
  });

  it('checks topic names: characters, length, "." and "..", and the "." / "_" collision naming both places', () => {
    const long = 'a'.repeat(250);
    const lines = errors({
      'a.yaml': `topics:\n  "bad name": { partitions: 1, replicationFactor: 1 }\n  ${long}: { partitions: 1, replicationFactor: 1 }\n  ".": { partitions: 1, replicationFactor: 1 }\n  a.b: { partitions: 1, replicationFactor: 1 }\n`,
      'b.yaml': 'topics:\n  a_b: { partitions: 1, replicationFactor: 1 }\n',
    });
    expect(lines).toEqual([
      'a.yaml:2:3: topics["bad name"]: topic name "bad name" has characters Kafka does not allow (only letters, digits, ".", "_" and "-")',
      `a.yaml:3:3: topics.${long}: topic name is 250 characters long; Kafka allows at most 249`,
      'a.yaml:4:3: topics["."]: a topic cannot be named "."',
      'b.yaml:2:3: topic "a_b" collides with topic "a.b" at a.yaml:5:3 (Kafka treats "." and "_" alike in topic names)',
    ]);
  });

  it('checks topic configs: unknown names with a suggestion, types, ranges, enums', () => {
    const lines = errors({
      'x.yaml': `topics:
  t:
    partitions: 1
    replicationFactor: 1
    config:
      retension.ms: 1
      retention.ms: -2
      max.message.bytes: 1.5
      message.timestamp.type: createtime
      min.cleanable.dirty.ratio: 2
      segment.ms: 99999999999999999999
`,
    });
    expect(lines).toEqual([
      'x.yaml:6:7: topics.t.config: unknown topic config "retension.ms" (did you mean "retention.ms"?)',
      'x.yaml:7:21: topics.t.config.retention.ms: must be an integer (long) ≥ -1, got -2',
      'x.yaml:8:26: topics.t.config.max.message.bytes: must be an integer ≥ 0, got 1.5',
      'x.yaml:9:31: topics.t.config.message.timestamp.type: must be one of CreateTime, LogAppendTime, got "createtime" (did you mean "CreateTime"?)',
      'x.yaml:10:34: topics.t.config.min.cleanable.dirty.ratio: must be a number from 0 to 1, got 2',
      'x.yaml:11:19: topics.t.config.segment.ms: must be an integer (long) ≥ 1, got 100000000000000000000',
    ]);
  });

  it('refuses min.insync.replicas above the replication factor (equal is fine)', () => {
    const topic = (isr: number) =>
      `topics:\n  t:\n    partitions: 1\n    replicationFactor: 2\n    config:\n      min.insync.replicas: ${isr}\n`;
    expect(errors({ 'x.yaml': topic(3) })).toEqual([
      'x.yaml:6:28: topics.t.config.min.insync.replicas: 3 is greater than replicationFactor 2; acks=all writes would always fail',
    ]);
    expect(build({ 'x.yaml': topic(2) }).lines).toEqual([]);
  });

  it('requires the principal type prefix', () => {
    expect(
      errors({
        'x.yaml': 'acls:\n  - principal: shop-user\n    resource: { type: group, name: g }\n    operations: [Read]\n',
      }),
    ).toEqual([
      'x.yaml:2:16: acls[0].principal: a principal needs its type prefix, e.g. "User:lms-user", got "shop-user"',
    ]);
  });

  it('requires declared topics and users unless prefixed, external or User:*; groups are never declared', () => {
    const acl = (principal: string, resource: string, extra = '') =>
      `  - principal: ${principal}\n    resource: ${resource}\n    operations: [Read]\n${extra}`;
    const ok = build({
      'topics.yaml': TOPICS,
      'users.yaml': USERS,
      'x.yaml': `acls:\n${acl('User:shop-user', '{ type: topic, name: nowhere, pattern: prefixed }')}${acl('User:partner', '{ type: topic, name: feed }', '    external: true\n')}${acl('User:*', '{ type: group, name: any-group }')}${acl('User:shop-user', '{ type: topic, name: "*" }')}`,
    });
    expect(ok.lines).toEqual([]);
    expect(errors({ 'x.yaml': `acls:\n${acl('User:shop-usr', '{ type: topic, name: order }')}` })).toEqual([
      'x.yaml:2:16: acls[0].principal: user "shop-usr" is declared nowhere (did you mean "shop-user"?) (declare it under users:, or mark the ACL external: true)',
      'x.yaml:3:36: acls[0].resource.name: topic "order" is declared nowhere (did you mean "orders"?) (declare it under topics:, or mark the ACL external: true)',
    ]);
  });

  it('requires an app user and its literal topics to be declared', () => {
    expect(
      errors({ 'x.yaml': 'apps:\n  a:\n    user: nobody\n    consumes: [{ topic: nothing, group: g }]\n' }),
    ).toEqual([
      'x.yaml:3:11: apps.a.user: user "nobody" is declared nowhere (declare it under users:)',
      'x.yaml:4:25: apps.a.consumes[0].topic: topic "nothing" is declared nowhere',
    ]);
  });

  it('takes a user name, not a principal, for an app', () => {
    expect(errors({ 'x.yaml': 'apps:\n  a:\n    user: User:shop-user\n    produces: [orders]\n' })).toEqual([
      'x.yaml:3:11: apps.a.user: is a user name, not a principal: write "shop-user"',
    ]);
  });

  it('names both places of a duplicate across files', () => {
    expect(errors({ 'more/users.yaml': 'users:\n  shop-user: {}\n' })).toEqual([
      'more/users.yaml:2:3: user "shop-user" is declared twice (also at users.yaml:2:3)',
    ]);
  });

  it('applies the naming rules of settings.yaml, and reports a bad rule at its place', () => {
    const lines = errors({
      'settings.yaml': 'naming:\n  topics: "^o"\n  users: "(unclosed"\n',
    });
    expect(lines).toEqual([
      'settings.yaml:3:10: naming.users: invalid regular expression: Unterminated group',
      'topics.yaml:11:3: topics.audit: name does not match the naming rule topics: /^o/ in settings.yaml',
    ]);
  });

  it('refuses an alias bomb instead of expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    expect(build({ 'bomb.yaml': `${lines.join('\n')}\ntopics: *a8\n` }).lines).toEqual([
      'bomb.yaml:1:1: invalid YAML: excessive alias count indicates a resource exhaustion attack',
    ]);
  });

  it('allows one settings file at the root', () => {
    expect(
      errors({ 'settings.yaml': 'deletions: { acls: true }\n', 'settings.yml': 'deletions: { acls: false }\n' }),
    ).toEqual(['settings.yml:1:1: only one settings file is allowed (also settings.yaml)']);
  });

  it('never shows a password, even a misplaced one', () => {
    const lines = errors({ 'u.yaml': 'users:\n  x-user:\n    password: s3cret-value\n' });
    expect(lines.join('\n')).not.toContain('s3cret-value');
    expect(lines).toEqual([
      'u.yaml:3:15: users.x-user.password: must be { generate: true } or { env: … } or { file: … } or { secretsManager: … }, got a string (never the password itself: a manifest is reviewed in public)',
    ]);
  });

  it('reports every problem at once, sorted by place', () => {
    const lines = errors({
      'b.yaml': 'topics:\n  t: { partitions: 0, replicationFactor: 1 }\n',
      'a.yaml': 'acls:\n  - principal: nope\n    resource: { type: topic, name: orders }\n    operations: [Read]\n',
    });
    expect(lines.map((l) => l.split(':').slice(0, 3).join(':'))).toEqual(['a.yaml:2:16', 'b.yaml:2:20']);
  });
});

describe('formatDiagnostic', () => {
  it('is file:line:column: message, or file: message without a position', () => {
    expect(formatDiagnostic({ file: 'a.yaml', line: 3, column: 5, message: 'm' })).toBe('a.yaml:3:5: m');
    expect(formatDiagnostic({ file: 'dir', line: 0, column: 0, message: 'm' })).toBe('dir: m');
  });
});

describe('loadDesiredState', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'msk-gitops-load-'));
  const write = (rel: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    writeFileSync(path.join(root, rel), text);
  };

  it('reads *.yaml and *.yml recursively, skipping dot-folders, node_modules and other files', async () => {
    write('topics.yaml', TOPICS);
    write('team/users.yml', USERS);
    write('.git/broken.yaml', 'topics: [');
    write('node_modules/x/broken.yaml', 'topics: [');
    write('README.md', '# not a manifest');
    const result = await loadDesiredState(root);
    expect(result.diagnostics).toEqual([]);
    expect(result.state!.users.map((u) => u.origin!.file)).toEqual(['team/users.yml', 'team/users.yml']);
  });

  it('reports an empty or missing directory instead of an empty desired state', async () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'msk-gitops-empty-'));
    expect((await loadDesiredState(empty)).diagnostics.map(formatDiagnostic)).toEqual([
      `${empty}: no manifests found in ${empty}`,
    ]);
    const missing = await loadDesiredState(path.join(empty, 'nope'));
    expect(missing.state).toBeNull();
    expect(missing.diagnostics[0].message).toBe('cannot read the manifests directory (ENOENT)');
  });

  it('places every kind under the folder as typed, quotas too (a kind left out would vanish from `plan DIR`)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-load-quotas-'));
    writeFileSync(path.join(dir, 'users.yaml'), 'users:\n  lms-user: {}\n');
    writeFileSync(path.join(dir, 'quotas.yaml'), 'quotas:\n  - user: lms-user\n    producer_byte_rate: 1048576\n');
    const shown = withOriginsUnder(await loadDesiredState(dir), 'manifests');
    expect(shown.state!.users.map((user) => user.origin!.file)).toEqual(['manifests/users.yaml']);
    expect(shown.state!.quotas!.map((quota) => [quota.values, quota.origin!.file])).toEqual([
      [{ producer_byte_rate: 1048576 }, 'manifests/quotas.yaml'],
    ]);
  });

  it('prefixes file names for display', async () => {
    write('bad.yaml', 'topics:\n  x: { partitions: 0, replicationFactor: 1 }\n');
    const result = await loadDesiredState(root, { displayPrefix: 'manifests' });
    expect(result.diagnostics.map(formatDiagnostic)).toEqual([
      'manifests/bad.yaml:2:20: topics.x.partitions: must be an integer ≥ 1, got 0',
    ]);
  });
});
