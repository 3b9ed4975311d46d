/** The import's pure half: which bindings become an app, and what the written files load back to. */
import { appFor, importManifests, verifyImport } from '../../../reconciler/import/manifests';
import { buildDesiredState } from '../../../reconciler/model/load';
import { aclKey } from '../../../reconciler/model/keys';
import type { AclEntry, LiveState } from '../../../reconciler/model/schema';

type Binding = Omit<AclEntry, 'origin'>;
const b = (
  principal: string,
  resourceType: Binding['resourceType'],
  resourceName: string,
  operation: Binding['operation'],
  extra: Partial<Binding> = {},
): Binding => ({
  principal,
  host: '*',
  resourceType,
  resourceName,
  patternType: 'literal',
  operation,
  permission: 'allow',
  ...extra,
});

const topics = new Set(['orders', 'payments']);

describe('appFor', () => {
  test('a producer with IdempotentWrite, a consumer with its group, transactional ids: one app', () => {
    const bindings = [
      b('User:svc', 'topic', 'orders', 'Write'),
      b('User:svc', 'topic', 'orders', 'Describe'),
      b('User:svc', 'cluster', 'kafka-cluster', 'IdempotentWrite'),
      b('User:svc', 'topic', 'payments', 'Read'),
      b('User:svc', 'topic', 'payments', 'Describe'),
      b('User:svc', 'group', 'svc-group', 'Read'),
      b('User:svc', 'transactionalId', 'svc-tx', 'Write'),
      b('User:svc', 'transactionalId', 'svc-tx', 'Describe'),
    ];
    expect(appFor('svc', bindings, topics)).toEqual({
      user: 'svc',
      produces: ['orders'],
      consumes: [{ topic: 'payments', group: 'svc-group', pattern: 'literal' }],
      idempotent: true,
      transactionalIds: ['svc-tx'],
    });
  });

  test('a producer without IdempotentWrite is idempotent: false; a prefixed one keeps its pattern', () => {
    const app = appFor(
      'svc',
      [
        b('User:svc', 'topic', 'ord', 'Write', { patternType: 'prefixed' }),
        b('User:svc', 'topic', 'ord', 'Describe', { patternType: 'prefixed' }),
      ],
      topics,
    );
    expect(app).toMatchObject({ produces: [{ topic: 'ord', pattern: 'prefixed' }], idempotent: false });
  });

  test('two topics and one group pair up; the expansion is the same set', () => {
    const app = appFor(
      'svc',
      [
        b('User:svc', 'topic', 'orders', 'Read'),
        b('User:svc', 'topic', 'orders', 'Describe'),
        b('User:svc', 'topic', 'payments', 'Read'),
        b('User:svc', 'topic', 'payments', 'Describe'),
        b('User:svc', 'group', 'g', 'Read'),
      ],
      topics,
    );
    expect(app?.consumes.map((c) => [c.topic, c.group])).toEqual([
      ['orders', 'g'],
      ['payments', 'g'],
    ]);
  });

  test.each([
    ['Describe alone', [b('User:svc', 'topic', 'orders', 'Describe')]],
    ['Write without Describe', [b('User:svc', 'topic', 'orders', 'Write')]],
    ['a deny', [b('User:svc', 'topic', 'orders', 'Read', { permission: 'deny' })]],
    [
      'a host',
      [
        b('User:svc', 'topic', 'orders', 'Write', { host: '10.0.0.1' }),
        b('User:svc', 'topic', 'orders', 'Describe', { host: '10.0.0.1' }),
      ],
    ],
    [
      'a consumer without a group',
      [b('User:svc', 'topic', 'orders', 'Read'), b('User:svc', 'topic', 'orders', 'Describe')],
    ],
    ['a group without a topic', [b('User:svc', 'group', 'g', 'Read')]],
    ['IdempotentWrite alone', [b('User:svc', 'cluster', 'kafka-cluster', 'IdempotentWrite')]],
    [
      'a topic not imported',
      [b('User:svc', 'topic', 'elsewhere', 'Write'), b('User:svc', 'topic', 'elsewhere', 'Describe')],
    ],
    ['All', [b('User:svc', 'topic', 'orders', 'All')]],
    [
      'a prefixed group',
      [
        b('User:svc', 'topic', 'orders', 'Read'),
        b('User:svc', 'topic', 'orders', 'Describe'),
        b('User:svc', 'group', 'g', 'Read', { patternType: 'prefixed' }),
      ],
    ],
  ])('%s is no app', (_, bindings) => {
    expect(appFor('svc', bindings, topics)).toBeNull();
  });
});

