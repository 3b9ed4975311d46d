/**
 * SCRAM users on the real broker through the KIP-554 requests this project adds to kafkajs: create, read back,
 * authenticate as the new user (the real proof), delete, read back.
 */
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { SettingsSchema, type LiveUser, type UserSpec } from '../../reconciler/model/schema';
import { planUsers } from '../../reconciler/plan/users';
import { KafkaScramAdmin } from '../../reconciler/users/kafka-scram';
import { createUserStore } from '../../reconciler/users/store';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';

async function authenticates(username: string, password: string): Promise<boolean> {
  const kafka = new Kafka({
    brokers: testProfile().bootstrapServers,
    sasl: { mechanism: 'scram-sha-512', username, password },
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    await admin.describeCluster();
    return true;
  } catch (error) {
    if ((error as Error).name === 'KafkaJSSASLAuthenticationError') return false;
    throw error;
  } finally {
    await admin.disconnect();
  }
}

describe('SCRAM users on a self-managed Kafka', () => {
  const prefix = uniquePrefix('users');
  const settings = SettingsSchema.parse({ scope: { users: [`${prefix}*`] }, deletions: { users: true } });
  const secretsDir = path.join(mkdtempSync(path.join(tmpdir(), 'users-')), 'secrets');
  const env = { ...process.env, [`PW_${prefix.replace(/-/g, '_')}`]: 'env-password-123' };
  const envVar = `PW_${prefix.replace(/-/g, '_')}`;
  const desired: UserSpec[] = [
    { name: `${prefix}gen`, mechanism: 'SCRAM-SHA-512', password: { generate: true }, iterations: 8192 },
    { name: `${prefix}env`, mechanism: 'SCRAM-SHA-512', password: { env: envVar }, iterations: 4096 },
    { name: `${prefix}sha256`, mechanism: 'SCRAM-SHA-256', password: { generate: true }, iterations: 4096 },
  ];
  let kafka: Kafka;
  const mine = (users: LiveUser[] | null) => (users ?? []).filter((u) => u.name.startsWith(prefix));

  beforeAll(async () => {
    kafka = await testKafka();
  });

  it('creates users in one request, reads them back, and they can log in', async () => {
    const store = createUserStore(testProfile(), kafka, { generatedPasswordsDir: secretsDir, env });
    const changes = planUsers(desired, mine(await store.list()), settings);
    expect(changes.map((c) => `${c.action} ${c.id}`)).toEqual([
      `create user:${prefix}env`,
      `create user:${prefix}gen`,
      `create user:${prefix}sha256`,
    ]);
    const results = await store.apply(changes, desired);
    expect(results.map((r) => [r.change.resource, r.ok, r.error])).toEqual(
      expect.arrayContaining([
        [`${prefix}env`, true, undefined],
        [`${prefix}gen`, true, undefined],
        [`${prefix}sha256`, true, undefined],
      ]),
    );

    const live = mine(await store.list());
    expect(live).toEqual(
      expect.arrayContaining([
        { name: `${prefix}env`, mechanisms: ['SCRAM-SHA-512'] },
        { name: `${prefix}gen`, mechanisms: ['SCRAM-SHA-512'] },
        { name: `${prefix}sha256`, mechanisms: ['SCRAM-SHA-256'] },
      ]),
    );
    expect(planUsers(desired, live, settings)).toEqual([]);

    // the iterations asked for are the ones the broker stored
    const scram = new KafkaScramAdmin(kafka);
    try {
      const described = await scram.describe([`${prefix}gen`, `${prefix}env`]);
      expect(described.map((d) => [d.name, d.credentials])).toEqual(
        expect.arrayContaining([
          [`${prefix}gen`, [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }]],
          [`${prefix}env`, [{ mechanism: 'SCRAM-SHA-512', iterations: 4096 }]],
        ]),
      );
    } finally {
      await scram.disconnect();
    }

    const file = path.join(secretsDir, `${encodeURIComponent(`${prefix}gen`)}.password`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const generated = readFileSync(file, 'utf8').trim();
    expect(await authenticates(`${prefix}gen`, generated)).toBe(true);
    expect(await authenticates(`${prefix}env`, 'env-password-123')).toBe(true);
    expect(await authenticates(`${prefix}env`, 'wrong-password')).toBe(false);
  });

  it('reports a user whose password cannot be resolved, without a value, and applies the others', async () => {
    const store = createUserStore(testProfile(), kafka, { generatedPasswordsDir: secretsDir, env });
    const broken: UserSpec[] = [
      {
        name: `${prefix}nopw`,
        mechanism: 'SCRAM-SHA-512',
        password: { env: 'MSK_GITOPS_TEST_UNSET_VAR' },
        iterations: 4096,
      },
      { name: `${prefix}ok2`, mechanism: 'SCRAM-SHA-512', password: { env: envVar }, iterations: 4096 },
    ];
    const results = await store.apply(planUsers(broken, [], settings), broken);
    expect(results.map((r) => [r.change.resource, r.ok, r.error])).toEqual(
      expect.arrayContaining([
        [
          `${prefix}nopw`,
          false,
          `create user ${prefix}nopw: password of user ${prefix}nopw: environment variable MSK_GITOPS_TEST_UNSET_VAR is not set`,
        ],
        [`${prefix}ok2`, true, undefined],
      ]),
    );
    expect(JSON.stringify(results)).not.toContain('env-password-123');
  });

  it('deletes undeclared users in scope when deletions.users is on, and they can no longer log in', async () => {
    const store = createUserStore(testProfile(), kafka, { generatedPasswordsDir: secretsDir, env });
    const keep = desired.filter((u) => u.name === `${prefix}gen`);
    const changes = planUsers(keep, mine(await store.list()), settings);
    expect(changes.map((c) => `${c.action} ${c.id} ${c.verdict.status}`).sort()).toEqual([
      `delete user:${prefix}env ok`,
      `delete user:${prefix}ok2 ok`,
      `delete user:${prefix}sha256 ok`,
    ]);
    const results = await store.apply(changes, keep);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(mine(await store.list())).toEqual([{ name: `${prefix}gen`, mechanisms: ['SCRAM-SHA-512'] }]);
    expect(await authenticates(`${prefix}env`, 'env-password-123')).toBe(false);

    // leave the broker as we found it
    await store.apply(planUsers([], mine(await store.list()), settings), []);
    expect(mine(await store.list())).toEqual([]);
  });
});
