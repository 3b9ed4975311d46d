/**
 * The seed scenario, with the seed's real names (the only suite allowed to use them): desired-state/ converged from
 * a cluster without any of its topics, ACLs or users; a second run is a no-op; then the access really works as the
 * article describes: central-user writes lms-users-acls, lms-user reads it in lms-users-acls-group, and lms-user is
 * denied on pos-users-acls.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { SettingsSchema } from '../../reconciler/model/schema';
import { ANY_ACL_FILTER } from '../../reconciler/observe/acl-codec';
import { planUsers } from '../../reconciler/plan/users';
import { reconcileOnce } from '../../reconciler/reconcile';
import { localGeneratedPasswords } from '../../reconciler/users/passwords';
import { createUserStore } from '../../reconciler/users/store';
import { testKafka, testProfile } from '../support/kafka';

const SEED_DIR = resolve(__dirname, '../../desired-state');
const TOPICS = ['lms-users-acls', 'pos-users-acls', 'ticketing-users-acls'];
const USERS = ['central-user', 'lms-user', 'pos-user', 'ticketing-user'];
const secretsDir = mkdtempSync(join(tmpdir(), 'msk-gitops-seed-secrets-'));
let admin: Admin;

/** "From an empty cluster": a broker kept between local runs may still hold the seed from the last one. */
async function removeSeed(): Promise<void> {
  const kafka = await testKafka();
  const topics = (await admin.listTopics()).filter((name) => TOPICS.includes(name));
  if (topics.length) await admin.deleteTopics({ topics });
  const acls = await admin.describeAcls(ANY_ACL_FILTER);
  const filters = acls.resources.flatMap((resource) =>
    resource.acls
      .filter((acl) => USERS.some((user) => acl.principal === `User:${user}`))
      .map((acl) => ({ ...resource, ...acl })),
  );
  if (filters.length) await admin.deleteAcls({ filters });
  const store = createUserStore(testProfile(), kafka, { generatedPasswordsDir: secretsDir });
  // The planner's own deletions, with the seed's users in scope and deletions on.
  const settings = SettingsSchema.parse({ scope: { users: USERS }, deletions: { users: true } });
  const deletions = planUsers([], await store.list(), settings);
  if (deletions.length) await store.apply(deletions, []);
}

function clientAs(user: string, password: string): Kafka {
  return new Kafka({
    clientId: `seed-${user}`,
    brokers: testProfile().bootstrapServers,
    sasl: { mechanism: 'scram-sha-512', username: user, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 2, initialRetryTime: 100 },
  });
}

const passwordOf = (user: string): Promise<string> => localGeneratedPasswords(secretsDir).getOrCreate(user);

beforeAll(async () => {
  process.env.MSK_GITOPS_SECRETS_DIR = secretsDir;
  admin = (await testKafka()).admin();
  await admin.connect();
  await removeSeed();
});

// The seed users' passwords live in this suite's temporary folder: leave none of them behind, or a later `npm start`
// on this cluster would find the users present and have no password for them.
afterAll(async () => {
  await removeSeed();
  await admin.disconnect();
  rmSync(secretsDir, { recursive: true, force: true });
});

test('desired-state/ converges from an empty cluster, and a second run is a no-op', async () => {
  const first = await reconcileOnce({ dir: SEED_DIR, profile: testProfile(), apply: true });
  expect(first.error).toBeNull();
  expect(first.status).toBe('converged');
  const count = (kind: string) => first.plan?.changes.filter((change) => change.kind === kind).length;
  expect([count('topic'), count('acl'), count('user')]).toEqual([3, 16, 4]);
  expect(first.results.every((result) => result.ok)).toBe(true);
  expect(JSON.stringify(first)).not.toContain(await passwordOf('central-user'));

  const second = await reconcileOnce({ dir: SEED_DIR, profile: testProfile(), apply: true });
  expect(second.status).toBe('in-sync');
  expect(second.plan?.changes).toEqual([]);
  expect(second.results).toEqual([]);
});

test('the access works: central-user writes lms-users-acls, lms-user reads it in its group and is denied elsewhere', async () => {
  const payload = `access-change-${Date.now()}`;
  const producer = clientAs('central-user', await passwordOf('central-user')).producer({ idempotent: true });
  await producer.connect();
  try {
    await producer.send({ topic: 'lms-users-acls', acks: -1, messages: [{ key: 'u1', value: payload }] });
  } finally {
    await producer.disconnect();
  }

  const lms = clientAs('lms-user', await passwordOf('lms-user'));
  const consumer = lms.consumer({ groupId: 'lms-users-acls-group' });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: 'lms-users-acls', fromBeginning: true });
    const received = await new Promise<string>((done, fail) => {
      const timer = setTimeout(() => fail(new Error('lms-user read nothing from lms-users-acls in 20 s')), 20000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          if (message.value?.toString() === payload) {
            clearTimeout(timer);
            done(payload);
          }
        },
      });
    });
    expect(received).toBe(payload);
  } finally {
    await consumer.disconnect();
  }

  const denied = lms.consumer({ groupId: 'lms-users-acls-group' });
  await denied.connect();
  try {
    await expect(denied.subscribe({ topic: 'pos-users-acls', fromBeginning: true })).rejects.toMatchObject({
      type: 'TOPIC_AUTHORIZATION_FAILED',
    });
  } finally {
    await denied.disconnect();
  }
  const writer = lms.producer();
  await writer.connect();
  try {
    await expect(writer.send({ topic: 'lms-users-acls', messages: [{ value: 'not allowed' }] })).rejects.toThrow(
      /authoriz/i,
    );
  } finally {
    await writer.disconnect();
  }
});
