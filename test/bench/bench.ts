/**
 * `npm run bench`: what converging costs at scale, against the floor (Kafka's own AdminClient) and against the seed's
 * one-command-per-ACL way; and what the CLI's start-up costs against `node -e 0`.
 *
 * It first times start-up: `node -e 0`, `msk-gitops --help`, `msk-gitops validate desired-state` (the compiled CLI,
 * npm run build; `prebench` builds it). Then for N ACL bindings (and N/10 topics), on a real local Kafka: validate and
 * plan offline; `msk-gitops apply --auto-approve` as a process from empty, as no-ops and for a one-ACL change (wall
 * time with Node start, Kafka requests counted in the process, peak RSS); the same workload with the raw AdminClient
 * (AdminFloor.java, compiled with javac against the broker's jars; JVM start included) from empty and as no-ops; then
 * Kafka's own TopicCommand/AclCommand, one JVM per topic and per ACL. Every converge is verified on the cluster
 * binding for binding. It cleans its `bench-` topics and `User:bench-` ACLs between runs, prints markdown (also
 * written to test/bench/results.md) and exits 1 when a bar of the issue is missed (see TARGETS in report.ts), or when
 * no-op requests grow with N.
 *
 * Environment: MSK_GITOPS_BENCH_PORT (port base of the local cluster, default 19892), MSK_GITOPS_BENCH_SIZES
 * (default "100,1000,10000"), MSK_GITOPS_BENCH_SAMPLE (seed-way invocations timed per kind when N is too large to
 * run them all, default 20; 0 skips the seed's way), MSK_GITOPS_BENCH_FULL (run every seed-way invocation when there
 * are at most this many, default 110), MSK_GITOPS_BENCH_RF (replication factor of the bench topics, default 2),
 * MSK_GITOPS_BENCH_NOOPS (no-op runs per size and tool, default 3), MSK_GITOPS_BENCH_REPEAT (converges from empty per
 * size and tool, the median reported, default 3), MSK_GITOPS_BENCH_STARTUP_RUNS (start-up runs per command, default
 * 11).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kafka, type Admin, type KafkaConfig } from 'kafkajs';
import { LOCAL_ADMIN, adminConfig, startLocalCluster, stopLocalCluster } from '../../reconciler/localkafka/broker';
import { addAclWithCli, createTopicWithCli, prepareBaselineTools } from './baseline';
import { benchFootprint, cleanBench } from './cluster';
import {
  ACLS_PER_TOPIC,
  benchBindings,
  benchManifestFiles,
  extraAclFile,
  topicName,
  writeManifests,
} from './manifests';
import { runMeasurement } from './measure-protocol';
import {
  cliConnectionArgs,
  compileFloor,
  measureStartup,
  runCli,
  runFloor,
  writeFloorWorkload,
  type CliRun,
  type FloorRun,
} from './processes';
import {
  renderReport,
  seconds,
  targetVerdicts,
  type BaselineResult,
  type MachineInfo,
  type SizeResult,
} from './report';
import { countingKafka } from './requests';

const DEFAULT_BENCH_PORT = 19892;
const PASSWORD_ENV = 'MSK_GITOPS_BENCH_PASSWORD';

function intFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) throw new Error(`${name} must be a non-negative integer, got "${raw}"`);
  return value;
}

function sizesFromEnv(): number[] {
  const raw = process.env.MSK_GITOPS_BENCH_SIZES ?? '100,1000,10000';
  return raw.split(',').map((part) => {
    const n = Number(part.trim());
    if (!Number.isInteger(n) || n <= 0 || n % ACLS_PER_TOPIC !== 0) {
      throw new Error(`MSK_GITOPS_BENCH_SIZES: "${part}" is not a positive multiple of ${ACLS_PER_TOPIC}`);
    }
    return n;
  });
}

function machineInfo(kafkaVersion: string): MachineInfo {
  let cpuModel = os.cpus()[0]?.model ?? 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) cpuModel = line.split(':')[1].trim();
  } catch {
    // not Linux: os.cpus() has it
  }
  const java = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const javaVersion = (java.stderr || java.stdout || 'java unknown').split('\n')[0].replace(/"/g, '').trim();
  return {
    cpus: os.cpus().length,
    cpuModel,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    kafkaVersion,
    nodeVersion: process.version,
    javaVersion,
    os: `${os.type()} ${os.release()}`,
    loadAverage: os.loadavg()[0],
  };
}

/** The run with the median wall time (of an odd count; the upper middle of an even one). */
function medianRun<T extends { wallMs: number }>(runs: T[]): T {
  return [...runs].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(runs.length / 2)];
}

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

