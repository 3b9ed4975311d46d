/**
 * `canI` against the real StandardAuthorizer: SCRAM users made by our users store, a set of ACLs (allow, deny,
 * prefixed, literal, wildcard name, wildcard principal, All, host-specific, groups), then for every principal ×
 * request the real broker's answer (authorization error or success) must be what `canI` predicts.
 */
import { AclResourceTypes, ConfigResourceTypes, Kafka, logLevel, type Admin } from 'kafkajs';
import { PassThrough } from 'node:stream';
import { canI } from '../../reconciler/authz/can-i';
import { main } from '../../reconciler/cli';
import {
  SettingsSchema,
  type AclEntry,
  type AclOperation,
  type ResourceType,
  type UserSpec,
} from '../../reconciler/model/schema';
import { ANY_ACL_FILTER, decodeAcl, encodeAcl } from '../../reconciler/observe/acl-codec';
import { planUsers } from '../../reconciler/plan/users';
import { createUserStore } from '../../reconciler/users/store';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';

const P = uniquePrefix('cani');
const PASSWORD = 'can-i-test-password';
const HOST = '127.0.0.1';
const user = (name: string) => `${P}${name}`;
const principal = (name: string) => `User:${user(name)}`;
const topic = (name: string) => `${P}${name}`;
const group = (name: string) => `${P}${name}`;

const acl = (
  who: string,
  permission: 'allow' | 'deny',
  operation: AclOperation,
  resourceType: ResourceType,
  resourceName: string,
  patternType: 'literal' | 'prefixed' = 'literal',
  host = '*',
): AclEntry => ({ principal: who, permission, operation, resourceType, resourceName, patternType, host });

const ACLS: AclEntry[] = [
  acl(principal('alice'), 'allow', 'Write', 'topic', topic('orders'), 'prefixed'),
  acl(principal('alice'), 'deny', 'Write', 'topic', topic('orders-eu')),
  acl(principal('alice'), 'allow', 'Read', 'topic', topic('payments')),
  acl(principal('alice'), 'deny', 'Read', 'topic', topic('payments'), 'literal', '10.9.9.9'),
  acl(principal('alice'), 'allow', 'Read', 'group', group('g-alice'), 'prefixed'),
  acl('User:*', 'allow', 'Describe', 'topic', topic('logs')),
  acl(principal('bob'), 'allow', 'All', 'topic', topic('payments')),
  acl(principal('bob'), 'allow', 'Read', 'group', group('g-'), 'prefixed'),
  acl(principal('bob'), 'deny', 'All', 'topic', topic('orders'), 'prefixed'),
  acl(principal('bob'), 'allow', 'Write', 'transactionalId', `${P}tx-`, 'prefixed'),
  acl(principal('carol'), 'allow', 'AlterConfigs', 'topic', topic('logs')),
  acl(principal('carol'), 'allow', 'Create', 'topic', topic('new-'), 'prefixed'),
  acl(principal('carol'), 'allow', 'Describe', 'topic', '*'),
  acl(principal('carol'), 'allow', 'Describe', 'group', group('g-alice')),
];

type Check = { operation: AclOperation; resourceType: ResourceType; resourceName: string };
interface Probe {
  label: string;
  /** Every check the request passes in the broker; canI must allow them all for the request to succeed. */
  needs: Check[][];
  /** Run only as this user (consumer probes, one group each). */
  only?: string;
  run(kafka: Kafka, sawAuthorizationFailure: () => boolean): Promise<void>;
}

const on = (operation: AclOperation, resourceType: ResourceType, resourceName: string): Check => ({
  operation,
  resourceType,
  resourceName,
});

async function withAdmin(kafka: Kafka, work: (admin: Admin) => Promise<void>): Promise<void> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  // connect inside the try: a connect that fails half-way still holds sockets that only disconnect closes
  try {
    await admin.connect();
    await work(admin);
  } finally {
    await admin.disconnect();
  }
}

