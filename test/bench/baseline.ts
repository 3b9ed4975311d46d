/**
 * The baseline: what the seed does, one JVM per topic (`kafka-topics.sh --create`, i.e. TopicCommand) and one per ACL
 * binding (`kafka-acls.sh --add`, i.e. AclCommand), run from the same Kafka jars the local broker runs, against the
 * same broker, with a client.properties for SASL_PLAINTEXT SCRAM-SHA-512 as the seed's `--command-config`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BenchBinding } from './manifests';

export const TOPIC_COMMAND = 'org.apache.kafka.tools.TopicCommand';
/** kafka-acls.sh's main class: in core (Scala) up to 3.9, in the tools module from 4.0. */
export function aclCommandClass(libsDir: string): string {
  const core = readdirSync(libsDir).find((name) => /^kafka_2\.\d+-\d+\./.test(name));
  const major = core ? Number(/-(\d+)\./.exec(core)?.[1]) : 4;
  return major >= 4 ? 'org.apache.kafka.tools.AclCommand' : 'kafka.admin.AclCommand';
}

export interface BaselineTools {
  libsDir: string;
  bootstrap: string;
  commandConfig: string;
  log4jConfig: string;
}

export function prepareBaselineTools(options: {
  libsDir: string;
  bootstrap: string;
  username: string;
  password: string;
}): BaselineTools {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'msk-gitops-bench-cli-'));
  const commandConfig = path.join(dir, 'client.properties');
  writeFileSync(
    commandConfig,
    [
      'security.protocol=SASL_PLAINTEXT',
      'sasl.mechanism=SCRAM-SHA-512',
      `sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="${options.username}" password="${options.password}";`,
      '',
    ].join('\n'),
  );
  // The shell scripts pass a log4j config too; without one every JVM prints "no appenders" warnings.
  const log4jConfig = path.join(dir, 'tools-log4j.properties');
  writeFileSync(
    log4jConfig,
    'log4j.rootLogger=WARN, stderr\nlog4j.appender.stderr=org.apache.log4j.ConsoleAppender\nlog4j.appender.stderr.Target=System.err\nlog4j.appender.stderr.layout=org.apache.log4j.PatternLayout\nlog4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n\n',
  );
  return { libsDir: options.libsDir, bootstrap: options.bootstrap, commandConfig, log4jConfig };
}

function runTool(tools: BaselineTools, mainClass: string, args: string[]): number {
  const started = process.hrtime.bigint();
  const result = spawnSync(
    'java',
    [`-Dlog4j.configuration=file:${tools.log4jConfig}`, '-cp', `${tools.libsDir}/*`, mainClass, ...args],
    { encoding: 'utf8' },
  );
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw new Error(`could not run java for ${mainClass}: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(
      `${mainClass} ${args.join(' ')} exited ${result.status}:\n${(result.stdout + result.stderr).slice(-1500)}`,
    );
  }
  return ms;
}

export function createTopicWithCli(
  tools: BaselineTools,
  topic: { name: string; partitions: number; replicationFactor: number; config: Record<string, string> },
): number {
  const configs = Object.entries(topic.config).flatMap(([key, value]) => ['--config', `${key}=${value}`]);
  return runTool(tools, TOPIC_COMMAND, [
    '--bootstrap-server',
    tools.bootstrap,
    '--command-config',
    tools.commandConfig,
    '--create',
    '--topic',
    topic.name,
    '--partitions',
    String(topic.partitions),
    '--replication-factor',
    String(topic.replicationFactor),
    ...configs,
  ]);
}

export function aclCommandArgs(tools: BaselineTools, binding: BenchBinding): string[] {
  const resource =
    binding.resourceType === 'cluster'
      ? ['--cluster']
      : binding.resourceType === 'transactionalId'
        ? ['--transactional-id', binding.resourceName]
        : [`--${binding.resourceType}`, binding.resourceName];
  return [
    '--bootstrap-server',
    tools.bootstrap,
    '--command-config',
    tools.commandConfig,
    '--add',
    '--allow-principal',
    binding.principal,
    '--operation',
    binding.operation,
    ...resource,
  ];
}

export function addAclWithCli(tools: BaselineTools, binding: BenchBinding): number {
  return runTool(tools, aclCommandClass(tools.libsDir), aclCommandArgs(tools, binding));
}
