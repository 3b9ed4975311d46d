/**
 * What the bench times as whole processes, start-up included, the way a person or a pipeline runs them:
 *
 * - the msk-gitops CLI as installed (`node bin/msk-gitops.js`, the compiled dist/), with count-requests.js preloaded
 *   to count its Kafka requests and report its peak RSS;
 * - the floor: AdminFloor.java, compiled here with javac against the local broker's own Kafka jars, doing the same
 *   workload with the raw AdminClient (JVM start included);
 * - start-up alone: `node -e 0`, `msk-gitops --help` and `msk-gitops validate desired-state`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ACLS_PER_TOPIC, benchBindings, topicName } from './manifests';
import type { RequestCount } from './requests';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'bin', 'msk-gitops.js');
const COUNTER = path.join(__dirname, 'count-requests.js');

export interface ProcessRun {
  /** From spawn to exit: start-up, work and shutdown. */
  wallMs: number;
  maxRssKiB: number;
  /** The machine's 1-minute load average when the run began. */
  loadAverage: number;
}

export interface CliRun extends ProcessRun {
  requests: RequestCount;
  exitCode: number;
}

export interface FloorRun extends ProcessRun {
  createdTopics: number;
  createdAcls: number;
  createAclRequests: number;
  /** The AdminClient's own request-total metric. */
  requests: number;
}

function timed(command: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT) {
  const loadAverage = os.loadavg()[0];
  const started = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  if (result.error) throw new Error(`could not run ${command}: ${result.error.message}`);
  return { result, wallMs, loadAverage };
}

/** The connection flags of a user who names the local cluster's SCRAM listener and reads the password from env. */
export function cliConnectionArgs(bootstrap: string[], username: string, passwordEnv: string): string[] {
  return [
    '--bootstrap-servers',
    bootstrap.join(','),
    '--auth',
    'scram',
    '--no-tls',
    '--scram-mechanism',
    'SCRAM-SHA-512',
    '--scram-username',
    username,
    '--scram-password-env',
    passwordEnv,
  ];
}

