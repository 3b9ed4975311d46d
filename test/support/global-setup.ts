/**
 * Builds the compiled CLI when a source changed (tests spawn it as users run it), then
 * starts the local two-broker Kafka once per jest run, unless KAFKA_BOOTSTRAP_SERVERS names an external cluster.
 * Workers inherit the environment set here, so every suite reaches the same broker through `testProfile()`.
 *
 * The run's Kafka version is MSK_GITOPS_BROKER_VERSION (default: versions.ts); `npm test` runs the broker suites once
 * per tested version. Tests never use the cluster `npm start` uses: their port base is MSK_GITOPS_BROKER_PORT or
 * TEST_PORT_BASE, plus 100 per version after the first, so each version of a matrix has its own cluster.
 */
import { LOCAL_ADMIN, startLocalCluster } from '../../reconciler/localkafka/broker';
import { ensureBuilt } from './built-cli';
import {
  TESTED_KAFKA_VERSIONS,
  requestedKafkaVersion,
  DEFAULT_KAFKA_VERSION,
} from '../../reconciler/localkafka/versions';

/** Clear of `npm start`'s 19092, so a test run never leaves that cluster with users it has no passwords for. */
export const TEST_PORT_BASE = 19192;

export function testPortBase(kafkaVersion: string, env: NodeJS.ProcessEnv = process.env): number {
  const base = env.MSK_GITOPS_BROKER_PORT ? Number(env.MSK_GITOPS_BROKER_PORT) : TEST_PORT_BASE;
  const index = Object.keys(TESTED_KAFKA_VERSIONS).indexOf(kafkaVersion);
  return base + 100 * Math.max(0, index);
}

export default async function globalSetup(): Promise<void> {
  ensureBuilt((line) => console.log(`\n[build] ${line}`));
  if (process.env.MSK_GITOPS_NO_BROKER === 'true') return; // unit/stacks-only runs while developing
  if (process.env.KAFKA_BOOTSTRAP_SERVERS) {
    console.log(`\nusing the external Kafka at ${process.env.KAFKA_BOOTSTRAP_SERVERS}`);
    return;
  }
  const kafkaVersion = requestedKafkaVersion(undefined) ?? DEFAULT_KAFKA_VERSION;
  // The suites that start clusters of their own read their port base from here.
  process.env.MSK_GITOPS_BROKER_PORT = String(testPortBase(kafkaVersion));
  const { layout, started } = await startLocalCluster({
    kafkaVersion,
    log: (line) => console.log(`\n[local-kafka] ${line}`),
  });
  process.env.KAFKA_BOOTSTRAP_SERVERS = layout.scramBootstrap.join(',');
  process.env.KAFKA_SASL_MECHANISM = 'SCRAM-SHA-512';
  process.env.KAFKA_SASL_USERNAME = LOCAL_ADMIN.username;
  process.env.KAFKA_SASL_PASSWORD = LOCAL_ADMIN.password;
  process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP = layout.oauthBootstrap.join(',');
  process.env.MSK_GITOPS_TEST_KAFKA_VERSION = layout.kafkaVersion;
  // Only a broker this run started is stopped (and wiped) at teardown; a developer's running one is left alone.
  process.env.MSK_GITOPS_TEST_STARTED_BROKER = started ? String(layout.portBase) : '';
}
