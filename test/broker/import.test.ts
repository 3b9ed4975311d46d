/**
 * The import contract on the real broker. A cluster is built by hand with Kafka's own tools, as the seed article
 * does (TopicCommand, ConfigCommand for SCRAM users, AclCommand): the seed's topics, users and ACLs under a prefix of
 * this suite, and beside them what no app shorthand expresses (a prefixed grant, a deny, a host, a transactional
 * producer, a SCRAM-SHA-256 user, a topic that overrides nothing). Then:
 * - `import` writes manifests on which `plan` shows no changes;
 * - `import` of the seed's part gives manifests whose expansion equals desired-state/'s, binding for binding;
 * - a non-empty folder is refused unless --force; a read that fails on one kind of resource writes nothing.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { main } from '../../reconciler/cli';
import { KafkaScramAdmin, scramUpsertion } from '../../reconciler/users/kafka-scram';
import { aclKey } from '../../reconciler/model/keys';
import { loadDesiredState } from '../../reconciler/model/load';
import type { AclEntry, DesiredState } from '../../reconciler/model/schema';
import { reconcileOnce } from '../../reconciler/reconcile';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { inParallel, kafkaTools, runKafkaTool, type KafkaTools } from '../support/kafka-tools';
import { removeQuotas } from '../support/quotas';

const P = uniquePrefix('imp');
const Q = uniquePrefix('impx');
const PASSWORD = 'import-test-password';
const work = mkdtempSync(path.join(tmpdir(), 'msk-gitops-import-'));
let tools: KafkaTools;
let seed: DesiredState;

/** desired-state/ with every name of the seed under this suite's prefix (the seed suite owns the real names). */
function renamed(state: DesiredState): DesiredState {
  const acl = (entry: AclEntry): AclEntry => ({
    ...entry,
    principal: entry.principal.replace(/^User:/, `User:${P}`),
    resourceName: entry.resourceType === 'cluster' ? entry.resourceName : `${P}${entry.resourceName}`,
  });
  return {
    ...state,
    topics: state.topics.map((topic) => ({ ...topic, name: `${P}${topic.name}` })),
    users: state.users.map((user) => ({ ...user, name: `${P}${user.name}` })),
    acls: state.acls.map(acl),
  };
}

/** One AclCommand per principal, permission, host, pattern and set of operations, with all its resources. */
function aclCommands(bindings: Array<Omit<AclEntry, 'origin'>>): string[][] {
  const groups = new Map<string, Array<Omit<AclEntry, 'origin'>>>();
  const byResource = new Map<string, Set<string>>();
  for (const b of bindings) {
    const resource = `${b.principal}|${b.permission}|${b.host}|${b.patternType}|${b.resourceType}|${b.resourceName}`;
    byResource.set(resource, (byResource.get(resource) ?? new Set()).add(b.operation));
  }
  for (const [resource, operations] of byResource) {
    const [principal, permission, host, patternType, resourceType, resourceName] = resource.split('|');
    const key = [principal, permission, host, patternType, [...operations].sort().join(',')].join('|');
    const list = groups.get(key) ?? [];
    list.push({
      principal,
      permission: permission as AclEntry['permission'],
      host,
      patternType: patternType as AclEntry['patternType'],
      resourceType: resourceType as AclEntry['resourceType'],
      resourceName,
      operation: [...operations][0] as AclEntry['operation'],
    });
    groups.set(key, list);
  }
  return [...groups.entries()].map(([key, list]) => {
    const [principal, permission, host, patternType, operations] = key.split('|');
    const resources = list.flatMap((b) =>
      b.resourceType === 'cluster'
        ? ['--cluster']
        : b.resourceType === 'transactionalId'
          ? ['--transactional-id', b.resourceName]
          : [`--${b.resourceType}`, b.resourceName],
    );
    return [
      '--add',
      `--${permission}-principal`,
      principal,
      ...(host === '*' ? [] : [`--${permission}-host`, host]),
      ...operations.split(',').flatMap((operation) => ['--operation', operation]),
      '--resource-pattern-type',
      patternType,
      ...resources,
    ];
  });
}

