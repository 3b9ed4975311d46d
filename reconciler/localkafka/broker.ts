/**
 * The local Kafka cluster the project starts itself: the real Apache Kafka broker from Maven Central, in the seed's
 * shape (two brokers on 127.0.0.1, node 1 also the KRaft controller, so replication factor 2 works as on MSK), with
 * SASL/SCRAM-SHA-512, the StandardAuthorizer and `allow.everyone.if.no.acl.found=false`.
 *
 * Everything lives under `.cache/kafka/` (ignored; installed with npm: ~/.cache/msk-gitops/kafka): the jars per Kafka
 * version, and one run folder per port base and Kafka version (`run-19092-kafka-4.1.2`) with configs, data, logs and
 * pids, so two versions never share data, `stop` ends exactly the processes `start` made and a second `start` while
 * one runs is detected instead of duplicated. The versions themselves are named once, in versions.ts.
 *
 * Restarts load a metadata snapshot (see SNAPSHOT_PROPERTIES): replaying SCRAM deletions from the log without one
 * can lose every SCRAM credential, the admin's included (docs/kafka-versions.md, "The restart defect").
 */
import { spawn, spawnSync } from 'node:child_process';
import { connect } from 'node:net';
import { existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { ConnectionProfileSchema, type ConnectionProfile } from '../connection/profile';
import { DEFAULT_KAFKA_VERSION, checkKafkaVersion, describeSupportedVersions, type KafkaVersionInfo } from './versions';

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
  kafkaVersion: string;
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

const RUN_DIR = /^run-(\d+)-kafka-(\d+\.\d+\.\d+)$/;

export function layoutFor(
  portBase = portBaseFromEnv(),
  kafkaVersion: string = DEFAULT_KAFKA_VERSION,
): LocalClusterLayout {
  return {
    portBase,
    kafkaVersion,
    scramBootstrap: [`127.0.0.1:${portBase}`, `127.0.0.1:${portBase + 1}`],
    oauthBootstrap: [`127.0.0.1:${portBase + 3}`, `127.0.0.1:${portBase + 4}`],
    controllerPort: portBase + 2,
    runDir: path.join(cacheRoot(), `run-${portBase}-kafka-${kafkaVersion}`),
    libsDir: path.join(cacheRoot(), kafkaVersion, 'libs'),
  };
}

/** The layouts of every Kafka version that has a run folder on this port base. */
export function layoutsOn(portBase = portBaseFromEnv()): LocalClusterLayout[] {
  if (!existsSync(cacheRoot())) return [];
  return readdirSync(cacheRoot()).flatMap((name) => {
    const match = RUN_DIR.exec(name);
    return match && Number(match[1]) === portBase ? [layoutFor(portBase, match[2])] : [];
  });
}

/** The layout whose brokers run on this port base, whatever their version. */
export function runningLayout(portBase = portBaseFromEnv()): LocalClusterLayout | undefined {
  return layoutsOn(portBase).find((layout) => runningPids(layout).length > 0);
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
  const { info } = checkKafkaVersion(layout.kafkaVersion);
  log(`fetching Apache Kafka ${layout.kafkaVersion} jars from Maven Central into ${layout.libsDir}`);
  mkdirSync(layout.libsDir, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      path.join(projectRoot, 'reconciler', 'localkafka', 'pom.xml'),
      `-Dkafka.version=${layout.kafkaVersion}`,
      `-Dbroker.logging=${info.logging}`,
      'dependency:copy-dependencies',
      `-DoutputDirectory=${layout.libsDir}`,
      '-DincludeScope=runtime',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' },
  );
  if (result.error) throw new Error(`could not run mvn (is Maven installed?): ${result.error.message}`);
  if (result.status !== 0) {
    rmSync(layout.libsDir, { recursive: true, force: true });
    const output = result.stdout + result.stderr;
    if (notServed(output, layout.kafkaVersion)) {
      throw new Error(
        `Maven Central does not serve Apache Kafka ${layout.kafkaVersion} (org.apache.kafka:kafka_2.13:${layout.kafkaVersion} not found); ${describeSupportedVersions()}`,
      );
    }
    throw new Error(`mvn failed to fetch the Kafka jars:\n${output.slice(-2000)}`);
  }
  writeFileSync(marker, `${layout.kafkaVersion}\n`);
}

/** Maven's answer for an artifact the repository does not have (as opposed to a network or proxy failure). */
function notServed(output: string, version: string): boolean {
  return (
    output.includes(`org.apache.kafka:kafka_2.13:jar:${version}`) &&
    /Could not find artifact|was not found/.test(output)
  );
}

function brokerProperties(layout: LocalClusterLayout, nodeId: 1 | 2, snapshotIntervalMs?: number): string {
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
    ...(snapshotIntervalMs === undefined
      ? SNAPSHOT_PROPERTIES
      : [`metadata.log.max.snapshot.interval.ms=${snapshotIntervalMs}`]),
    '',
  ].join('\n');
}

