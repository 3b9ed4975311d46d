/**
 * Converge against the real broker, with names of this suite's own prefix and a scope that covers only them:
 * out-of-band drift is found and corrected, deletions need opt-in, partitions grow but never shrink, a plan that
 * deletes too much is refused whole, and a no-op reconcile costs the same number of requests whatever the size.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ConfigResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type Kafka,
} from 'kafkajs';
import { stringify } from 'yaml';
import { main } from '../../reconciler/cli';
import { ANY_ACL_FILTER } from '../../reconciler/observe/acl-codec';
import { reconcileOnce, type ReconcileOutcome, type ReconcileRequest } from '../../reconciler/reconcile';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { removeQuotas } from '../support/quotas';

const P = uniquePrefix('conv');
const dir = mkdtempSync(join(tmpdir(), 'msk-gitops-converge-'));
let kafka: Kafka;
const CONNECTION_APIS = ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate'];
const MAX_METADATA_REQUESTS = 6;
let admin: Admin;

interface Shape {
  topics: Record<string, { partitions: number; replicationFactor: number; config?: Record<string, string | number> }>;
  deletions?: { topics?: boolean; acls?: boolean; maxPerApply?: number };
  quotas?: Array<Record<string, string | number>>;
}

const baseTopics = (): Shape['topics'] => ({
  [`${P}a`]: { partitions: 2, replicationFactor: 2, config: { 'retention.ms': 86400000 } },
  [`${P}b`]: { partitions: 1, replicationFactor: 1 },
});

function write({ topics, deletions = {}, quotas }: Shape): void {
  const settings = {
    scope: { topics: [`${P}*`], principals: [`User:${P}*`], users: [`${P}*`] },
    deletions: { topics: false, acls: true, users: false, maxPerApply: 10, ...deletions },
  };
  const acls = [
    {
      principal: `User:${P}app`,
      resource: { type: 'topic', name: `${P}a` },
      operations: ['Read', 'Describe'],
      external: true,
    },
    { principal: `User:${P}app`, resource: { type: 'group', name: `${P}group` }, operations: ['Read'], external: true },
  ];
  writeFileSync(join(dir, 'settings.yaml'), stringify(settings));
  writeFileSync(join(dir, 'main.yaml'), stringify({ topics, acls, ...(quotas ? { quotas } : {}) }));
}

function reconcile(fields: Partial<ReconcileRequest> = {}): Promise<ReconcileOutcome> {
  return reconcileOnce({ dir, profile: testProfile(), apply: true, kafka, ...fields });
}

function ids(outcome: ReconcileOutcome): string[] {
  return (outcome.plan?.changes ?? []).map((change) => `${change.id} ${change.verdict.status}`);
}

async function liveTopics(): Promise<Map<string, number>> {
  const metadata = await admin.fetchTopicMetadata();
  return new Map(metadata.topics.filter((t) => t.name.startsWith(P)).map((t) => [t.name, t.partitions.length]));
}

beforeAll(async () => {
  kafka = await testKafka();
  admin = kafka.admin();
  await admin.connect();
});

afterAll(async () => {
  const topics = (await admin.listTopics()).filter((name) => name.startsWith(P));
  if (topics.length) await admin.deleteTopics({ topics });
  const acls = await admin.describeAcls(ANY_ACL_FILTER);
  const filters = acls.resources.flatMap((resource) =>
    resource.acls.filter((acl) => acl.principal.startsWith(`User:${P}`)).map((acl) => ({ ...resource, ...acl })),
  );
  if (filters.length) await admin.deleteAcls({ filters });
  await removeQuotas(kafka, P);
  await admin.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

test('converges from nothing; the second run is a no-op', async () => {
  write({ topics: baseTopics() });
  const first = await reconcile();
  expect(first.error).toBeNull();
  expect(first.status).toBe('converged');
  expect(first.results.every((result) => result.ok)).toBe(true);
  expect(ids(first)).toEqual([
    `topic:${P}a ok`,
    `topic:${P}b ok`,
    `acl:User:${P}app|*|group|literal|${P}group|Read|allow ok`,
    `acl:User:${P}app|*|topic|literal|${P}a|Describe|allow ok`,
    `acl:User:${P}app|*|topic|literal|${P}a|Read|allow ok`,
  ]);
  expect(first.remaining?.changes).toEqual([]);

  const second = await reconcile();
  expect(second.status).toBe('in-sync');
  expect(second.plan?.changes).toEqual([]);
  expect(second.results).toEqual([]);
});

test('out-of-band drift (an added ACL, an altered config) is detected, left alone in detect mode, then corrected', async () => {
  const other = (await testKafka()).admin();
  await other.connect();
  try {
    await other.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: `${P}b`,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: `User:${P}app`,
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
    await other.alterConfigs({
      validateOnly: false,
      resources: [
        {
          type: ConfigResourceTypes.TOPIC,
          name: `${P}a`,
          configEntries: [
            { name: 'retention.ms', value: '1000' },
            { name: 'segment.ms', value: '3600000' },
          ],
        },
      ],
    });
  } finally {
    await other.disconnect();
  }

  const drift = await reconcile({ apply: false });
  expect(drift.status).toBe('drift');
  expect(ids(drift)).toEqual([
    `topic-config:${P}a:retention.ms ok`,
    `acl:User:${P}app|*|topic|literal|${P}b|Write|allow ok`,
  ]);
  expect(drift.plan?.changes[0]).toMatchObject({ before: '1000', after: '86400000' });

  const detected = await reconcile({ modes: { acls: 'detect', topics: 'detect' } });
  expect(detected.status).toBe('drift');
  expect(detected.results).toEqual([]);

  const fixed = await reconcile();
  expect(fixed.status).toBe('converged');
  expect(fixed.results.map((result) => [result.change.id, result.ok])).toEqual([
    [`topic-config:${P}a:retention.ms`, true],
    [`acl:User:${P}app|*|topic|literal|${P}b|Write|allow`, true],
  ]);
  const configs = await admin.describeConfigs({
    resources: [{ type: ConfigResourceTypes.TOPIC, name: `${P}a` }],
    includeSynonyms: false,
  });
  const entries = Object.fromEntries(configs.resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  // The managed key is corrected; the override the manifests do not declare is kept (alterConfigs replaces all).
  expect(entries['retention.ms']).toBe('86400000');
  expect(entries['segment.ms']).toBe('3600000');
  expect((await reconcile({ apply: false })).status).toBe('in-sync');
});

test('partitions grow; a decrease is refused with its reason and nothing is applied', async () => {
  const grown = baseTopics();
  grown[`${P}a`].partitions = 3;
  write({ topics: grown });
  const growth = await reconcile();
  expect(growth.status).toBe('converged');
  expect(ids(growth)).toEqual([`partitions:${P}a ok`]);
  expect((await liveTopics()).get(`${P}a`)).toBe(3);

  grown[`${P}a`].partitions = 1;
  write({ topics: grown });
  const shrink = await reconcile();
  expect(shrink.status).toBe('drift');
  expect(shrink.results).toEqual([]);
  expect(shrink.plan?.changes[0].verdict).toEqual({
    status: 'refused',
    reason: 'partitions can only grow: 3 → 1 would need the topic to be recreated',
  });
  expect((await liveTopics()).get(`${P}a`)).toBe(3);
  grown[`${P}a`].partitions = 3;
  write({ topics: grown });
});

test('a replication-factor change is applied as a partition reassignment, both ways', async () => {
  const replicas = async (name: string): Promise<number[]> => {
    const metadata = await admin.fetchTopicMetadata({ topics: [name] });
    return metadata.topics[0].partitions.map((partition) => partition.replicas.length);
  };
  const topics = baseTopics();
  topics[`${P}a`].partitions = 3;
  topics[`${P}r`] = { partitions: 2, replicationFactor: 1 };
  write({ topics });
  expect((await reconcile()).status).toBe('converged');

  topics[`${P}r`].replicationFactor = 2;
  write({ topics });
  const grow = await reconcile();
  expect(grow.error).toBeNull();
  expect(grow.status).toBe('converged');
  expect(ids(grow)).toEqual([`replication:${P}r ok`]);
  expect(await replicas(`${P}r`)).toEqual([2, 2]);

  topics[`${P}r`].replicationFactor = 1;
  write({ topics });
  const shrink = await reconcile();
  expect(shrink.status).toBe('converged');
  expect(await replicas(`${P}r`)).toEqual([1, 1]);

  delete topics[`${P}r`];
  write({ topics, deletions: { topics: true } });
  expect((await reconcile()).status).toBe('converged');
});

test('a topic removed from the manifests is deleted only with deletions.topics, and never beyond maxPerApply', async () => {
  const topics = baseTopics();
  topics[`${P}a`].partitions = 3;
  delete topics[`${P}b`];
  write({ topics });
  const skipped = await reconcile();
  expect(skipped.status).toBe('drift');
  expect(skipped.plan?.changes).toEqual([
    expect.objectContaining({
      id: `topic:${P}b`,
      action: 'delete',
      verdict: { status: 'skipped', reason: 'deletions of topics are not enabled (settings.yaml deletions.topics)' },
    }),
  ]);
  expect((await liveTopics()).has(`${P}b`)).toBe(true);

  await admin.createTopics({
    topics: [`${P}x1`, `${P}x2`].map((topic) => ({ topic, numPartitions: 1, replicationFactor: 1 })),
  });
  write({ topics, deletions: { topics: true, maxPerApply: 2 } });
  const refused = await reconcile();
  expect(refused.status).toBe('refused');
  expect(refused.error?.message).toBe(
    'plan refused: the plan deletes 3 resources, more than settings.yaml deletions.maxPerApply (2)',
  );
  expect((await liveTopics()).size).toBe(4);

  write({ topics, deletions: { topics: true, maxPerApply: 3 } });
  const deleted = await reconcile();
  expect(deleted.error).toBeNull();
  expect(deleted.status).toBe('converged');
  expect([...(await liveTopics()).keys()]).toEqual([`${P}a`]);
});

test('a no-op reconcile sends the same number of Kafka requests whatever the number of topics, ACLs and quotas', async () => {
  const counted = async (): Promise<string[]> => {
    const seen: string[] = [];
    const counting = Object.create(kafka) as Kafka;
    counting.admin = (...args: Parameters<Kafka['admin']>) => {
      const instance = kafka.admin(...args);
      instance.on(instance.events.REQUEST, (event) => seen.push(event.payload.apiName));
      return instance;
    };
    const outcome = await reconcileOnce({
      dir,
      profile: testProfile(),
      apply: false,
      kafka: counting,
      modes: { users: 'suspend' },
    });
    expect(outcome.status).toBe('in-sync');
    // Opening a connection (ApiVersions, SASL) costs the same per broker; kafkajs may pick a different broker to
    // ask, so connections are not what this measures.
    return seen.filter((name) => !CONNECTION_APIS.includes(name)).sort();
  };
  const topics = baseTopics();
  topics[`${P}a`].partitions = 3;
  delete topics[`${P}b`];
  const quotas: Array<Record<string, string | number>> = [{ user: `${P}app`, producer_byte_rate: 1048576 }];
  write({ topics, deletions: { topics: true }, quotas });
  expect((await reconcile()).status).toBe('converged');
  const small = await counted();

  for (let i = 0; i < 8; i += 1) {
    topics[`${P}n${i}`] = { partitions: 1, replicationFactor: 1, config: { 'retention.ms': 3600000 } };
    quotas.push({ user: `${P}q${i}`, consumer_byte_rate: 1024 * (i + 1) });
  }
  write({ topics, deletions: { topics: true }, quotas });
  expect((await reconcile()).status).toBe('converged');
  const large = await counted();
  // kafkajs refreshes metadata before admin calls and merges refreshes that overlap, so the number of Metadata
  // requests varies by one or two between runs; it is bounded, not a function of the cluster's size.
  const withoutMetadata = (names: string[]) => names.filter((name) => name !== 'Metadata');
  expect(withoutMetadata(large)).toEqual(withoutMetadata(small));
  expect(large.length - withoutMetadata(large).length).toBeLessThanOrEqual(MAX_METADATA_REQUESTS);
  expect(small.length - withoutMetadata(small).length).toBeLessThanOrEqual(MAX_METADATA_REQUESTS);
  expect(large.filter((name) => name === 'DescribeConfigs')).toHaveLength(1);
  expect(large.filter((name) => name === 'DescribeAcls')).toHaveLength(1);
  expect(large.filter((name) => name === 'DescribeClientQuotas')).toHaveLength(1);
  // The suites below declare no quota: these would be theirs to report.
  await removeQuotas(kafka, P);
});

test('the CLI: plan --detailed-exitcode, json, drift, and apply refusing without a terminal', async () => {
  const topics = baseTopics();
  topics[`${P}a`].partitions = 4;
  delete topics[`${P}b`];
  for (let i = 0; i < 8; i += 1)
    topics[`${P}n${i}`] = { partitions: 1, replicationFactor: 1, config: { 'retention.ms': 3600000 } };
  write({ topics, deletions: { topics: true } });
  const run = async (argv: string[]) => {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let out = '';
    let err = '';
    stdout.on('data', (chunk) => (out += chunk));
    stderr.on('data', (chunk) => (err += chunk));
    const code = await main(argv, { stdout, stderr, env: process.env, cwd: process.cwd() });
    return { code, out, err };
  };
  const plan = await run(['plan', dir, '--detailed-exitcode']);
  expect(plan.code).toBe(2);
  expect(plan.out).toContain(`~ partitions ${P}a 3 → 4`);
  expect(plan.out).toContain('Plan: 0 to add, 1 to change, 0 to destroy, 0 refused.');
  expect(plan.out).not.toMatch(/\u001b\[/);

  const json = await run(['plan', dir, '--format', 'json']);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out).changes).toHaveLength(1);

  expect((await run(['drift', dir])).code).toBe(2);
  const apply = await run(['apply', dir]);
  expect(apply.code).toBe(1);
  expect(apply.err).toContain('pass --auto-approve');
  const approved = await run(['apply', dir, '--auto-approve']);
  expect(approved.code).toBe(0);
  expect(approved.out).toContain('Verification: No changes. The cluster matches the manifests.');
  const inSync = await run(['drift', dir]);
  expect([inSync.code, inSync.out]).toEqual([0, 'In sync: the cluster matches the manifests.\n']);

  writeFileSync(join(dir, 'broken.yaml'), 'topics:\n  bad:\n    partitions: 0\n    replicationFactor: 1\n');
  const invalid = await run(['plan', dir]);
  expect(invalid.code).toBe(1);
  expect(invalid.err).toMatch(/broken\.yaml:\d+:\d+: /);
  rmSync(join(dir, 'broken.yaml'));
});

test('a partial failure names the failed change and its step; the rest is applied', async () => {
  const topics = baseTopics();
  delete topics[`${P}b`];
  topics[`${P}a`].partitions = 4;
  for (let i = 0; i < 8; i += 1)
    topics[`${P}n${i}`] = { partitions: 1, replicationFactor: 1, config: { 'retention.ms': 3600000 } };
  topics[`${P}too-wide`] = { partitions: 1, replicationFactor: 3 }; // the local cluster has two brokers
  topics[`${P}fine`] = { partitions: 1, replicationFactor: 1 };
  write({ topics, deletions: { topics: true } });
  const outcome = await reconcile();
  expect(outcome.status).toBe('failed');
  expect(outcome.error?.step).toBe('apply');
  expect(outcome.error?.message).toMatch(new RegExp(`^topic:${P}too-wide: createTopics: .*replication.factor`, 'i'));
  expect(outcome.results.map((result) => [result.change.id, result.ok])).toEqual([
    [`topic:${P}fine`, true],
    [`topic:${P}too-wide`, false],
  ]);
  expect((await liveTopics()).has(`${P}fine`)).toBe(true);
  expect(outcome.remaining?.changes.map((change) => change.id)).toEqual([`topic:${P}too-wide`]);
});
