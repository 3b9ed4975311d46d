/**
 * The local Kafka cluster the project starts itself: the real Apache Kafka broker from Maven Central, in the seed's
 * shape (two brokers on 127.0.0.1, node 1 also the KRaft controller, so replication factor 2 works as on MSK), with
 * SASL/SCRAM-SHA-512, the StandardAuthorizer and `allow.everyone.if.no.acl.found=false`.
 *
 * Everything lives under `.cache/kafka/` (ignored; installed with npm: ~/.cache/msk-gitops/kafka): the jars per Kafka
 * version, and one run folder per port base with configs, data, logs and pids, so `stop` ends exactly the processes
 * `start` made and a second `start` while one runs is detected instead of duplicated.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { ConnectionProfileSchema, type ConnectionProfile } from '../connection/profile';

export const KAFKA_VERSION = '3.9.1';
export const DEFAULT_PORT_BASE = 19092;
/** The super user created at format time; the local cluster's admin, like the IAM admin role on MSK. */
export const LOCAL_ADMIN = { username: 'admin', password: 'admin-secret' } as const;
const CLUSTER_ID = 'bXNrLWdpdG9wcy1sb2NhbA'; // 22 chars base64: "msk-gitops-local"

/** The folder holding package.json: two levels up from the source, three from the compiled dist/reconciler/…. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(__dirname, '..', '..');
  }
}

const projectRoot = packageRoot();

export interface LocalClusterLayout {
  portBase: number;
  /** SCRAM-SHA-512 listeners, one per broker: the bootstrap servers. */
  scramBootstrap: string[];
  /** SASL/OAUTHBEARER listeners (unsecured JWT validator) proving the IAM auth code path without AWS. */
  oauthBootstrap: string[];
  controllerPort: number;
  runDir: string;
  libsDir: string;
}

export function cacheRoot(): string {
  if (process.env.MSK_GITOPS_CACHE_DIR) return process.env.MSK_GITOPS_CACHE_DIR;
  // A checkout keeps its cluster beside it; an installed package's folder (npm install -g) may not be writable.
  if (!projectRoot.split(path.sep).includes('node_modules')) return path.join(projectRoot, '.cache', 'kafka');
  return path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'msk-gitops', 'kafka');
}

export function layoutFor(portBase = portBaseFromEnv()): LocalClusterLayout {
  return {
    portBase,
    scramBootstrap: [`127.0.0.1:${portBase}`, `127.0.0.1:${portBase + 1}`],
    oauthBootstrap: [`127.0.0.1:${portBase + 3}`, `127.0.0.1:${portBase + 4}`],
    controllerPort: portBase + 2,
    runDir: path.join(cacheRoot(), `run-${portBase}`),
    libsDir: path.join(cacheRoot(), KAFKA_VERSION, 'libs'),
  };
}

export function portBaseFromEnv(): number {
  const raw = process.env.MSK_GITOPS_BROKER_PORT;
  if (raw === undefined || raw === '') return DEFAULT_PORT_BASE;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1024 || port > 65000) {
    throw new Error(`MSK_GITOPS_BROKER_PORT must be a port between 1024 and 65000, got "${raw}"`);
  }
  return port;
}

type Log = (line: string) => void;

/** Fetches the broker jars with Maven once; later runs reuse the cache. */
export function ensureKafkaJars(layout: LocalClusterLayout, log: Log): void {
  const marker = path.join(layout.libsDir, '.complete');
  if (existsSync(marker)) return;
  log(`fetching Apache Kafka ${KAFKA_VERSION} jars from Maven Central into ${layout.libsDir}`);
  mkdirSync(layout.libsDir, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      path.join(projectRoot, 'reconciler', 'localkafka', 'pom.xml'),
      `-Dkafka.version=${KAFKA_VERSION}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${layout.libsDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (result.error) throw new Error(`could not run mvn (is Maven installed?): ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`mvn failed to fetch the Kafka jars:\n${(result.stdout + result.stderr).slice(-2000)}`);
  }
  writeFileSync(marker, `${KAFKA_VERSION}\n`);
}

