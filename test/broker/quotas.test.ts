/**
 * Client quotas on the real broker: declared in `quotas:`, applied with one AlterClientQuotas, read back by Kafka's
 * own ConfigCommand (`kafka-configs --describe --entity-type users/clients`), a second run is a no-op, a change by
 * hand is drift that the next apply heals, and a quota removed from the manifests is removed when deletions.quotas
 * is on.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { reconcileOnce } from '../../reconciler/reconcile';
import { testKafka, testProfile, uniquePrefix } from '../support/kafka';
import { kafkaTools, runKafkaTool, type KafkaTools } from '../support/kafka-tools';
import { removeQuotas } from '../support/quotas';

const P = uniquePrefix('quota');
const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-quotas-'));
let tools: KafkaTools;

function manifests(quotas: string): void {
  writeFileSync(
    path.join(dir, 'settings.yaml'),
    `scope:\n  topics: []\n  principals: ["User:${P}*"]\n  users: []\n  clientIds: ["${P}*"]\ndeletions:\n  quotas: true\n`,
  );
  writeFileSync(path.join(dir, 'quotas.yaml'), quotas);
}

const ALL = `quotas:
  - user: ${P}alice
    producer_byte_rate: 1048576
    consumer_byte_rate: 2097152
  - clientId: ${P}etl
    request_percentage: 25
  - user: ${P}alice
    clientId: ${P}etl
    controller_mutation_rate: 5
`;

const describe = (type: 'users' | 'clients', name: string) =>
  runKafkaTool(tools, 'configs', ['--describe', '--entity-type', type, '--entity-name', name]);

beforeAll(() => {
  tools = kafkaTools();
});

afterAll(async () => {
  await removeQuotas(await testKafka(), P);
  rmSync(dir, { recursive: true, force: true });
});

test('quotas are applied, read back by kafka-configs, and a second run changes nothing', async () => {
  manifests(ALL);
  const first = await reconcileOnce({ dir, profile: testProfile(), apply: true });
  expect(first.error).toBeNull();
  expect(first.status).toBe('converged');
  expect(first.plan?.changes.map((change) => `${change.kind} ${change.action} ${change.resource}`)).toEqual([
    `quota create client-id=${P}etl`,
    `quota create user=${P}alice`,
    `quota create user=${P}alice,client-id=${P}etl`,
  ]);

  const [user, client] = await Promise.all([describe('users', `${P}alice`), describe('clients', `${P}etl`)]);
  expect(user).toMatch(/consumer_byte_rate=2097152(\.0)?, producer_byte_rate=1048576(\.0)?/);
  expect(client).toMatch(/request_percentage=25(\.0)?/);

  const second = await reconcileOnce({ dir, profile: testProfile(), apply: true });
  expect(second.status).toBe('in-sync');
  expect(second.plan?.changes).toEqual([]);
}, 300_000);

test('a quota changed by hand is drift, healed by the next apply; one removed from the manifests is removed', async () => {
  await runKafkaTool(tools, 'configs', [
    '--alter',
    '--entity-type',
    'users',
    '--entity-name',
    `${P}alice`,
    '--add-config',
    'producer_byte_rate=1',
  ]);
  const drift = await reconcileOnce({ dir, profile: testProfile(), apply: false });
  expect(drift.status).toBe('drift');
  expect(drift.plan?.changes).toEqual([
    expect.objectContaining({
      kind: 'quota',
      action: 'update',
      resource: `user=${P}alice`,
      before: { producer_byte_rate: 1, consumer_byte_rate: 2097152 },
      after: { producer_byte_rate: 1048576, consumer_byte_rate: 2097152 },
      origin: expect.objectContaining({ file: 'quotas.yaml', line: 2 }),
    }),
  ]);
  const healed = await reconcileOnce({ dir, profile: testProfile(), apply: true });
  expect(healed.status).toBe('converged');

  manifests(ALL.split(`  - clientId: ${P}etl\n    request_percentage: 25\n`).join(''));
  const removed = await reconcileOnce({ dir, profile: testProfile(), apply: true });
  expect(removed.status).toBe('converged');
  expect(removed.plan?.changes.map((change) => `${change.action} ${change.resource}`)).toEqual([
    `delete client-id=${P}etl`,
  ]);
  expect(await describe('clients', `${P}etl`)).not.toMatch(/request_percentage/);
}, 300_000);