const binding = (
  principal: string,
  resourceType: AclEntry['resourceType'],
  resourceName: string,
  operation: AclEntry['operation'],
  extra: Partial<Omit<AclEntry, 'origin'>> = {},
): Omit<AclEntry, 'origin'> => ({
  principal,
  host: '*',
  resourceType,
  resourceName,
  patternType: 'literal',
  operation,
  permission: 'allow',
  ...extra,
});

/** What no app shorthand expresses, and a user that is one; names under Q. */
const EXTRA_TOPICS = [
  {
    name: `${Q}orders`,
    partitions: 3,
    replicationFactor: 1,
    config: { 'retention.ms': '86400000', 'max.message.bytes': '2097152' },
  },
  { name: `${Q}plain`, partitions: 1, replicationFactor: 2, config: {} },
];
const EXTRA_USERS = [
  { name: `${Q}alice`, mechanism: 'SCRAM-SHA-256' },
  { name: `${Q}bob`, mechanism: 'SCRAM-SHA-512' },
];
const EXTRA_ACLS = [
  binding(`User:${Q}alice`, 'topic', `${Q}orders`, 'Read', { patternType: 'prefixed' }),
  binding(`User:${Q}alice`, 'topic', `${Q}orders`, 'Describe', { patternType: 'prefixed' }),
  binding(`User:${Q}alice`, 'topic', `${Q}orders-eu`, 'Read', { permission: 'deny' }),
  binding(`User:${Q}alice`, 'group', `${Q}alice-`, 'Read', { patternType: 'prefixed' }),
  binding(`User:${Q}alice`, 'topic', `${Q}plain`, 'Describe', { host: '10.1.2.3' }),
  // bob is a transactional producer: an app.
  binding(`User:${Q}bob`, 'topic', `${Q}orders`, 'Write'),
  binding(`User:${Q}bob`, 'topic', `${Q}orders`, 'Describe'),
  binding(`User:${Q}bob`, 'transactionalId', `${Q}bob-tx`, 'Write'),
  binding(`User:${Q}bob`, 'transactionalId', `${Q}bob-tx`, 'Describe'),
  // carol has no SCRAM user here (an IAM role, a TLS name): explicit and external.
  binding(`User:${Q}carol`, 'topic', `${Q}plain`, 'Read'),
];

/**
 * The reader's credential, written until the reader can log in: Kafka 3.9's ScramDelta drops users added in the same
 * metadata batch as another suite's user deletion (see docs/kafka-versions.md), so one upsert is not always enough.
 */
async function readerCanLogIn(name: string): Promise<void> {
  const scram = new KafkaScramAdmin(await testKafka());
  try {
    for (let attempt = 1; ; attempt += 1) {
      await scram.alter([], [scramUpsertion(name, PASSWORD, 'SCRAM-SHA-512', 8192)]);
      const client = new Kafka({
        brokers: testProfile().bootstrapServers,
        sasl: { mechanism: 'scram-sha-512', username: name, password: PASSWORD },
        logLevel: logLevel.NOTHING,
        retry: { retries: 0 },
      }).admin();
      try {
        await setTimeout(500);
        await client.connect();
        await client.describeCluster();
        return;
      } catch (error) {
        if (attempt >= 5) throw error;
      } finally {
        await client.disconnect().catch(() => undefined);
      }
    }
  } finally {
    await scram.disconnect();
  }
}

async function run(argv: string[], env: NodeJS.ProcessEnv = process.env) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await main(argv, { stdout, stderr, env, cwd: work });
  return { code, out, err };
}

const dirOf = (name: string) => path.join(work, name);