function brokerProperties(layout: LocalClusterLayout, nodeId: 1 | 2): string {
  const index = nodeId - 1;
  const isController = nodeId === 1;
  const listeners = [
    `SASL_PLAINTEXT://${layout.scramBootstrap[index]}`,
    `OAUTH://${layout.oauthBootstrap[index]}`,
    ...(isController ? [`CONTROLLER://127.0.0.1:${layout.controllerPort}`] : []),
  ];
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${LOCAL_ADMIN.username}" password="${LOCAL_ADMIN.password}";`;
  return [
    `node.id=${nodeId}`,
    `process.roles=${isController ? 'broker,controller' : 'broker'}`,
    `controller.quorum.voters=1@127.0.0.1:${layout.controllerPort}`,
    'controller.listener.names=CONTROLLER',
    `listeners=${listeners.join(',')}`,
    `advertised.listeners=SASL_PLAINTEXT://${layout.scramBootstrap[index]},OAUTH://${layout.oauthBootstrap[index]}`,
    'listener.security.protocol.map=SASL_PLAINTEXT:SASL_PLAINTEXT,OAUTH:SASL_PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=SASL_PLAINTEXT',
    'sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512',
    'listener.name.sasl_plaintext.sasl.enabled.mechanisms=SCRAM-SHA-512',
    `listener.name.sasl_plaintext.scram-sha-512.sasl.jaas.config=${jaas}`,
    // The unsecured JWT validator stands in for MSK's IAM OAUTHBEARER validation: same client code path.
    'listener.name.oauth.sasl.enabled.mechanisms=OAUTHBEARER',
    `listener.name.oauth.oauthbearer.sasl.jaas.config=org.apache.kafka.common.security.oauthbearer.OAuthBearerLoginModule required unsecuredLoginStringClaim_sub="${LOCAL_ADMIN.username}";`,
    'authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer',
    'allow.everyone.if.no.acl.found=false',
    // ANONYMOUS is the broker-to-controller principal on the loopback-only PLAINTEXT controller listener.
    `super.users=User:${LOCAL_ADMIN.username};User:ANONYMOUS`,
    'auto.create.topics.enable=false',
    `log.dirs=${path.join(layout.runDir, `data-${nodeId}`)}`,
    'num.partitions=1',
    'default.replication.factor=2',
    'min.insync.replicas=1',
    'offsets.topic.replication.factor=2',
    'offsets.topic.num.partitions=4',
    'transaction.state.log.replication.factor=2',
    'transaction.state.log.min.isr=1',
    'transaction.state.log.num.partitions=4',
    'group.initial.rebalance.delay.ms=0',
    'log.segment.bytes=16777216',
    'num.network.threads=2',
    'num.io.threads=2',
    'background.threads=2',
    'log.cleaner.threads=1',
    '',
  ].join('\n');
}

const LOG4J = [
  'log4j.rootLogger=INFO, file',
  'log4j.appender.file=org.apache.log4j.ConsoleAppender',
  'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  'log4j.logger.kafka.request.logger=WARN',
  'log4j.logger.kafka.authorizer.logger=WARN',
  'log4j.logger.org.apache.kafka.metadata.authorizer=WARN',
  'log4j.logger.state.change.logger=WARN',
  '',
].join('\n');

function pidFile(layout: LocalClusterLayout, nodeId: number): string {
  return path.join(layout.runDir, `broker-${nodeId}.pid`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pids of this layout's brokers that are still running (a stale pid file is not a running broker). */
export function runningPids(layout: LocalClusterLayout): number[] {
  const pids: number[] = [];
  for (const nodeId of [1, 2]) {
    const file = pidFile(layout, nodeId);
    if (!existsSync(file)) continue;
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && isOurBroker(pid, layout)) pids.push(pid);
  }
  return pids;
}

function isOurBroker(pid: number, layout: LocalClusterLayout): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(layout.runDir);
  } catch {
    return true; // no /proc: trust the pid file
  }
}

/** The local admin's password reaches kafkajs through an env reference, like every other secret. */
const LOCAL_PASSWORD_ENV = 'MSK_GITOPS_LOCAL_ADMIN_PASSWORD';

/** The connection profile of the local cluster's admin: what `up` and the `--local` flag connect with. */
export function localAdminProfile(layout: LocalClusterLayout, env: NodeJS.ProcessEnv = process.env): ConnectionProfile {
  env[LOCAL_PASSWORD_ENV] = LOCAL_ADMIN.password;
  return ConnectionProfileSchema.parse({
    bootstrapServers: layout.scramBootstrap,
    auth: 'scram',
    scram: { mechanism: 'SCRAM-SHA-512', username: LOCAL_ADMIN.username, password: { env: LOCAL_PASSWORD_ENV } },
  });
}

export function adminConfig(layout: LocalClusterLayout) {
  return {
    clientId: 'msk-gitops-local-broker',
    brokers: layout.scramBootstrap,
    sasl: { mechanism: 'scram-sha-512' as const, ...LOCAL_ADMIN },
    logLevel: logLevel.NOTHING,
  };
}

