/**
 * `npm test`'s jest runs: everything against the default Kafka version, then the broker suites again against each
 * other tested version (versions.ts), each pass on its own cluster (see global-setup.ts), with the time each took.
 * One pass only when the run names its broker: MSK_GITOPS_BROKER_VERSION, KAFKA_BOOTSTRAP_SERVERS or
 * MSK_GITOPS_NO_BROKER=true. Arguments go to every jest pass (`npm test -- test/broker/seed.test.ts`).
 */
import { spawnSync } from 'node:child_process';
import { DEFAULT_KAFKA_VERSION, KAFKA_VERSION_ENV, TESTED_KAFKA_VERSIONS } from '../../reconciler/localkafka/versions';

const args = process.argv.slice(2);
const single =
  Boolean(process.env[KAFKA_VERSION_ENV]) ||
  Boolean(process.env.KAFKA_BOOTSTRAP_SERVERS) ||
  process.env.MSK_GITOPS_NO_BROKER === 'true';
const passes = single
  ? [{ label: 'jest', env: {}, args }]
  : Object.keys(TESTED_KAFKA_VERSIONS).map((version) => ({
      label: `Kafka ${version}${version === DEFAULT_KAFKA_VERSION ? ' (all projects)' : ' (broker suites)'}`,
      env: { [KAFKA_VERSION_ENV]: version },
      args: version === DEFAULT_KAFKA_VERSION ? args : ['--selectProjects', 'broker', ...args],
    }));

const timings: string[] = [];
let status = 0;
for (const pass of passes) {
  process.stdout.write(`\n== ${pass.label}\n`);
  const started = Date.now();
  const result = spawnSync('npx', ['jest', ...pass.args], { stdio: 'inherit', env: { ...process.env, ...pass.env } });
  const seconds = Math.round((Date.now() - started) / 1000);
  timings.push(`${pass.label}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`);
  if (result.status !== 0) status = result.status ?? 1;
}
process.stdout.write(`\n== test passes\n${timings.join('\n')}\n`);
process.exit(status);