function expansion(state: DesiredState) {
  return {
    topics: state.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      rf: t.replicationFactor,
      config: t.config,
    })),
    users: state.users.map((u) => ({ name: u.name, mechanism: u.mechanism })),
    acls: state.acls.map(aclKey).sort(),
  };
}

async function loaded(dir: string): Promise<DesiredState> {
  const result = await loadDesiredState(dir);
  expect(result.diagnostics).toEqual([]);
  return result.state!;
}

beforeAll(async () => {
  tools = kafkaTools();
  seed = renamed(await loaded(path.resolve(__dirname, '../../desired-state')));
  const topics = [
    ...seed.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions,
      replicationFactor: t.replicationFactor,
      config: t.config,
    })),
    ...EXTRA_TOPICS,
  ];
  const users = [...seed.users.map((u) => ({ name: u.name, mechanism: u.mechanism as string })), ...EXTRA_USERS];
  await inParallel([
    ...topics.map(
      (topic) => () =>
        runKafkaTool(tools, 'topics', [
          '--create',
          '--topic',
          topic.name,
          '--partitions',
          String(topic.partitions),
          '--replication-factor',
          String(topic.replicationFactor),
          ...Object.entries(topic.config).flatMap(([key, value]) => ['--config', `${key}=${value}`]),
        ]),
    ),
    ...users.map(
      (user) => () =>
        runKafkaTool(tools, 'configs', [
          '--alter',
          '--entity-type',
          'users',
          '--entity-name',
          user.name,
          '--add-config',
          `${user.mechanism}=[iterations=8192,password=${PASSWORD}]`,
        ]),
    ),
    ...aclCommands([...seed.acls, ...EXTRA_ACLS]).map((args) => () => runKafkaTool(tools, 'acls', args)),
    // Client quotas as kafka-configs.sh sets them: for a user, for a client id, for both.
    ...[
      ['--entity-type', 'users', '--entity-name', `${Q}alice`, '--add-config', 'producer_byte_rate=1048576'],
      ['--entity-type', 'clients', '--entity-name', `${Q}etl`, '--add-config', 'request_percentage=50'],
      [
        ...[
          '--entity-type',
          'users',
          '--entity-name',
          `${Q}bob`,
          '--entity-type',
          'clients',
          '--entity-name',
          `${Q}etl`,
        ],
        ...['--add-config', 'consumer_byte_rate=2097152,producer_byte_rate=524288'],
      ],
    ].map((args) => () => runKafkaTool(tools, 'configs', ['--alter', ...args])),
    // A reader that may see topics and their configs, not the ACLs nor the users (no Describe on the cluster).
    () =>
      runKafkaTool(tools, 'acls', [
        '--add',
        '--allow-principal',
        `User:${Q}reader`,
        '--operation',
        'Describe',
        '--operation',
        'DescribeConfigs',
        '--resource-pattern-type',
        'prefixed',
        '--topic',
        Q,
      ]),
  ]);
}, 900_000);

afterAll(async () => {
  await removeQuotas(await testKafka(), Q);
  rmSync(work, { recursive: true, force: true });
});

