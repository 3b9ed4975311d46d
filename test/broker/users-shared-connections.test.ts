/**
 * The users store on a reconcile admin's own connections (adminWithScram): its KIP-554 requests travel through the
 * admin's cluster (so they show up among the admin's own request events), it opens no connection of its own, and
 * the admin's disconnect closes everything.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Kafka } from 'kafkajs';
import { SettingsSchema, type UserSpec } from '../../reconciler/model/schema';
import { planUsers } from '../../reconciler/plan/users';
import { adminWithScram } from '../../reconciler/users/kafka-scram';
import { createUserStore } from '../../reconciler/users/store';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';

const CONNECTION_APIS = ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate'];

describe("the users store on the admin's connections", () => {
  const prefix = uniquePrefix('ushare');
  const settings = SettingsSchema.parse({ scope: { users: [`${prefix}*`] }, deletions: { users: true } });
  const secretsDir = path.join(mkdtempSync(path.join(tmpdir(), 'ushare-')), 'secrets');
  const desired: UserSpec[] = [
    { name: `${prefix}a`, mechanism: 'SCRAM-SHA-512', password: { generate: true }, iterations: 4096 },
  ];
  let kafka: Kafka;

  beforeAll(async () => {
    kafka = await testKafka();
  });

  it('lists, creates and deletes users through the admin, with no connection of its own', async () => {
    const { admin, scram } = adminWithScram(kafka);
    expect(scram).toBeDefined();
    const requests: string[] = [];
    admin.on(admin.events.REQUEST, (event) => requests.push(event.payload.apiName));
    await admin.connect();
    try {
      const store = createUserStore(testProfile(), kafka, { generatedPasswordsDir: secretsDir, scram });
      const mine = async () => ((await store.list()) ?? []).filter((user) => user.name.startsWith(prefix));
      // A describe may reach the broker that has not applied the change's metadata record yet: ask again briefly.
      const settled = async (expected: unknown) => {
        let users = await mine();
        for (let i = 0; i < 50 && JSON.stringify(users) !== JSON.stringify(expected); i += 1) {
          await new Promise((resolve) => setTimeout(resolve, 100));
          users = await mine();
        }
        return users;
      };

      const setUp = requests.filter((api) => CONNECTION_APIS.includes(api)).length;
      expect(await mine()).toEqual([]);
      // Describe went through the admin's cluster, on the connection it already had: no set-up requests.
      expect(requests.filter((api) => api === 'DescribeUserScramCredentials')).toHaveLength(1);
      expect(requests.filter((api) => CONNECTION_APIS.includes(api))).toHaveLength(setUp);

      const created = await store.apply(planUsers(desired, [], settings), desired);
      expect(created.map((result) => [result.change.id, result.ok, result.error])).toEqual([
        [`user:${prefix}a`, true, undefined],
      ]);
      expect(requests).toContain('AlterUserScramCredentials');
      const one = [{ name: `${prefix}a`, mechanisms: ['SCRAM-SHA-512'] }];
      expect(await settled(one)).toEqual(one);

      const removed = await store.apply(planUsers([], await settled(one), settings), []);
      expect(removed.map((result) => [result.change.id, result.ok])).toEqual([[`user:${prefix}a`, true]]);
      expect(await settled([])).toEqual([]);
    } finally {
      await admin.disconnect();
    }
  });

  it('leaves a wrapped client (an admin not built by its factory) to a store that connects on its own', () => {
    const wrapped = Object.create(kafka) as Kafka;
    wrapped.admin = () => ({}) as ReturnType<Kafka['admin']>;
    expect(adminWithScram(wrapped).scram).toBeUndefined();
  });
});