/**
 * The request counter must see every request: on a tiny known case (connect, list topics) the count from kafkajs'
 * DEBUG "Request" lines must equal the admin's own instrumentation events, or the bench's numbers mean nothing.
 */
async function checkRequestCounting(config: KafkaConfig): Promise<number> {
  const { kafka, count } = countingKafka(config);
  const admin = kafka.admin();
  let events = 0;
  admin.on(admin.events.REQUEST, () => (events += 1));
  await admin.connect();
  await admin.listTopics();
  await admin.disconnect();
  if (count.total !== events || count.total === 0) {
    throw new Error(`request counting is off: ${count.total} counted from logs, ${events} instrumentation events`);
  }
  return count.total;
}

function summarize(label: string, result: CliRun): string {
  const apis = Object.entries(result.requests.byApi)
    .map(([api, n]) => `${api} ${n}`)
    .join(', ');
  return `${label}: ${seconds(result.wallMs)}, ${result.requests.total} requests, peak RSS ${Math.round(result.maxRssKiB / 1024)} MiB, load ${result.loadAverage.toFixed(2)}\n      requests: ${apis}`;
}

function summarizeFloor(label: string, result: FloorRun): string {
  return `${label}: ${seconds(result.wallMs)}, ${result.requests} requests, peak RSS ${Math.round(result.maxRssKiB / 1024)} MiB, created ${result.createdTopics} topics and ${result.createdAcls} ACLs, load ${result.loadAverage.toFixed(2)}`;
}

/**
 * Waits until the cluster shows exactly the expected bench topics and ACLs on several reads in a row. A KRaft broker
 * applies metadata in order, so one still creating a thousand partition logs shows new ACLs seconds after the
 * controller committed them, and kafkajs sends each DescribeAcls to a random broker: one good read proves little.
 * Returns how long after the call the cluster agreed.
 */
