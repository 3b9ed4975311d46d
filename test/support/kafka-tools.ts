/**
 * Kafka's own command-line tools (TopicCommand, ConfigCommand, AclCommand: what kafka-topics.sh, kafka-configs.sh
 * and kafka-acls.sh run), from the jars the local broker runs, as the test run's admin: the independent way to build
 * a cluster "by hand" as the seed article does, and to read back what the reconciler did.
 */
import { spawn } from 'node:child_process';
import { prepareBaselineTools, type BaselineTools } from '../bench/baseline';
import { testLibsDir } from './kafka-cli';
import { testProfile } from './kafka';

export type { BaselineTools as KafkaTools } from '../bench/baseline';

/** Each tool's main class, where 3.9 has it first: Kafka moves some of them from core (Scala) to the tools module. */
export const TOOL_CLASSES = {
  topics: ['org.apache.kafka.tools.TopicCommand'],
  configs: ['kafka.admin.ConfigCommand', 'org.apache.kafka.tools.ConfigCommand'],
  acls: ['kafka.admin.AclCommand', 'org.apache.kafka.tools.AclCommand'],
  reassign: ['org.apache.kafka.tools.reassign.ReassignPartitionsCommand', 'kafka.admin.ReassignPartitionsCommand'],
} as const;

/** The class found for each tool, so a missing one costs one JVM start per run, not one per call. */
const found = new Map<string, string>();

export function kafkaTools(): BaselineTools {
  const username = process.env.KAFKA_SASL_USERNAME;
  const password = process.env.KAFKA_SASL_PASSWORD;
  if (!username || !password) throw new Error('the Kafka tools need the run admin (KAFKA_SASL_USERNAME/PASSWORD)');
  return prepareBaselineTools({
    libsDir: testLibsDir(),
    bootstrap: testProfile().bootstrapServers[0],
    username,
    password,
  });
}

function runJava(tools: BaselineTools, mainClass: string, args: string[]) {
  return new Promise<{ status: number | null; output: string; stdout: string }>((resolve, reject) => {
    const child = spawn('java', [
      // Short-lived tools: the C1 compiler and the serial collector start fastest and cost the least CPU.
      '-XX:TieredStopAtLevel=1',
      '-XX:+UseSerialGC',
      `-Dlog4j.configuration=file:${tools.log4jConfig}`,
      '-cp',
      `${tools.libsDir}/*`,
      mainClass,
      ...args,
    ]);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, output: stdout + stderr, stdout }));
  });
}

/** Runs a tool with the run admin's client.properties; its stdout, or an error with its output. */
export async function runKafkaTool(
  tools: BaselineTools,
  tool: keyof typeof TOOL_CLASSES,
  args: string[],
): Promise<string> {
  const full = ['--bootstrap-server', tools.bootstrap, '--command-config', tools.commandConfig, ...args];
  const known = found.get(tool);
  for (const mainClass of known ? [known] : TOOL_CLASSES[tool]) {
    const result = await runJava(tools, mainClass, full);
    if (/Could not find or load main class/.test(result.output)) continue;
    found.set(tool, mainClass);
    if (result.status !== 0)
      throw new Error(`${mainClass} ${args.join(' ')} exited ${result.status}:\n${result.output.slice(-1500)}`);
    return result.stdout;
  }
  throw new Error(`none of ${TOOL_CLASSES[tool].join(', ')} is in ${tools.libsDir}`);
}

/** Runs the tasks at most `width` at a time (each is a JVM: a few at once, not dozens). */
export async function inParallel<T>(tasks: Array<() => Promise<T>>, width = 3): Promise<T[]> {
  const results: T[] = new Array<T>(tasks.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, tasks.length) }, async () => {
      while (next < tasks.length) {
        const index = next++;
        results[index] = await tasks[index]();
      }
    }),
  );
  return results;
}