test('import, then plan shows no changes', async () => {
  const result = await run([
    ...['import', '--out', 'all', '--topics', `${P}*,${Q}*`, '--principals', `${P}*,${Q}*`],
    ...['--client-ids', `${Q}*`],
  ]);
  expect(result.err).toBe('');
  expect(result.code).toBe(0);
  expect(result.out).toContain('5 apps');
  const files = readdirSync(dirOf('all'), { recursive: true }).map(String).sort();
  expect(files).toEqual(
    expect.arrayContaining([
      ...['settings.yaml', 'topics.yaml', 'users.yaml', 'acls.yaml', 'quotas.yaml', `apps/${Q}bob.yaml`],
    ]),
  );
  // The three quotas kafka-configs set, by entity, with their values as read.
  const quotas = readFileSync(path.join(dirOf('all'), 'quotas.yaml'), 'utf8');
  for (const text of [`${Q}alice`, `${Q}etl`, 'producer_byte_rate: 1048576', 'request_percentage: 50']) {
    expect(quotas).toContain(text);
  }
  expect(quotas).toContain('consumer_byte_rate: 2097152');
  // bob's bindings are a transactional producer's: an app; alice's and carol's are explicit.
  expect(readFileSync(path.join(dirOf('all'), `apps/${Q}bob.yaml`), 'utf8')).toContain('transactionalIds:');
  const acls = readFileSync(path.join(dirOf('all'), 'acls.yaml'), 'utf8');
  expect(acls).toContain(`principal: User:${Q}carol`);
  expect(acls).toContain('external: true');
  expect(acls).toContain('permission: deny');
  expect(acls).toContain('host: 10.1.2.3');
  // Only what the topic sets: no broker default (segment.bytes, …) is written.
  const topics = readFileSync(path.join(dirOf('all'), 'topics.yaml'), 'utf8');
  expect(topics).toMatch(/Imported by `msk-gitops import` from cluster \S+ at \S+ on \d{4}-\d\d-\d\dT/);
  expect(topics).not.toContain('segment.bytes');
  expect(readFileSync(path.join(dirOf('all'), 'users.yaml'), 'utf8')).not.toContain(PASSWORD);

  const plan = await reconcileOnce({ dir: dirOf('all'), profile: testProfile(), apply: false });
  expect(plan.error).toBeNull();
  expect(plan.plan?.changes).toEqual([]);
  expect(plan.status).toBe('in-sync');
});

test("import of the seed's cluster expands to desired-state/'s topics, users and ACL bindings", async () => {
  const result = await run(['import', '--out', 'seed', '--topics', `${P}*`, '--principals', `${P}*`]);
  expect(result.code).toBe(0);
  const imported = await loaded(dirOf('seed'));
  expect(expansion(imported)).toEqual(expansion(seed));
  // The seed's own layout: one app per service.
  expect(readdirSync(path.join(dirOf('seed'), 'apps')).sort()).toEqual(
    ['central', 'lms', 'pos', 'ticketing'].map((app) => `${P}${app}.yaml`),
  );
});

test('a non-empty folder is refused unless --force, which replaces its manifests', async () => {
  const dir = dirOf('busy');
  mkdirSync(dir);
  writeFileSync(path.join(dir, 'old.yaml'), 'topics: {}\n');
  const refused = await run(['import', '--out', 'busy', '--topics', `${Q}*`, '--principals', `${Q}*`]);
  expect(refused.code).toBe(1);
  expect(refused.err).toContain('busy is not empty (old.yaml)');
  expect(readdirSync(dir)).toEqual(['old.yaml']);

  const forced = await run([
    ...['import', '--out', 'busy', '--force', '--topics', `${Q}*`, '--principals', `${Q}*`],
    // Only this suite's client ids: other suites' client quotas on the shared broker come and go meanwhile.
    ...['--client-ids', `${Q}*`],
  ]);
  expect(forced.code).toBe(0);
  expect(readdirSync(dir).sort()).not.toContain('old.yaml');
  const plan = await reconcileOnce({ dir, profile: testProfile(), apply: false });
  expect(plan.plan?.changes).toEqual([]);
});

test('a read that fails on one kind of resource (ACLs: no Describe on the cluster) writes nothing', async () => {
  const reader = `${Q}reader`;
  await readerCanLogIn(reader);
  const env = { ...process.env, KAFKA_SASL_USERNAME: reader, KAFKA_SASL_PASSWORD: PASSWORD };
  const result = await run(['import', '--out', 'partial', '--topics', `${Q}*`, '--principals', `${Q}*`], env);
  expect(result.code).toBe(1);
  expect(result.err).toMatch(/reading the cluster failed, nothing was written: .*(authoriz|AUTHORIZ)/);
  expect(existsSync(dirOf('partial'))).toBe(false);
  expect(readdirSync(work).filter((name) => name.startsWith('partial'))).toEqual([]);
});