async function awaitFootprint(admin: Admin, topics: number, acls: number, step: string): Promise<number> {
  const started = Date.now();
  const deadline = started + 120_000;
  let agreeing = 0;
  for (;;) {
    const footprint = await benchFootprint(admin);
    const ok = footprint.topics.length === topics && footprint.aclPrincipals.length === acls;
    agreeing = ok ? agreeing + 1 : 0;
    if (agreeing >= 3) return Date.now() - started;
    if (Date.now() > deadline) {
      throw new Error(
        `${step}: expected ${topics} bench topics and ${acls} bench ACLs on the cluster, found ${footprint.topics.length} and ${footprint.aclPrincipals.length} after 120 s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ok ? 100 : 500));
  }
}

function runBaseline(
  tools: ReturnType<typeof prepareBaselineTools>,
  acls: number,
  replicationFactor: number,
  sample: number,
  fullLimit: number,
): BaselineResult {
  const topicCount = acls / ACLS_PER_TOPIC;
  const complete = topicCount + acls <= fullLimit;
  const topicRuns = complete ? topicCount : Math.min(topicCount, sample);
  const bindings = benchBindings(acls);
  const aclRuns = complete ? acls : Math.min(acls, sample);
  let topicMs = 0;
  for (let j = 0; j < topicRuns; j++) {
    topicMs += createTopicWithCli(tools, {
      name: topicName(j),
      partitions: 1,
      replicationFactor,
      config: { 'retention.ms': '604800000' },
    });
  }
  let aclMs = 0;
  // A sample spreads over the whole list and, by the offset, over the ten kinds of binding of a topic (topic, group,
  // cluster), so it is not ten times the producer's Write.
  const step = acls / aclRuns;
  for (let i = 0; i < aclRuns; i++) {
    const index = Math.min(acls - 1, Math.floor(i * step) + (complete ? 0 : i % ACLS_PER_TOPIC));
    aclMs += addAclWithCli(tools, bindings[index]);
  }
  const topicMsMean = topicRuns ? topicMs / topicRuns : 0;
  const aclMsMean = aclRuns ? aclMs / aclRuns : 0;
  const measuredMs = topicMs + aclMs;
  return {
    topicInvocations: topicRuns,
    aclInvocations: aclRuns,
    topicMsMean,
    aclMsMean,
    complete,
    measuredMs,
    totalMs: complete ? measuredMs : topicMsMean * topicCount + aclMsMean * acls,
  };
}

async function main(): Promise<void> {
  const startedAt = new Date();
  const started = process.hrtime.bigint();
  const portBase = intFromEnv('MSK_GITOPS_BENCH_PORT', DEFAULT_BENCH_PORT);
  const sizes = sizesFromEnv();
  const sample = intFromEnv('MSK_GITOPS_BENCH_SAMPLE', 20);
  const fullLimit = intFromEnv('MSK_GITOPS_BENCH_FULL', 110);
  const noopRuns = Math.max(1, intFromEnv('MSK_GITOPS_BENCH_NOOPS', 3));
  const repeats = Math.max(1, intFromEnv('MSK_GITOPS_BENCH_REPEAT', 3));
  const startupRuns = Math.max(1, intFromEnv('MSK_GITOPS_BENCH_STARTUP_RUNS', 11));
  const replicationFactor = Math.max(1, intFromEnv('MSK_GITOPS_BENCH_RF', 2));
  log(`start-up: node -e 0, msk-gitops --help, msk-gitops validate desired-state (${startupRuns} runs each)`);
  const startup = measureStartup(startupRuns);
  log(
    `  node -e 0 ${seconds(startup.nodeMs)}, --help ${seconds(startup.helpMs)}, validate ${seconds(startup.validateMs)} (load ${startup.loadAverage.toFixed(2)})`,
  );

  const { layout, started: startedCluster } = await startLocalCluster({ portBase, log });
  const machine = machineInfo(layout.kafkaVersion);
  const brokers = layout.scramBootstrap;
  const childEnv = { ...process.env, [PASSWORD_ENV]: LOCAL_ADMIN.password, NO_COLOR: '1' };
  const connection = cliConnectionArgs(brokers, LOCAL_ADMIN.username, PASSWORD_ENV);
  const apply = (dir: string) => runCli(['apply', dir, '--auto-approve', ...connection], childEnv);
  const floorConnection = { bootstrap: brokers, username: LOCAL_ADMIN.username, password: LOCAL_ADMIN.password };
  const admin = new Kafka(adminConfig(layout)).admin();
  const results: SizeResult[] = [];
  try {
    await admin.connect();
    log(`request counting checked: connect + listTopics = ${await checkRequestCounting(adminConfig(layout))} requests`);
    const tools = prepareBaselineTools({
      libsDir: layout.libsDir,
      bootstrap: brokers.join(','),
      username: LOCAL_ADMIN.username,
      password: LOCAL_ADMIN.password,
    });
    const floor = compileFloor(layout.libsDir, tools.log4jConfig);
    for (const acls of sizes) {
      const topics = acls / ACLS_PER_TOPIC;
      const loadAverage = os.loadavg()[0];
      log(`N = ${acls} ACLs, ${topics} topics (RF ${replicationFactor}), load average ${loadAverage.toFixed(2)}`);
      const dir = writeManifests(benchManifestFiles({ acls, replicationFactor }));
      try {
        await cleanBench(admin);
        const offline = await runMeasurement({ mode: 'offline', dir }, childEnv);
        log(
          `  offline: validate ${seconds(offline.validateMs ?? 0)}, plan no-op ${seconds(offline.planNoopMs ?? 0)}, plan from empty ${seconds(offline.planFromEmptyMs ?? 0)} (${offline.planFromEmptyChanges} changes)`,
        );
        if (offline.desiredAcls !== acls || offline.desiredTopics !== topics) {
          throw new Error(
            `the loader read ${offline.desiredTopics} topics and ${offline.desiredAcls} ACLs, expected ${topics} and ${acls}`,
          );
        }
        const converges: CliRun[] = [];
        let settledMs = 0;
        for (let i = 0; i < repeats; i++) {
          if (i > 0) await cleanBench(admin);
          const run = apply(dir);
          log(`  ${summarize(`msk-gitops converge from empty #${i + 1}`, run)}`);
          converges.push(run);
          settledMs = Math.max(settledMs, await awaitFootprint(admin, topics, acls, 'converge from empty'));
        }
        const converge = medianRun(converges);
        log(
          `  every broker showed all ${topics} topics and ${acls} ACLs at most ${seconds(settledMs)} after a converge returned`,
        );
        const noops: CliRun[] = [];
        for (let i = 0; i < noopRuns; i++) {
          const noop = apply(dir);
          log(`  ${summarize(`msk-gitops no-op #${i + 1}`, noop)}`);
          noops.push(noop);
        }
        writeFileSync(path.join(dir, 'teams', 'extra.yaml'), extraAclFile(topics));
        const change = apply(dir);
        log(`  ${summarize('msk-gitops one-ACL change', change)}`);
        await awaitFootprint(admin, topics, acls + 1, 'one-ACL change');
        await cleanBench(admin);

        const workload = writeFloorWorkload(acls, replicationFactor, dir);
        const floorConverges: FloorRun[] = [];
        for (let i = 0; i < repeats; i++) {
          if (i > 0) await cleanBench(admin);
          const run = runFloor(floor, workload, floorConnection);
          log(`  ${summarizeFloor(`AdminClient converge from empty #${i + 1}`, run)}`);
          if (run.createdTopics !== topics || run.createdAcls !== acls)
            throw new Error(`the AdminClient floor created ${run.createdTopics} topics, ${run.createdAcls} ACLs`);
          floorConverges.push(run);
          await awaitFootprint(admin, topics, acls, 'AdminClient converge');
        }
        const floorConverge = medianRun(floorConverges);
        const floorNoops: FloorRun[] = [];
        for (let i = 0; i < noopRuns; i++) {
          const noop = runFloor(floor, workload, floorConnection);
          log(`  ${summarizeFloor(`AdminClient no-op #${i + 1}`, noop)}`);
          if (noop.createdTopics + noop.createdAcls !== 0) throw new Error('an AdminClient no-op created something');
          floorNoops.push(noop);
        }
        await cleanBench(admin);

        let baseline: BaselineResult | null = null;
        if (sample > 0) {
          log(
            `  baseline: Kafka CLI, one JVM per topic and per ACL (${topics + acls <= fullLimit ? 'all' : `sample of ${sample} each`})`,
          );
          baseline = runBaseline(tools, acls, replicationFactor, sample, fullLimit);
          log(
            `  baseline: ${seconds(baseline.topicMsMean)} per topic, ${seconds(baseline.aclMsMean)} per ACL, total ${baseline.complete ? '' : '≈ '}${seconds(baseline.totalMs)}`,
          );
          await cleanBench(admin);
        }
        results.push({
          acls,
          topics,
          offline,
          converge,
          converges,
          noops,
          change,
          floor: { converge: floorConverge, converges: floorConverges, noops: floorNoops },
          baseline,
          settledMs,
          loadAverage,
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  } finally {
    await cleanBench(admin).catch((error: Error) => log(`cleanup failed: ${error.message}`));
    await admin.disconnect();
    if (startedCluster) {
      log('stopping the local Kafka the bench started');
      await stopLocalCluster({ portBase });
    }
  }

  const totalMs = Number(process.hrtime.bigint() - started) / 1e6;
  const report = renderReport(machine, results, startup, startedAt, totalMs);
  const verdicts = targetVerdicts(results, startup, machine.cpus);
  const text = `${report}\n\n${verdicts.join('\n')}\n`;
  writeFileSync(path.join(__dirname, 'results.md'), text);
  process.stdout.write(`\n${text}`);
  if (verdicts.some((line) => !line.startsWith('OK'))) process.exitCode = 1;
}

main().catch((error: Error) => {
  process.stderr.write(`bench failed: ${error.message}\n`);
  process.exitCode = 1;
});
