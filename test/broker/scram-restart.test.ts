/**
 * The restart defect (docs/kafka-versions.md): Kafka's ScramDelta.apply() drops a whole SCRAM mechanism when a
 * removal empties the map it is still building, so a restart that replays "create keep-a, create gone-a, delete
 * gone-a" from an empty image loses every SCRAM-SHA-512 credential when gone-a hashes ahead of the survivors, the
 * admin's included. On a cluster of its own (never the suite's broker), once per tested version (the matrix runs this
 * file against each): with this project's one-second snapshot interval the restart loads a snapshot holding the admin
 * and the admin and keep-a authenticate afterwards; with Kafka's default interval (one hour) the same steps lock the
 * admin out, and `broker start` says so in one line with the command that recovers.
 */
import { Kafka, AclOperationTypes, AclPermissionTypes, AclResourceTypes, ResourcePatternTypes } from 'kafkajs';
import {
  AdminLockedOutError,
  adminConfig,
  LOCAL_ADMIN,
  portBaseFromEnv,
  startLocalCluster,
  stopLocalCluster,
  type LocalClusterLayout,
} from '../../reconciler/localkafka/broker';
import { KafkaScramAdmin, scramUpsertion } from '../../reconciler/users/kafka-scram';
import { consoleConsume, consoleProduce, testKafkaVersion } from '../support/kafka-cli';

// Up to four cold starts of two JVMs and a few console-tool JVMs on a loaded 2-core machine.
jest.setTimeout(300_000);

const kafkaVersion = testKafkaVersion();
// Five ports clear of the suite broker's and of the other suites' own clusters (daemon-restart: +650).
const portBase = portBaseFromEnv() + 770;
const log = (line: string) => process.stderr.write(`[scram-restart ${kafkaVersion} ${portBase}] ${line}\n`);
const KEEP = { username: 'keep-a', password: 'keep-a-password-0123456789' };
const GONE = { username: 'gone-a', password: 'gone-a-password-0123456789' };
const TOPIC = 'scram-restart';

/** As the tests did to the default cluster: users created, one deleted, in separate requests; keep-a may write. */
async function createAndDeleteUsers(layout: LocalClusterLayout): Promise<void> {
  const kafka = new Kafka(adminConfig(layout));
  const scram = new KafkaScramAdmin(kafka);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const upserts = [KEEP, GONE].map((u) => scramUpsertion(u.username, u.password, 'SCRAM-SHA-512', 4096));
    expect((await scram.alter([], upserts)).map((r) => r.errorCode)).toEqual([0, 0]);
    expect(
      (await scram.alter([{ name: GONE.username, mechanism: 'SCRAM-SHA-512' }], [])).map((r) => r.errorCode),
    ).toEqual([0]);
    await admin.createTopics({
      topics: [{ topic: TOPIC, numPartitions: 1, replicationFactor: 2 }],
      waitForLeaders: true,
    });
    await admin.createAcls({
      acl: [
        {
          resourceType: AclResourceTypes.TOPIC,
          resourceName: TOPIC,
          resourcePatternType: ResourcePatternTypes.LITERAL,
          principal: `User:${KEEP.username}`,
          host: '*',
          operation: AclOperationTypes.WRITE,
          permissionType: AclPermissionTypes.ALLOW,
        },
      ],
    });
  } finally {
    await admin.disconnect();
    await scram.disconnect();
  }
}

afterAll(async () => {
  await stopLocalCluster({ portBase, wipe: true });
});

test(`Kafka ${kafkaVersion}: after users are created and deleted, a restart loads a snapshot; admin and keep-a log in`, async () => {
  await stopLocalCluster({ portBase, wipe: true });
  const { layout } = await startLocalCluster({ portBase, kafkaVersion, log });
  await createAndDeleteUsers(layout);

  // Stopped at once: the deletion is newer than any snapshot, so the restart replays it on top of the last one.
  expect(await stopLocalCluster({ portBase })).toHaveLength(2);
  const restarted = await startLocalCluster({ portBase, kafkaVersion, log });
  expect(restarted.started).toBe(true);

  // Kafka's own clients: keep-a writes, the admin reads it back, gone-a is refused at authentication.
  const bootstrap = layout.scramBootstrap;
  const payload = `after-restart-${Date.now()}`;
  const produced = consoleProduce({ bootstrap, ...KEEP, kafkaVersion }, TOPIC, [payload]);
  expect(produced.stderr).not.toMatch(/Authentication failed|AuthorizationException/);
  expect(produced.status).toBe(0);
  const consumed = consoleConsume({ bootstrap, ...LOCAL_ADMIN, kafkaVersion }, TOPIC, { max: 1 });
  expect(consumed.stdout.trim().split('\n')).toEqual([payload]);
  const refused = consoleProduce({ bootstrap, ...GONE, kafkaVersion }, TOPIC, ['not allowed']);
  expect(refused.stderr).toMatch(/Authentication failed.*invalid credentials/);
  log(`console tools took ${[produced, consumed, refused].map((r) => `${r.ms} ms`).join(', ')}`);
});

test(`Kafka ${kafkaVersion}: without snapshots the same restart loses the admin, and start says how to recover`, async () => {
  await stopLocalCluster({ portBase, wipe: true });
  const noSnapshots = { portBase, kafkaVersion, log, metadataSnapshotIntervalMs: 3_600_000 };
  const { layout } = await startLocalCluster(noSnapshots);
  await createAndDeleteUsers(layout);
  await stopLocalCluster({ portBase });

  const failure = await startLocalCluster(noSnapshots).then(
    () => undefined,
    (error: Error) => error,
  );
  expect(failure).toBeInstanceOf(AdminLockedOutError);
  expect(failure?.message).toContain(
    `recover with: msk-gitops broker reset --port ${portBase} --kafka-version ${kafkaVersion}`,
  );
  expect(failure?.message.split('\n')).toHaveLength(1);
  // The brokers it started are stopped again, not left half-working.
  expect(await stopLocalCluster({ portBase })).toEqual([]);
});