/**
 * A restart must load a metadata snapshot, not replay the SCRAM records from an empty image: Kafka's
 * ScramDelta.apply() (3.9.1 and 4.1.x alike) drops a whole mechanism when a removal empties the map it is still
 * building, so a replayed deletion that hashes ahead of the survivors loses them all, the admin included, and
 * inter-broker SCRAM fails. With a snapshot that holds the admin, the map never empties. Kafka's default is one
 * snapshot an hour; here one a second (a few KB each, only when the log moved), old ones kept 10 minutes.
 */
const SNAPSHOT_PROPERTIES = ['metadata.log.max.snapshot.interval.ms=1000', 'metadata.max.retention.ms=600000'];

/** Log to stdout (the broker-N.log file), INFO, the chatty request and authorizer loggers quiet. */
const QUIET_LOGGERS = [
  'kafka.request.logger',
  'kafka.authorizer.logger',
  'org.apache.kafka.metadata.authorizer',
  'state.change.logger',
];

/** Kafka 3.x: log4j 1 through reload4j. */
const LOG4J = [
  'log4j.rootLogger=INFO, file',
  'log4j.appender.file=org.apache.log4j.ConsoleAppender',
  'log4j.appender.file.layout=org.apache.log4j.PatternLayout',
  'log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n',
  ...QUIET_LOGGERS.map((name) => `log4j.logger.${name}=WARN`),
  '',
].join('\n');

/** Kafka 4.x: log4j2 (without a configuration it says "No configuration found" and logs errors only). */
const LOG4J2 = [
  '<?xml version="1.0" encoding="UTF-8"?>',
  '<Configuration status="WARN">',
  '  <Appenders>',
  '    <Console name="file" target="SYSTEM_OUT"><PatternLayout pattern="[%d] %p %m (%c)%n"/></Console>',
  '  </Appenders>',
  '  <Loggers>',
  '    <Root level="INFO"><AppenderRef ref="file"/></Root>',
  ...QUIET_LOGGERS.map((name) => `    <Logger name="${name}" level="WARN"/>`),
  '  </Loggers>',
  '</Configuration>',
  '',
].join('\n');

/** Writes the version's logging configuration into the run folder; returns the JVM flag that points at it. */
function writeLoggingConfig(layout: LocalClusterLayout, info: KafkaVersionInfo): string {
  if (info.logging === 'log4j2') {
    const file = path.join(layout.runDir, 'log4j2.xml');
    writeFileSync(file, LOG4J2);
    return `-Dlog4j2.configurationFile=${file}`;
  }
  const file = path.join(layout.runDir, 'log4j.properties');
  writeFileSync(file, LOG4J);
  return `-Dlog4j.configuration=file:${file}`;
}

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

/** What an authenticated metadata request as the admin finds: both brokers, fewer, or the admin's password refused. */
export type ClusterProbe = 'up' | 'down' | 'admin-rejected';