/** `msk-gitops <args>` as a process; `expectCodes` are the exit codes that mean it did its job. */
export function runCli(args: string[], env: NodeJS.ProcessEnv, expectCodes: number[] = [0]): CliRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'msk-gitops-bench-cli-'));
  const statsFile = path.join(dir, 'stats.json');
  try {
    const { result, wallMs, loadAverage } = timed(process.execPath, ['--require', COUNTER, CLI, ...args], {
      ...env,
      MSK_GITOPS_BENCH_STATS: statsFile,
    });
    const exitCode = result.status ?? -1;
    if (!expectCodes.includes(exitCode)) {
      // stderr's head says what failed (the plan on stdout can list thousands of changes), stdout's tail how it ended.
      const output = `${result.stderr}\n${result.stdout}`;
      const shown = output.length > 4000 ? `${output.slice(0, 2000)}\n…\n${output.slice(-2000)}` : output;
      throw new Error(`msk-gitops ${args[0]} exited ${exitCode}:\n${shown}`);
    }
    const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as { requests: RequestCount; maxRssKiB: number };
    return { wallMs, loadAverage, exitCode, requests: stats.requests, maxRssKiB: stats.maxRssKiB };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export interface FloorTool {
  classesDir: string;
  libsDir: string;
  log4jConfig: string;
}

/** Compiles AdminFloor.java against the broker's jars (javac, once per bench). */
export function compileFloor(libsDir: string, log4jConfig: string): FloorTool {
  const classesDir = mkdtempSync(path.join(os.tmpdir(), 'msk-gitops-bench-floor-'));
  const result = spawnSync(
    'javac',
    ['-cp', `${libsDir}/*`, '-d', classesDir, path.join(__dirname, 'AdminFloor.java')],
    { encoding: 'utf8' },
  );
  if (result.error) throw new Error(`could not run javac (a JDK is needed for the floor): ${result.error.message}`);
  if (result.status !== 0) throw new Error(`javac AdminFloor.java failed:\n${result.stdout}${result.stderr}`);
  return { classesDir, libsDir, log4jConfig };
}

/** The AdminClient's spelling of an operation: IdempotentWrite → IDEMPOTENT_WRITE. */
function javaEnumName(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** The bench's workload for the floor: the same topics and bindings the manifests declare, one per line. */
export function writeFloorWorkload(acls: number, replicationFactor: number, dir: string): string {
  const lines: string[] = [];
  for (let j = 0; j < acls / ACLS_PER_TOPIC; j++) {
    lines.push(['topic', topicName(j), '1', String(replicationFactor), 'retention.ms=604800000'].join('\t'));
  }
  for (const binding of benchBindings(acls)) {
    const type = javaEnumName(binding.resourceType);
    lines.push(['acl', binding.principal, type, binding.resourceName, javaEnumName(binding.operation)].join('\t'));
  }
  const file = path.join(dir, 'floor-workload.tsv');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return file;
}

export function runFloor(
  tool: FloorTool,
  workload: string,
  connection: { bootstrap: string[]; username: string; password: string },
): FloorRun {
  const { result, wallMs, loadAverage } = timed(
    'java',
    [
      `-Dlog4j.configuration=file:${tool.log4jConfig}`,
      '-cp',
      `${tool.classesDir}:${tool.libsDir}/*`,
      'AdminFloor',
      workload,
    ],
    {
      ...process.env,
      MSK_GITOPS_BENCH_BOOTSTRAP: connection.bootstrap.join(','),
      MSK_GITOPS_BENCH_USERNAME: connection.username,
      MSK_GITOPS_BENCH_PASSWORD: connection.password,
    },
  );
  const line = result.stdout.split('\n').find((l) => l.startsWith('FLOOR_RESULT '));
  if (result.status !== 0 || !line) {
    throw new Error(`AdminFloor exited ${result.status}:\n${(result.stdout + result.stderr).slice(-3000)}`);
  }
  const parsed = JSON.parse(line.slice('FLOOR_RESULT '.length)) as Omit<
    FloorRun,
    'wallMs' | 'loadAverage' | 'maxRssKiB'
  > & {
    peakRssKiB: number;
  };
  return {
    wallMs,
    loadAverage,
    maxRssKiB: parsed.peakRssKiB,
    createdTopics: parsed.createdTopics,
    createdAcls: parsed.createdAcls,
    createAclRequests: parsed.createAclRequests,
    requests: parsed.requests,
  };
}

export interface StartupResult {
  runs: number;
  /** Medians, ms. */
  nodeMs: number;
  helpMs: number;
  validateMs: number;
  loadAverage: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * Start-up against the floor of any Node program: `node -e 0`, `msk-gitops --help` and `msk-gitops validate
 * desired-state`, interleaved so a burst of load on the shared machine hits all three alike; medians of `runs`.
 */
export function measureStartup(runs: number): StartupResult {
  const node: number[] = [];
  const help: number[] = [];
  const validate: number[] = [];
  const loadAverage = os.loadavg()[0];
  const env = { ...process.env, NO_COLOR: '1' };
  const check = (what: string, r: ReturnType<typeof timed>) => {
    if (r.result.status !== 0)
      throw new Error(`${what} exited ${r.result.status}:\n${r.result.stdout}${r.result.stderr}`);
    return r.wallMs;
  };
  for (let i = 0; i < runs; i++) {
    node.push(check('node -e 0', timed(process.execPath, ['-e', '0'], env)));
    help.push(check('msk-gitops --help', timed(process.execPath, [CLI, '--help'], env)));
    validate.push(check('msk-gitops validate', timed(process.execPath, [CLI, 'validate', 'desired-state'], env)));
  }
  return { runs, nodeMs: median(node), helpMs: median(help), validateMs: median(validate), loadAverage };
}
