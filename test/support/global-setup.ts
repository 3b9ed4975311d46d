/**
 * Builds the compiled CLI when a source changed (tests spawn it as users run it), then
 * starts the local two-broker Kafka once per jest run, unless KAFKA_BOOTSTRAP_SERVERS names an external cluster.
 * Workers inherit the environment set here, so every suite reaches the same broker through `testProfile()`.
 */
import { LOCAL_ADMIN, startLocalCluster } from '../../reconciler/localkafka/broker';
import { ensureBuilt } from './built-cli';

export default async function globalSetup(): Promise<void> {
  ensureBuilt((line) => console.log(`\n[build] ${line}`));
  if (process.env.MSK_GITOPS_NO_BROKER === 'true') return; // unit/stacks-only runs while developing
  if (process.env.KAFKA_BOOTSTRAP_SERVERS) {
    console.log(`\nusing the external Kafka at ${process.env.KAFKA_BOOTSTRAP_SERVERS}`);
    return;
  }
  const { layout, started } = await startLocalCluster({ log: (line) => console.log(`\n[local-kafka] ${line}`) });
  process.env.KAFKA_BOOTSTRAP_SERVERS = layout.scramBootstrap.join(',');
  process.env.KAFKA_SASL_MECHANISM = 'SCRAM-SHA-512';
  process.env.KAFKA_SASL_USERNAME = LOCAL_ADMIN.username;
  process.env.KAFKA_SASL_PASSWORD = LOCAL_ADMIN.password;
  process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP = layout.oauthBootstrap.join(',');
  // Only a broker this run started is stopped at teardown; a developer's running one is left alone.
  process.env.MSK_GITOPS_TEST_STARTED_BROKER = started ? String(layout.portBase) : '';
}