const probes: Probe[] = [
  ...['orders', 'orders-eu', 'payments', 'logs'].map((t): Probe => ({
    label: `describe topic ${t}`,
    needs: [[on('Describe', 'topic', topic(t))]],
    run: (kafka) => withAdmin(kafka, async (admin) => void (await admin.fetchTopicMetadata({ topics: [topic(t)] }))),
  })),
  ...['orders', 'orders-eu', 'payments'].map((t): Probe => ({
    label: `produce to ${t}`,
    needs: [[on('Describe', 'topic', topic(t))], [on('Write', 'topic', topic(t))]],
    async run(kafka) {
      const producer = kafka.producer({ retry: { retries: 0 }, allowAutoTopicCreation: false });
      try {
        await producer.connect();
        await producer.send({ topic: topic(t), messages: [{ value: 'can-i' }], acks: -1 });
      } finally {
        await producer.disconnect();
      }
    },
  })),
  {
    label: 'describe configs of logs',
    needs: [[on('DescribeConfigs', 'topic', topic('logs'))]],
    run: (kafka) =>
      withAdmin(kafka, async (admin) => {
        const result = await admin.describeConfigs({
          resources: [{ type: ConfigResourceTypes.TOPIC, name: topic('logs') }],
          includeSynonyms: false,
        });
        const failed = result.resources.find((r) => r.errorCode !== 0);
        if (failed)
          throw Object.assign(new Error(failed.errorMessage ?? 'failed'), {
            type: failed.errorCode === 29 ? 'TOPIC_AUTHORIZATION_FAILED' : 'OTHER',
          });
      }),
  },
  {
    label: 'create topic new-x',
    needs: [[on('Create', 'cluster', 'kafka-cluster'), on('Create', 'topic', topic('new-x'))]],
    run: (kafka) =>
      withAdmin(kafka, async (admin) => {
        await admin.createTopics({
          topics: [{ topic: topic(`new-x`), numPartitions: 1, replicationFactor: 1 }],
          validateOnly: true,
          waitForLeaders: false,
        });
      }),
  },
  {
    label: 'create topic other',
    needs: [[on('Create', 'cluster', 'kafka-cluster'), on('Create', 'topic', topic('other'))]],
    run: (kafka) =>
      withAdmin(kafka, async (admin) => {
        await admin.createTopics({
          topics: [{ topic: topic('other'), numPartitions: 1, replicationFactor: 1 }],
          validateOnly: true,
          waitForLeaders: false,
        });
      }),
  },
  ...['g-alice', 'g-bob'].map((g): Probe => ({
    label: `describe group ${g}`,
    needs: [[on('Describe', 'group', group(g))]],
    run: (kafka) =>
      withAdmin(kafka, async (admin) => {
        await admin.describeCluster(); // fills the broker pool, which describeGroups needs but does not fill
        const { groups } = await admin.describeGroups([group(g)]);
        // kafkajs returns the per-group error code but its types leave it out
        const failed = (groups as unknown as { errorCode: number }[]).find((d) => d.errorCode !== 0);
        if (failed)
          throw Object.assign(new Error('describe group failed'), {
            type: failed.errorCode === 30 ? 'GROUP_AUTHORIZATION_FAILED' : 'OTHER',
          });
      }),
  })),
  {
    label: 'begin a transaction as tx-1',
    needs: [[on('Write', 'transactionalId', `${P}tx-1`)]],
    async run(kafka) {
      const producer = kafka.producer({
        transactionalId: `${P}tx-1`,
        idempotent: true,
        maxInFlightRequests: 1,
        retry: { retries: 1 }, // kafkajs refuses an idempotent producer without retries
      });
      try {
        // a denied transactional id fails connect itself (InitProducerId), after the brokers were connected
        await producer.connect();
        const transaction = await producer.transaction();
        await transaction.abort();
      } finally {
        await producer.disconnect();
      }
    },
  },
  // One group per consumer: consumers sharing a group would rebalance each other and blur the answer.
  ...(
    [
      ['alice', 'payments', 'g-alice-1'], // allowed: Read payments, Read on the g-alice prefix
      ['alice', 'payments', 'g-b-1'], // denied: no Read on the group
      ['alice', 'logs', 'g-alice-2'], // denied at Fetch: Describe logs (User:*) but no Read
      ['bob', 'payments', 'g-b-2'], // allowed: All on payments, Read on the g- prefix
      ['bob', 'logs', 'g-b-3'], // denied at Fetch
      ['carol', 'payments', 'g-c-1'], // denied: no Read on the group
    ] as const
  ).map(([who, t, g]): Probe => ({
    label: `consume ${t} in group ${g}`,
    only: who,
    needs: [[on('Read', 'group', group(g))], [on('Describe', 'topic', topic(t))], [on('Read', 'topic', topic(t))]],
    run: (kafka, denied) => consumeOne(kafka, topic(t), group(g), denied),
  })),
];