describe('importManifests', () => {
  const live: LiveState = {
    topics: [
      {
        name: 'orders',
        partitions: 3,
        replicationFactor: 2,
        config: { 'retention.ms': '9223372036854775807', 'cleanup.policy': 'compact,delete' },
      },
      {
        name: 'payments',
        partitions: 1,
        replicationFactor: 1,
        config: { 'min.cleanable.dirty.ratio': '0.5', preallocate: 'true' },
      },
      { name: '__consumer_offsets', partitions: 50, replicationFactor: 2, config: {} },
      { name: 'other-team', partitions: 1, replicationFactor: 1, config: {} },
    ],
    users: [
      { name: 'admin', mechanisms: ['SCRAM-SHA-512'] },
      { name: 'svc-user', mechanisms: ['SCRAM-SHA-256', 'SCRAM-SHA-512'] },
      { name: 'old', mechanisms: ['SCRAM-SHA-256'] },
    ],
    acls: [
      b('User:svc-user', 'topic', 'orders', 'Write'),
      b('User:svc-user', 'topic', 'orders', 'Describe'),
      b('User:svc-user', 'cluster', 'kafka-cluster', 'IdempotentWrite'),
      b('User:old', 'topic', 'payments', 'Read', { permission: 'deny', host: '10.0.0.9' }),
      b('User:old', 'topic', 'other-team', 'Describe'),
      b('User:CN=legacy', 'topic', 'pay', 'All', { patternType: 'prefixed' }),
      b('User:*', 'topic', 'payments', 'Describe'),
    ],
  };
  const input = {
    live,
    selection: { topics: ['orders', 'payments', '__*'], principals: ['*'] },
    source: { cluster: 'b-1:9098', clusterId: 'abc', at: new Date('2026-12-02T05:00:00.123Z') },
    passwordFor: (user: string) => ({ env: `${user.toUpperCase()}_PW` }),
    self: 'admin',
  };

  test('what is written loads, and expands to exactly what was read', () => {
    const result = importManifests(input);
    expect(verifyImport(result.files, result.imported)).toEqual([]);
    const state = buildDesiredState(result.files).state!;
    expect(state.acls.map(aclKey).sort()).toEqual(result.imported.acls.map(aclKey).sort());
    expect(state.topics.find((t) => t.name === 'orders')?.config['retention.ms']).toBe('9223372036854775807');
    expect(result.skippedInternal).toEqual(['__consumer_offsets']);
    expect(result.apps).toEqual(['svc']);
    expect(result.selfSkipped).toBe('admin');
  });

  test('settings scope lists exactly what was imported; the connecting user is protected', () => {
    const { files } = importManifests(input);
    const settings = buildDesiredState(files).state!.settings;
    expect(settings.scope).toEqual({
      topics: ['orders', 'payments'],
      principals: ['User:*', 'User:CN=legacy', 'User:old', 'User:svc-user'],
      users: ['old', 'svc-user'],
      clientIds: [],
    });
    expect(settings.protected.users).toEqual(['admin']);
    expect(settings.deletions).toMatchObject({ topics: false, acls: false, users: false });
  });

  test('files say where they came from and when; users carry a reference, never a password', () => {
    const { files } = importManifests(input);
    for (const file of files)
      expect(file.text.split('\n')[0]).toBe(
        '# Imported by `msk-gitops import` from cluster abc at b-1:9098 on 2026-12-02T05:00:00Z.',
      );
    const users = files.find((f) => f.path === 'users.yaml')!.text;
    expect(users).toContain('password: {env: SVC-USER_PW}');
    expect(users).toContain('mechanism: SCRAM-SHA-512');
    const acls = files.find((f) => f.path === 'acls.yaml')!.text;
    // A topic not imported and a principal without a SCRAM user are someone else's.
    expect(acls).toContain('external: true');
  });

  test('the filters pick topics by name and ACLs and users by principal (a bare glob means User:)', () => {
    const result = importManifests({ ...input, selection: { topics: ['pay*'], principals: ['svc-*'] } });
    expect(result.imported.topics.map((t) => t.name)).toEqual(['payments']);
    expect(result.imported.principals).toEqual(['User:svc-user']);
    // svc-user's topic was not imported, so it cannot be an app (an app's topics must be declared).
    expect(result.apps).toEqual([]);
    expect(verifyImport(result.files, result.imported)).toEqual([]);
  });

  test('client quotas become quotas.yaml; their principals and client ids join the scope; --client-ids picks', () => {
    const quotas = [
      { user: 'svc-user', values: { consumer_byte_rate: 2048, producer_byte_rate: 1024 } },
      { clientId: 'etl', values: { request_percentage: 12.5 } },
      { user: '<default>', clientId: 'etl', values: { controller_mutation_rate: 5 } },
      { clientId: 'other', values: { producer_byte_rate: 1 } },
    ];
    const result = importManifests({
      ...input,
      live: { ...live, quotas },
      selection: { ...input.selection, clientIds: ['etl'] },
    });
    expect(verifyImport(result.files, result.imported)).toEqual([]);
    expect(result.files.find((f) => f.path === 'quotas.yaml')!.text).toContain(
      ['  - user: svc-user', '    producer_byte_rate: 1024', '    consumer_byte_rate: 2048'].join('\n'),
    );
    const state = buildDesiredState(result.files).state!;
    expect(state.quotas!.map(({ origin: _origin, ...quota }) => quota)).toEqual([
      { clientId: 'etl', values: { request_percentage: 12.5 } },
      { user: '<default>', clientId: 'etl', values: { controller_mutation_rate: 5 } },
      { user: 'svc-user', values: { producer_byte_rate: 1024, consumer_byte_rate: 2048 } },
    ]);
    expect(state.settings.scope.clientIds).toEqual(['etl']);
    expect(state.settings.scope.principals).toContain('User:<default>');

    const tampered = { ...result.imported, quotas: [...result.imported.quotas, quotas[3]] };
    expect(verifyImport(result.files, tampered)).toEqual([
      'quota client-id=other {"producer_byte_rate":1}: read, not written',
    ]);
  });

  test('a mismatch is reported, not written', () => {
    const result = importManifests(input);
    const tampered = { ...result.imported, acls: [...result.imported.acls, b('User:old', 'group', 'g', 'Read')] };
    expect(verifyImport(result.files, tampered)).toEqual([
      'ACL binding User:old|*|group|literal|g|Read|allow: read, not written',
    ]);
  });
});
