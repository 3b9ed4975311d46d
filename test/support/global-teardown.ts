import { stopLocalCluster } from '../../reconciler/localkafka/broker';

/** The cluster this run started is stopped and wiped: its users' passwords lived in the tests' temporary folders. */
export default async function globalTeardown(): Promise<void> {
  const started = process.env.MSK_GITOPS_TEST_STARTED_BROKER;
  if (started && process.env.MSK_GITOPS_KEEP_BROKER !== 'true') {
    await stopLocalCluster({
      portBase: Number(started),
      kafkaVersion: process.env.MSK_GITOPS_TEST_KAFKA_VERSION,
      wipe: true,
    });
  }
}