/** Resolves when one message arrives, rejects with the consumer's error when it crashes. */
async function consumeOne(kafka: Kafka, t: string, g: string, denied: () => boolean): Promise<void> {
  // Rebalances are retried as a real consumer would; an authorization failure ends the probe.
  const consumer = kafka.consumer({
    groupId: g,
    retry: { retries: 3, restartOnFailure: async (error) => !isAuthorizationError(error) && !denied() },
    allowAutoTopicCreation: false,
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic: t, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      let waited = 0;
      // kafkajs retries a denied fetch with backoff before it crashes; the broker's answer is already in: stop there.
      const timer = setInterval(() => {
        waited += 100;
        if (denied()) {
          clearInterval(timer);
          reject(new Error('not authorized (seen in the consumer log)'));
        } else if (waited >= 20000) {
          clearInterval(timer);
          reject(new Error(`no message and no error from ${t} within 20 s`));
        }
      }, 100);
      consumer.on(consumer.events.CRASH, (event) => {
        if (event.payload.restart) return;
        clearInterval(timer);
        reject(event.payload.error);
      });
      consumer
        .run({
          eachMessage: async () => {
            clearInterval(timer);
            resolve();
          },
        })
        .catch((error: unknown) => {
          clearInterval(timer);
          reject(error);
        });
    });
  } finally {
    await consumer.disconnect();
  }
}

/** True for Kafka's *_AUTHORIZATION_FAILED, however deep kafkajs wrapped it. Anything else is a real failure. */
function isAuthorizationError(error: unknown, depth = 0): boolean {
  if (!error || typeof error !== 'object' || depth > 5) return false;
  const e = error as { type?: string; cause?: unknown; originalError?: unknown; errors?: unknown[]; message?: string };
  if (typeof e.type === 'string' && e.type.endsWith('AUTHORIZATION_FAILED')) return true;
  if (e.message && /not authorized/i.test(e.message)) return true;
  return (
    isAuthorizationError(e.cause, depth + 1) ||
    isAuthorizationError(e.originalError, depth + 1) ||
    (Array.isArray(e.errors) && e.errors.some((inner) => isAuthorizationError(inner, depth + 1)))
  );
}

/**
 * kafkajs swallows some broker answers before they reach the caller (FindCoordinator's GROUP_AUTHORIZATION_FAILED
 * becomes "Failed to find group coordinator"), but logs them at debug level: the probe's client keeps those too.
 */
function probeClient(name: string): { kafka: Kafka; sawAuthorizationFailure: () => boolean } {
  let seen = false;
  const kafka = new Kafka({
    brokers: testProfile().bootstrapServers,
    clientId: `can-i-${name}`,
    sasl: { mechanism: 'scram-sha-512', username: user(name), password: PASSWORD },
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => {
      // kafkajs logs a broker's error as its message string
      const error = (entry.log as { error?: unknown }).error;
      if (isAuthorizationError(error) || (typeof error === 'string' && /not authorized/i.test(error))) seen = true;
    },
    retry: { retries: 0 },
  });
  return { kafka, sawAuthorizationFailure: () => seen };
}

/**
 * On a fresh cluster the group and transaction coordinators come up with their internal topics, on first use:
 * until then FindCoordinator answers "not available", which is neither an allow nor a deny. Ask again.
 */
const COORDINATOR_STARTING = /coordinator|COORDINATOR_NOT_AVAILABLE|COORDINATOR_LOAD_IN_PROGRESS/i;

async function brokerAllows(name: string, probe: Probe): Promise<boolean> {
  for (let attempt = 1; ; attempt += 1) {
    const { kafka, sawAuthorizationFailure } = probeClient(name);
    try {
      await probe.run(kafka, sawAuthorizationFailure);
      return true;
    } catch (error) {
      if (isAuthorizationError(error) || sawAuthorizationFailure()) return false;
      const message = (error as Error).message;
      if (attempt < 20 && COORDINATOR_STARTING.test(message)) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        continue;
      }
      throw new Error(`${name} ${probe.label}: not an authorization answer: ${message}`);
    }
  }
}

function predicted(acls: AclEntry[], who: string, probe: Probe): boolean {
  return probe.needs.every((alternatives) =>
    alternatives.some((check) => canI(acls, { principal: who, host: HOST, ...check }).allowed),
  );
}