export async function probeCluster(layout: LocalClusterLayout): Promise<ClusterProbe> {
  const admin = new Kafka({ ...adminConfig(layout), retry: { retries: 0 }, connectionTimeout: 2000 }).admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length === 2 ? 'up' : 'down';
  } catch (error) {
    return (error as Error).name === 'KafkaJSSASLAuthenticationError' ? 'admin-rejected' : 'down';
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when both brokers answer an authenticated metadata request and see each other. */
export async function clusterAnswers(layout: LocalClusterLayout): Promise<boolean> {
  return (await probeCluster(layout)) === 'up';
}

export interface StartResult {
  layout: LocalClusterLayout;
  /** false when a cluster from an earlier start was already running and is reused. */
  started: boolean;
}

export interface StartOptions {
  portBase?: number;
  /** Undefined: the version already running on the port base, else the default (versions.ts). */
  kafkaVersion?: string;
  log?: Log;
  timeoutMs?: number;
  /**
   * Kafka's own metadata snapshot interval instead of this project's one-second interval: only for the test that
   * reproduces the restart defect the short interval avoids.
   */
  metadataSnapshotIntervalMs?: number;
}

/** How long the admin's password may be refused by running brokers before the data is declared unusable. */
const ADMIN_REJECTED_FOR_MS = 10_000;

/** One line that says what happened and how to recover: the admin's SCRAM credential is gone from the metadata. */
export class AdminLockedOutError extends Error {
  constructor(readonly layout: LocalClusterLayout) {
    super(
      `local Kafka ${layout.kafkaVersion} in ${layout.runDir} started but rejects its own admin: its metadata lost the ` +
        `SCRAM credentials (a Kafka defect replaying user deletions at restart, see docs/kafka-versions.md); ` +
        `recover with: msk-gitops broker reset --port ${layout.portBase} --kafka-version ${layout.kafkaVersion} ` +
        `(wipes its topics, users and ACLs)`,
    );
  }
}

export async function startLocalCluster(options: StartOptions = {}): Promise<StartResult> {
  const portBase = options.portBase ?? portBaseFromEnv();
  const log = options.log ?? (() => undefined);
  const wanted = options.kafkaVersion === undefined ? undefined : checkKafkaVersion(options.kafkaVersion).version;
  const running = runningLayout(portBase);
  if (running && wanted && running.kafkaVersion !== wanted) {
    throw new Error(
      `local Kafka ${running.kafkaVersion} is already running on port base ${portBase}: stop it first ` +
        `(msk-gitops broker stop --port ${portBase}) or start ${wanted} on another port base (--port)`,
    );
  }
  const layout = running ?? layoutFor(portBase, wanted ?? DEFAULT_KAFKA_VERSION);
  const { info } = checkKafkaVersion(layout.kafkaVersion);
  const pids = runningPids(layout);
  if (pids.length === 2 && (await clusterAnswers(layout))) {
    log(
      `local Kafka ${layout.kafkaVersion} already running on ${layout.scramBootstrap.join(',')} (pids ${pids.join(', ')})`,
    );
    return { layout, started: false };
  }
  if (pids.length > 0) {
    log('a half-running local Kafka was found; stopping it first');
    await stopLocalCluster({ portBase, kafkaVersion: layout.kafkaVersion });
  }
  const taken = await portsInUse(layout);
  if (taken.length > 0) {
    throw new Error(
      `port ${taken.join(', ')} of port base ${portBase} is in use by another process (another local Kafka, from ` +
        `another checkout or an older msk-gitops?); stop it, or pick another port base (--port, MSK_GITOPS_BROKER_PORT)`,
    );
  }
  ensureKafkaJars(layout, log);
  mkdirSync(layout.runDir, { recursive: true });
  const loggingFlag = writeLoggingConfig(layout, info);
  const classpath = `${layout.libsDir}/*`;
  let formatted = false;
  for (const nodeId of [1, 2] as const) {
    const config = path.join(layout.runDir, `broker-${nodeId}.properties`);
    writeFileSync(config, brokerProperties(layout, nodeId, options.metadataSnapshotIntervalMs));
    const dataDir = path.join(layout.runDir, `data-${nodeId}`);
    if (!existsSync(path.join(dataDir, 'meta.properties'))) {
      rmSync(dataDir, { recursive: true, force: true });
      const format = spawnSync(
        'java',
        [
          loggingFlag,
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
      formatted = true;
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
        loggingFlag,
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
  log(`starting local Kafka ${layout.kafkaVersion} on ${layout.scramBootstrap.join(',')} (logs in ${layout.runDir})`);
  await untilUp(layout, options.timeoutMs ?? 120_000);
  // A cluster formatted just now has no snapshot yet: until its first one, a restart would replay from nothing.
  if (formatted && options.metadataSnapshotIntervalMs === undefined) await untilSnapshotted(layout, log);
  log(`local Kafka ${layout.kafkaVersion} is up: 2 brokers answer over SASL/SCRAM-SHA-512`);
  return { layout, started: true };
}

/** The ports of this layout something already listens on (a broker of ours is not running when this is asked). */
async function portsInUse(layout: LocalClusterLayout): Promise<number[]> {
  const ports = [0, 1, 2, 3, 4].map((offset) => layout.portBase + offset);
  const taken = await Promise.all(
    ports.map(
      (port) =>
        new Promise<boolean>((resolve) => {
          const socket = connect({ host: '127.0.0.1', port });
          const answer = (listening: boolean) => {
            socket.destroy();
            resolve(listening);
          };
          socket.setTimeout(1000);
          socket.once('connect', () => answer(true));
          socket.once('error', () => answer(false));
          socket.once('timeout', () => answer(false));
        }),
    ),
  );
  return ports.filter((_, index) => taken[index]);
}

async function untilUp(layout: LocalClusterLayout, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let rejectedSince: number | undefined;
  while (Date.now() < deadline) {
    const probe = await probeCluster(layout);
    if (probe === 'up') return;
    if (runningPids(layout).length < 2) {
      await stopLocalCluster({ portBase: layout.portBase, kafkaVersion: layout.kafkaVersion });
      throw new Error(
        `a local Kafka broker exited during start; see ${layout.runDir}/broker-*.log\n${tailLogs(layout)}`,
      );
    }
    rejectedSince = probe === 'admin-rejected' ? (rejectedSince ?? Date.now()) : undefined;
    if (rejectedSince !== undefined && Date.now() - rejectedSince >= ADMIN_REJECTED_FOR_MS) {
      await stopLocalCluster({ portBase: layout.portBase, kafkaVersion: layout.kafkaVersion });
      throw new AdminLockedOutError(layout);
    }
    await sleep(500);
  }
  await stopLocalCluster({ portBase: layout.portBase, kafkaVersion: layout.kafkaVersion });
  throw new Error(`local Kafka did not answer within the timeout; see ${layout.runDir}/broker-*.log`);
}

/** The newest metadata snapshot's end offset in a broker's data folder (0: none but the empty bootstrap one). */
export function snapshotOffset(layout: LocalClusterLayout, nodeId: 1 | 2): number {
  const dir = path.join(layout.runDir, `data-${nodeId}`, '__cluster_metadata-0');
  if (!existsSync(dir)) return 0;
  const offsets = readdirSync(dir)
    .map((name) => /^(\d{20})-\d{10}\.checkpoint$/.exec(name))
    .map((match) => (match ? Number(match[1]) : 0));
  return Math.max(0, ...offsets);
}

async function untilSnapshotted(layout: LocalClusterLayout, log: Log): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (snapshotOffset(layout, 1) > 0 && snapshotOffset(layout, 2) > 0) return;
    await sleep(250);
  }
  log('warning: no metadata snapshot yet; a restart within the next seconds replays the metadata log from its start');
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

/**
 * Ends exactly the processes the pid files of this port base name (one version, or whichever runs there);
 * `wipe` also removes their run folders: data, configs and logs.
 */
export async function stopLocalCluster(
  options: { portBase?: number; kafkaVersion?: string; wipe?: boolean } = {},
): Promise<number[]> {
  const portBase = options.portBase ?? portBaseFromEnv();
  const layouts =
    options.kafkaVersion === undefined
      ? layoutsOn(portBase)
      : [layoutFor(portBase, checkKafkaVersion(options.kafkaVersion).version)];
  const stopped: number[] = [];
  for (const layout of layouts) {
    const pids = runningPids(layout);
    for (const pid of pids) process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 20_000;
    while (pids.some(isAlive) && Date.now() < deadline) await sleep(200);
    for (const pid of pids.filter(isAlive)) process.kill(pid, 'SIGKILL');
    for (const nodeId of [1, 2]) rmSync(pidFile(layout, nodeId), { force: true });
    if (options.wipe) rmSync(layout.runDir, { recursive: true, force: true });
    stopped.push(...pids);
  }
  return stopped;
}
