/**
 * Kafka's own console producer and consumer, run from the local broker's jars: the independent client for tests
 * that prove what the cluster allows, on every tested version. kcat 1.7.1 from Debian (librdkafka 2.0.2) cannot
 * SCRAM-authenticate to Kafka 4.x brokers (fixed in librdkafka 2.6.1), and a kafkajs client would share the code
 * under test; these classes are the ones `kafka-console-producer.sh` and `kafka-console-consumer.sh` start.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { cacheRoot } from '../../reconciler/localkafka/broker';
import { DEFAULT_KAFKA_VERSION } from '../../reconciler/localkafka/versions';

/** The Kafka version of the broker this jest run uses (set by the global setup), else the default. */
export function testKafkaVersion(): string {
  return process.env.MSK_GITOPS_TEST_KAFKA_VERSION || DEFAULT_KAFKA_VERSION;
}

/** The jars of the broker this jest run uses: Kafka's own tools must come from the version under test. */
export function testLibsDir(): string {
  return path.join(cacheRoot(), testKafkaVersion(), 'libs');
}

export interface ConsoleClient {
  bootstrap: string[];
  username: string;
  password: string;
  /** Whose jars run the tool; the global setup fetched them for the run's version. */
  kafkaVersion?: string;
}

export interface ConsoleResult {
  status: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Errors (an authentication failure among them) to stderr, nothing else; log4j2 on 4.x, log4j 1 on 3.x. */
function loggingFlag(version: string, dir: string): string {
  if (Number(version.split('.')[0]) >= 4) {
    const file = path.join(dir, 'log4j2.xml');
    writeFileSync(
      file,
      '<Configuration><Appenders><Console name="err" target="SYSTEM_ERR"><PatternLayout pattern="%p %m%n"/></Console>' +
        '</Appenders><Loggers><Root level="ERROR"><AppenderRef ref="err"/></Root></Loggers></Configuration>\n',
    );
    return `-Dlog4j2.configurationFile=${file}`;
  }
  const file = path.join(dir, 'log4j.properties');
  writeFileSync(
    file,
    'log4j.rootLogger=ERROR, err\nlog4j.appender.err=org.apache.log4j.ConsoleAppender\n' +
      'log4j.appender.err.Target=System.err\nlog4j.appender.err.layout=org.apache.log4j.PatternLayout\n' +
      'log4j.appender.err.layout.ConversionPattern=%p %m%n\n',
  );
  return `-Dlog4j.configuration=file:${file}`;
}

/** Kafka 4.0 moved ConsoleProducer from core (kafka.tools) to the tools module; ConsoleConsumer moved in 3.8. */
function producerClass(version: string): string {
  return Number(version.split('.')[0]) >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer';
}

function runTool(client: ConsoleClient, mainClass: string, args: string[], input?: string): ConsoleResult {
  const version = client.kafkaVersion ?? testKafkaVersion();
  const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-console-'));
  const config = path.join(dir, 'client.properties');
  const jaas = `org.apache.kafka.common.security.scram.ScramLoginModule required username="${client.username}" password="${client.password}";`;
  writeFileSync(
    config,
    ['security.protocol=SASL_PLAINTEXT', 'sasl.mechanism=SCRAM-SHA-512', `sasl.jaas.config=${jaas}`, ''].join('\n'),
    { mode: 0o600 },
  );
  const started = Date.now();
  try {
    const result = spawnSync(
      'java',
      [
        '-Xmx256m',
        '-XX:TieredStopAtLevel=1',
        '-XX:+UseSerialGC',
        loggingFlag(version, dir),
        '-cp',
        `${path.join(cacheRoot(), version, 'libs')}/*`,
        mainClass,
        '--bootstrap-server',
        client.bootstrap.join(','),
        ...args.map((arg) => arg.replace('{config}', config)),
      ],
      { input, encoding: 'utf8', timeout: 90_000 },
    );
    return {
      status: result.status,
      stdout: result.stdout ?? '',
      stderr: result.stderr ?? '',
      ms: Date.now() - started,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Writes one record per line with acks=all; the exit status and output say whether the cluster took them. */
export function consoleProduce(client: ConsoleClient, topic: string, lines: string[]): ConsoleResult {
  const version = client.kafkaVersion ?? testKafkaVersion();
  // Both versions accept --producer.config (4.x added --command-config and deprecated this one, still there in 4.1).
  return runTool(
    client,
    producerClass(version),
    ['--topic', topic, '--producer.config', '{config}', '--request-required-acks', 'all'],
    `${lines.join('\n')}\n`,
  );
}

/** Reads `max` records from the beginning (in a consumer group when `group` is given) or stops after the timeout. */
export function consoleConsume(
  client: ConsoleClient,
  topic: string,
  options: { max: number; group?: string; timeoutMs?: number },
): ConsoleResult {
  return runTool(client, 'org.apache.kafka.tools.consumer.ConsoleConsumer', [
    '--topic',
    topic,
    '--consumer.config',
    '{config}',
    '--from-beginning',
    '--max-messages',
    String(options.max),
    '--timeout-ms',
    String(options.timeoutMs ?? 20_000),
    ...(options.group ? ['--group', options.group] : []),
  ]);
}