describe('can-i agrees with the real broker', () => {
  const names = ['alice', 'bob', 'carol'];
  const desiredUsers: UserSpec[] = names.map((name) => ({
    name: user(name),
    mechanism: 'SCRAM-SHA-512',
    password: { env: 'CAN_I_TEST_PASSWORD' },
    iterations: 4096,
  }));
  const settings = SettingsSchema.parse({ scope: { users: [`${P}*`] }, deletions: { users: true } });
  let admin: Admin;
  let adminKafka: Kafka;

  beforeAll(async () => {
    adminKafka = await testKafka();
    admin = adminKafka.admin();
    await admin.connect();
    const store = createUserStore(testProfile(), adminKafka, { env: { CAN_I_TEST_PASSWORD: PASSWORD } });
    const created = await store.apply(planUsers(desiredUsers, [], settings), desiredUsers);
    expect(created.every((r) => r.ok)).toBe(true);
    await admin.createTopics({
      topics: ['orders', 'orders-eu', 'payments', 'logs'].map((t) => ({
        topic: topic(t),
        numPartitions: 1,
        replicationFactor: 2,
      })),
      waitForLeaders: true,
    });
    const producer = adminKafka.producer();
    await producer.connect();
    await producer.sendBatch({
      topicMessages: ['payments', 'logs'].map((t) => ({ topic: topic(t), messages: [{ value: 'seed' }] })),
    });
    await producer.disconnect();
    await admin.createAcls({ acl: ACLS.map(encodeAcl) });
    // ACLs and credentials reach every broker through the metadata log; give it a moment.
    await new Promise((resolve) => setTimeout(resolve, 1500));
  });

  afterAll(async () => {
    await admin.deleteAcls({ filters: ACLS.map(encodeAcl) }).catch(() => undefined);
    await admin.deleteTopics({ topics: ['orders', 'orders-eu', 'payments', 'logs'].map(topic) }).catch(() => undefined);
    await admin.deleteGroups(['g-alice-1', 'g-b-2'].map(group)).catch(() => undefined);
    const store = createUserStore(testProfile(), adminKafka, { env: {} });
    const live = (await store.list())?.filter((u) => u.name.startsWith(P)) ?? [];
    await store.apply(planUsers([], live, settings), []);
    await admin.disconnect();
  });

  it('reads back the same ACLs in one DescribeAcls (what --live uses)', async () => {
    const response = await admin.describeAcls(ANY_ACL_FILTER);
    const live = response.resources
      .flatMap((resource) => resource.acls.map((entry) => decodeAcl({ ...resource, ...entry })))
      .filter(
        (entry): entry is AclEntry =>
          entry !== null &&
          (entry.principal.startsWith(`User:${P}`) || entry.principal === 'User:*') &&
          (entry.resourceName.startsWith(P) || entry.resourceName === '*'),
      )
      .filter((entry) => entry.principal !== 'User:*' || entry.resourceName.startsWith(P));
    const key = (a: AclEntry) =>
      JSON.stringify([a.principal, a.host, a.resourceType, a.resourceName, a.patternType, a.operation, a.permission]);
    expect(live.map(key).sort()).toEqual(ACLS.map(key).sort());
    expect(AclResourceTypes.TOPIC).toBe(2);
  });

  it('answers from the live ACLs with msk-gitops can-i --live (connection from the environment)', async () => {
    const ask = async (...argv: string[]) => {
      const stdout = new PassThrough();
      const out: string[] = [];
      stdout.on('data', (chunk) => out.push(String(chunk)));
      const code = await main(['can-i', ...argv, '--live'], {
        stdout,
        stderr: new PassThrough(),
        env: process.env,
        cwd: process.cwd(),
      });
      return { code, out: out.join('') };
    };
    const denied = await ask(principal('alice'), 'Write', `topic:${topic('orders-eu')}`);
    expect(denied.code).toBe(3);
    expect(denied.out).toContain(`denied by deny ${principal('alice')} Write topic ${topic('orders-eu')}`);
    expect(denied.out).toMatch(/the cluster's \d+ live ACLs/);
    const allowed = await ask(principal('alice'), 'Write', `topic:${topic('orders-us')}`);
    expect(allowed.code).toBe(0);
    expect(allowed.out).toContain(`allowed by allow ${principal('alice')} Write topic ${topic('orders')}*`);
  });

  it('matches canI on every principal × request', async () => {
    const cells = names.flatMap((name) =>
      probes.filter((probe) => !probe.only || probe.only === name).map((probe) => ({ name, probe })),
    );
    const rows = await Promise.all(
      cells.map(async ({ name, probe }) => ({
        who: name,
        probe: probe.label,
        expected: predicted(ACLS, principal(name), probe),
        actual: await brokerAllows(name, probe),
      })),
    );
    const table = rows.map((r) => `${r.who.padEnd(6)} ${r.probe.padEnd(32)} canI=${r.expected} broker=${r.actual}`);
    expect(rows.filter((r) => r.expected !== r.actual).map((r) => `${r.who} ${r.probe}`)).toEqual([]);
    // the matrix really exercises both answers
    expect(rows.some((r) => r.actual) && rows.some((r) => !r.actual)).toBe(true);
    if (process.env.MSK_GITOPS_SHOW_MATRIX) console.log(table.join('\n'));
  });
});
