import { stopLocalCluster } from '../../reconciler/localkafka/broker';

export default async function globalTeardown(): Promise<void> {
  const started = process.env.MSK_GITOPS_TEST_STARTED_BROKER;
  if (started && process.env.MSK_GITOPS_KEEP_BROKER !== 'true') await stopLocalCluster({ portBase: Number(started) });
}