/** True when both brokers answer an authenticated metadata request and see each other. */
export async function clusterAnswers(layout: LocalClusterLayout): Promise<boolean> {
  const admin = new Kafka({ ...adminConfig(layout), retry: { retries: 0 }, connectionTimeout: 2000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length === 2;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

export interface StartResult {
  layout: LocalClusterLayout;
  /** false when a cluster from an earlier start was already running and is reused. */
  started: boolean;
}

export async function startLocalCluster(
  options: { portBase?: number; log?: Log; timeoutMs?: number } = {},
): Promise<StartResult> {
  const layout = layoutFor(options.portBase);
  const log = options.log ?? (() => undefined);
  const running = runningPids(layout);
  if (running.length === 2 && (await clusterAnswers(layout))) {
    log(`local Kafka already running on ${layout.scramBootstrap.join(',')} (pids ${running.join(', ')})`);
    return { layout, started: false };
  }
  if (running.length > 0) {
    log('a half-running local Kafka was found; stopping it first');
    await stopLocalCluster({ portBase: layout.portBase });
  }
  ensureKafkaJars(layout, log);
  mkdirSync(layout.runDir, { recursive: true });
  writeFileSync(path.join(layout.runDir, 'log4j.properties'), LOG4J);
  const classpath = `${layout.libsDir}/*`;
  for (const nodeId of [1, 2] as const) {
    const config = path.join(layout.runDir, `broker-${nodeId}.properties`);
    writeFileSync(config, brokerProperties(layout, nodeId));
    const dataDir = path.join(layout.runDir, `data-${nodeId}`);
    if (!existsSync(path.join(dataDir, 'meta.properties'))) {
      rmSync(dataDir, { recursive: true, force: true });
      const format = spawnSync(
        'java',
        [
          `-Dlog4j.configuration=file:${path.join(layout.runDir, 'log4j.properties')}`,
          '-cp',
          classpath,
          'kafka.tools.StorageTool',
          'format',
          '-t',
          CLUSTER_ID,
          '-c',
          config,
          '--add-scram',
          `SCRAM-SHA-512=[name=${LOCAL_ADMIN.username},password=${LOCAL_ADMIN.password}]`,
        ],
        { encoding: 'utf8' },
      );
      if (format.status !== 0) throw new Error(`formatting KRaft storage failed:\n${format.stdout}${format.stderr}`);
    }
  }
  for (const nodeId of [1, 2] as const) {
    const out = openSync(path.join(layout.runDir, `broker-${nodeId}.log`), 'a');
    const child = spawn(
      'java',
      [
        '-Xms128m',
        '-Xmx512m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '-Djava.awt.headless=true',
        `-Dlog4j.configuration=file:${path.join(layout.runDir, 'log4j.properties')}`,
        `-Dmsk.gitops.run=${layout.runDir}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        path.join(layout.runDir, `broker-${nodeId}.properties`),
      ],
      { detached: true, stdio: ['ignore', out, out] },
    );
    child.unref();
    writeFileSync(pidFile(layout, nodeId), `${child.pid}\n`);
  }
  log(`starting local Kafka ${KAFKA_VERSION} on ${layout.scramBootstrap.join(',')} (logs in ${layout.runDir})`);
  const deadline = Date.now() + (options.timeoutMs ?? 120_000);
  while (Date.now() < deadline) {
    if (await clusterAnswers(layout)) {
      log('local Kafka is up: 2 brokers answer over SASL/SCRAM-SHA-512');
      return { layout, started: true };
    }
    if (runningPids(layout).length < 2) {
      throw new Error(
        `a local Kafka broker exited during start; see ${layout.runDir}/broker-*.log\n${tailLogs(layout)}`,
      );
    }
    await sleep(500);
  }
  await stopLocalCluster({ portBase: layout.portBase });
  throw new Error(`local Kafka did not answer within the timeout; see ${layout.runDir}/broker-*.log`);
}

function tailLogs(layout: LocalClusterLayout): string {
  return readdirSync(layout.runDir)
    .filter((name) => name.endsWith('.log'))
    .map((name) => {
      const lines = readFileSync(path.join(layout.runDir, name), 'utf8').trimEnd().split('\n');
      return `--- ${name}\n${lines.slice(-15).join('\n')}`;
    })
    .join('\n');
}

/** Ends exactly the processes this layout's pid files name; `wipe` also removes their data. */
export async function stopLocalCluster(options: { portBase?: number; wipe?: boolean } = {}): Promise<number[]> {
  const layout = layoutFor(options.portBase);
  const pids = runningPids(layout);
  for (const pid of pids) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 20_000;
  while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
  for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
  for (const nodeId of [1, 2]) rmSync(pidFile(layout, nodeId), { force: true });
  if (options.wipe) rmSync(layout.runDir, { recursive: true, force: true });
  return pids;
}
