/** The bench's results as markdown: pure formatting of the numbers the run collected. */
import type { MeasureResult } from './measure-protocol';
import type { CliRun, FloorRun, StartupResult } from './processes';
import type { RequestCount } from './requests';

export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  kafkaVersion: string;
  nodeVersion: string;
  javaVersion: string;
  os: string;
  /** 1-minute load average when the bench started: other work on the machine skews every number. */
  loadAverage: number;
}

export interface BaselineResult {
  topicInvocations: number;
  aclInvocations: number;
  topicMsMean: number;
  aclMsMean: number;
  /** Every topic and ACL of N was created with the CLI (false: a sample, extrapolated). */
  complete: boolean;
  /** Measured time for what ran. */
  measuredMs: number;
  /** measuredMs when complete, else mean × count. */
  totalMs: number;
}

export interface SizeResult {
  acls: number;
  topics: number;
  offline: MeasureResult;
  /** `msk-gitops apply --auto-approve` from an empty cluster, as a process. */
  /** The median (by wall time) of `converges`. */
  converge: CliRun;
  /** `msk-gitops apply --auto-approve` from an empty cluster, every repetition. */
  converges: CliRun[];
  /** Several no-op applies: their request count varies with connection set-up, not with N. */
  noops: CliRun[];
  change: CliRun;
  /** The raw AdminClient doing the same workload: from empty, then no-ops. */
  floor: { converge: FloorRun; converges: FloorRun[]; noops: FloorRun[] };
  baseline: BaselineResult | null;
  /** How long after converge returned every read of the cluster showed everything. */
  settledMs: number;
  /** 1-minute load average when this N began: the machine is shared, and other work skews every number. */
  loadAverage: number;
}

/** The issue's bars: against the floor at 1k and 10k, peak RSS at 10k, start-up against `node -e 0`. */
export const TARGETS = {
  convergeRatio: 1.2,
  noopRatio: 1.0,
  ratioFromAcls: 1000,
  peakRssMiB: 150,
  peakRssAtAcls: 10_000,
  helpTimesNode: 3,
  validateTimesNode: 5,
} as const;

/** Connection set-up: every new TCP connection costs these (ApiVersions only on a client's first). */
export const SETUP_APIS = ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate'];

export function workRequests(result: { requests: RequestCount }): number {
  return Object.entries(result.requests.byApi)
    .filter(([api]) => !SETUP_APIS.includes(api))
    .reduce((sum, [, n]) => sum + n, 0);
}

function range(values: number[]): string {
  const min = Math.min(...values);
  const max = Math.max(...values);
  return min === max ? String(min) : `${min}–${max}`;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function requestsCell(results: CliRun[]): string {
  return `${range(results.map((r) => r.requests.total))} (${range(results.map(workRequests))})`;
}

/**
 * The issue's bar: no-op requests do not grow with N. Runs at one N already differ by a few connection set-ups (KRaft
 * names a random broker as "controller", so kafkajs sometimes opens one more connection), so the test is that the
 * largest N's range starts no higher than the smallest N's range ends.
 */
export function noopVerdict(sizes: SizeResult[]): string {
  if (sizes.length === 0) return 'no sizes ran';
  const describe = (s: SizeResult) => `N=${s.acls}: ${requestsCell(s.noops)}`;
  const all = sizes.map(describe).join('; ');
  const first = sizes[0];
  const last = sizes[sizes.length - 1];
  const totals = (s: SizeResult) => s.noops.map((r) => r.requests.total);
  // Growth would lift the whole range; overlapping ranges are the same cost give or take a connection.
  const flat = Math.min(...totals(last)) <= Math.max(...totals(first));
  return flat
    ? `OK: no-op reconcile requests do not grow with N (total (without connection set-up) — ${all}).`
    : `NOT FLAT: no-op reconcile requests grow with N (${all}).`;
}

export function seconds(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

function mib(kib: number): string {
  return `${Math.round(kib / 1024)} MiB`;
}

function ratio(baselineMs: number, oursMs: number): string {
  if (oursMs <= 0) return 'n/a';
  const r = baselineMs / oursMs;
  return `${r >= 10 ? Math.round(r) : r.toFixed(1)}×`;
}

function apiBreakdown(result: { requests: RequestCount }): string {
  return Object.entries(result.requests.byApi)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([api, n]) => `${api} ${n}`)
    .join(', ');
}

function times(value: number): string {
  return `${value.toFixed(2)}×`;
}

/** The sizes the floor targets apply to (1k and 10k in the default run). */
function ratioSizes(sizes: SizeResult[]): SizeResult[] {
  return sizes.filter((s) => s.acls >= TARGETS.ratioFromAcls);
}

export function convergeRatio(s: SizeResult): number {
  return s.converge.wallMs / s.floor.converge.wallMs;
}

export function noopRatio(s: SizeResult): number {
  return median(s.noops.map((r) => r.wallMs)) / median(s.floor.noops.map((r) => r.wallMs));
}

/** The most any msk-gitops process of this size held resident, KiB. */
function cliPeakRssKiB(s: SizeResult): number {
  return Math.max(...s.converges.map((r) => r.maxRssKiB), s.change.maxRssKiB, ...s.noops.map((r) => r.maxRssKiB));
}

/** The highest 1-minute load average any timed run of this size began at. */
export function busiestLoad(s: SizeResult): number {
  const runs: Array<{ loadAverage: number }> = [...s.converges, ...s.noops, ...s.floor.converges, ...s.floor.noops];
  return Math.max(s.loadAverage, ...runs.map((r) => r.loadAverage));
}

/**
 * Every bar of the issue, one line each: "OK …" or "FAIL …". A timing bar carries the load the runs began at; when a
 * timing bar fails on a machine busier than its CPUs, a last NOTE line says so, so a noisy run reads as one.
 */
export function targetVerdicts(sizes: SizeResult[], startup: StartupResult | null, cpus = 0): string[] {
  const lines: string[] = [];
  let timingFailed = false;
  let busiest = startup?.loadAverage ?? 0;
  const bar = (ok: boolean, text: string) => lines.push(`${ok ? 'OK' : 'FAIL'}: ${text}`);
  if (startup) {
    const help = startup.helpMs / startup.nodeMs;
    const validate = startup.validateMs / startup.nodeMs;
    bar(
      help <= TARGETS.helpTimesNode,
      `msk-gitops --help takes ${times(help)} node -e 0 (${seconds(startup.helpMs)} / ${seconds(startup.nodeMs)}; target ≤ ${TARGETS.helpTimesNode}×)`,
    );
    bar(
      validate <= TARGETS.validateTimesNode,
      `msk-gitops validate desired-state takes ${times(validate)} node -e 0 (${seconds(startup.validateMs)}; target ≤ ${TARGETS.validateTimesNode}×)`,
    );
  }
  if (startup) {
    const help = startup.helpMs / startup.nodeMs;
    const validate = startup.validateMs / startup.nodeMs;
    timingFailed ||= help > TARGETS.helpTimesNode || validate > TARGETS.validateTimesNode;
  }
  for (const s of ratioSizes(sizes)) {
    const converge = convergeRatio(s);
    const noop = noopRatio(s);
    const load = busiestLoad(s);
    busiest = Math.max(busiest, load);
    timingFailed ||= converge > TARGETS.convergeRatio || noop > TARGETS.noopRatio;
    bar(
      converge <= TARGETS.convergeRatio,
      `N=${s.acls}: converge ${seconds(s.converge.wallMs)} is ${times(converge)} the AdminClient's ${seconds(s.floor.converge.wallMs)} (medians of ${s.converges.length}; target ≤ ${TARGETS.convergeRatio}×; load average ${s.loadAverage.toFixed(2)}–${load.toFixed(2)})`,
    );
    bar(
      noop <= TARGETS.noopRatio,
      `N=${s.acls}: no-op ${seconds(median(s.noops.map((r) => r.wallMs)))} is ${times(noop)} the AdminClient's ${seconds(median(s.floor.noops.map((r) => r.wallMs)))} (medians of ${s.noops.length}; target ≤ ${TARGETS.noopRatio}×; load average ${s.loadAverage.toFixed(2)}–${load.toFixed(2)})`,
    );
  }
  for (const s of sizes.filter((size) => size.acls >= TARGETS.peakRssAtAcls)) {
    const peak = cliPeakRssKiB(s) / 1024;
    bar(
      peak <= TARGETS.peakRssMiB,
      `N=${s.acls}: peak RSS of msk-gitops ${Math.round(peak)} MiB (target ≤ ${TARGETS.peakRssMiB} MiB)`,
    );
  }
  const noopLine = noopVerdict(sizes);
  bar(noopLine.startsWith('OK'), noopLine.replace(/^(OK|NOT FLAT): /, ''));
  if (timingFailed && cpus > 0 && busiest > cpus) {
    lines.push(
      `NOTE: a timing bar failed while the machine was busy (1-minute load average up to ${busiest.toFixed(2)} on ${cpus} CPUs): the two sides of a ratio ran minutes apart under changing load. Rerun on a quiet machine before reading it as a regression; request counts and peak RSS do not depend on load.`,
    );
  }
  return lines;
}

export function renderReport(
  machine: MachineInfo,
  sizes: SizeResult[],
  startup: StartupResult | null,
  startedAt: Date,
  totalMs: number,
): string {
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.os}, load average ${machine.loadAverage.toFixed(2)} at start.`,
  );
  lines.push(
    `Kafka ${machine.kafkaVersion} (local two-broker KRaft cluster, SASL_PLAINTEXT SCRAM-SHA-512, StandardAuthorizer), Node ${machine.nodeVersion}, ${machine.javaVersion}.`,
  );
  lines.push(`Run: ${startedAt.toISOString()}, whole bench ${seconds(totalMs)}.`);
  lines.push('');
  if (startup) {
    lines.push('### CLI start-up');
    lines.push('');
    lines.push(`Medians of ${startup.runs} runs each, interleaved; load average ${startup.loadAverage.toFixed(2)}.`);
    lines.push('');
    lines.push('| command | wall | × `node -e 0` | target |');
    lines.push('| --- | ---: | ---: | ---: |');
    lines.push(`| \`node -e 0\` | ${seconds(startup.nodeMs)} | 1.00× | |`);
    lines.push(
      `| \`msk-gitops --help\` | ${seconds(startup.helpMs)} | ${times(startup.helpMs / startup.nodeMs)} | ≤ ${TARGETS.helpTimesNode}× |`,
    );
    lines.push(
      `| \`msk-gitops validate desired-state\` | ${seconds(startup.validateMs)} | ${times(startup.validateMs / startup.nodeMs)} | ≤ ${TARGETS.validateTimesNode}× |`,
    );
    lines.push('');
  }
  lines.push('### msk-gitops against the raw AdminClient');
  lines.push('');
  lines.push(
    '| ACLs | topics | converge: msk-gitops | AdminClient | ratio | no-op: msk-gitops | AdminClient | ratio | peak RSS: msk-gitops | AdminClient | load avg |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    const floorNoop = median(s.floor.noops.map((r) => r.wallMs));
    const floorRss = Math.max(...s.floor.converges.map((r) => r.maxRssKiB), ...s.floor.noops.map((r) => r.maxRssKiB));
    lines.push(
      `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | ${seconds(s.converge.wallMs)} | ${seconds(s.floor.converge.wallMs)} | ${times(convergeRatio(s))} | ${seconds(median(s.noops.map((r) => r.wallMs)))} | ${seconds(floorNoop)} | ${times(noopRatio(s))} | ${mib(cliPeakRssKiB(s))} | ${mib(floorRss)} | ${s.loadAverage.toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Both sides are whole processes, timed from spawn to exit on the same cluster in the same run: \`node bin/msk-gitops.js apply DIR --auto-approve\` (the compiled CLI, Node start included) and AdminFloor.java (the same topics and bindings with Kafka's own AdminClient: one read of topics, configs and ACLs, then one CreateTopics and CreateAcls in 1,000s; JVM start included). Converge: median of ${sizes[0]?.converges.length ?? 0} runs each, from an empty cluster; no-op: median of ${sizes[0]?.noops.length ?? 0} runs each. Targets: converge ≤ ${TARGETS.convergeRatio}×, no-op ≤ ${TARGETS.noopRatio}× from ${TARGETS.ratioFromAcls.toLocaleString('en')} ACLs; peak RSS ≤ ${TARGETS.peakRssMiB} MiB at ${TARGETS.peakRssAtAcls.toLocaleString('en')}. Load avg: the machine's 1-minute load average when that N began (2 CPUs; other work shares them).`,
  );
  lines.push('');
  lines.push('### msk-gitops');
  lines.push('');
  lines.push(
    '| ACLs | topics | validate (offline) | plan offline: no-op / from empty | converge from empty: wall | requests | CreateAcls | peak RSS | no-op apply: wall | requests | one-ACL change: wall | requests | load avg |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    lines.push(
      `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | ${seconds(s.offline.validateMs ?? 0)} | ${seconds(s.offline.planNoopMs ?? 0)} / ${seconds(s.offline.planFromEmptyMs ?? 0)} | ${seconds(s.converge.wallMs)} | ${requestsCell([s.converge])} | ${s.converge.requests.byApi.CreateAcls ?? 0} | ${mib(s.converge.maxRssKiB)} | ${seconds(median(s.noops.map((r) => r.wallMs)))} | ${requestsCell(s.noops)} | ${seconds(s.change.wallMs)} | ${requestsCell([s.change])} | ${s.loadAverage.toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Requests: every request the CLI sent, counted at the client (count-requests.js, preloaded), including connection set-up (${SETUP_APIS.join(', ')}); in parentheses, without set-up. CreateAcls: how many CreateAcls requests the converge sent. Peak RSS: the whole CLI process. validate and plan offline: in-process, after start-up.`,
  );
  lines.push('');
  lines.push('### Against the seed: one Kafka CLI invocation per topic and per ACL');
  lines.push('');
  lines.push(
    '| ACLs | topics | CLI invocations timed | per topic (TopicCommand) | per ACL (AclCommand) | CLI total | msk-gitops converge | ratio | one-ACL change: CLI / msk-gitops |',
  );
  lines.push('| ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    const b = s.baseline;
    if (!b) {
      lines.push(
        `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | skipped | | | | ${seconds(s.converge.wallMs)} | | |`,
      );
      continue;
    }
    const timed = b.complete
      ? `all ${b.topicInvocations + b.aclInvocations}`
      : `sample: ${b.topicInvocations} topics + ${b.aclInvocations} ACLs of ${s.topics + s.acls}`;
    const total = b.complete ? seconds(b.totalMs) : `≈ ${seconds(b.totalMs)} (extrapolated)`;
    lines.push(
      `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | ${timed} | ${seconds(b.topicMsMean)} | ${seconds(b.aclMsMean)} | ${total} | ${seconds(s.converge.wallMs)} | ${ratio(b.totalMs, s.converge.wallMs)} | ${seconds(b.aclMsMean)} / ${seconds(s.change.wallMs)} (${ratio(b.aclMsMean, s.change.wallMs)}) |`,
    );
  }
  lines.push('');
  lines.push('<details><summary>Every run, with requests by Kafka API</summary>');
  lines.push('');
  lines.push('| ACLs | run | wall | requests | connections | peak RSS | load avg | requests by API |');
  lines.push('| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- |');
  for (const s of sizes) {
    const rows: Array<[string, CliRun]> = [
      ...s.converges.map((r, i): [string, CliRun] => [`msk-gitops converge #${i + 1}`, r]),
      ...s.noops.map((r, i): [string, CliRun] => [`msk-gitops no-op #${i + 1}`, r]),
      ['msk-gitops one-ACL change', s.change],
    ];
    for (const [run, result] of rows) {
      lines.push(
        `| ${s.acls.toLocaleString('en')} | ${run} | ${seconds(result.wallMs)} | ${result.requests.total} | ${result.requests.connections} | ${mib(result.maxRssKiB)} | ${result.loadAverage.toFixed(2)} | ${apiBreakdown(result)} |`,
      );
    }
    const floorRows: Array<[string, FloorRun]> = [
      ...s.floor.converges.map((r, i): [string, FloorRun] => [`AdminClient converge #${i + 1}`, r]),
      ...s.floor.noops.map((r, i): [string, FloorRun] => [`AdminClient no-op #${i + 1}`, r]),
    ];
    for (const [run, result] of floorRows) {
      lines.push(
        `| ${s.acls.toLocaleString('en')} | ${run} | ${seconds(result.wallMs)} | ${result.requests} | | ${mib(result.maxRssKiB)} | ${result.loadAverage.toFixed(2)} | created ${result.createdTopics} topics, ${result.createdAcls} ACLs in ${result.createAclRequests} CreateAcls |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `After converge returned, all brokers showed every topic and ACL after: ${sizes.map((s) => `N=${s.acls}: ${seconds(s.settledMs)}`).join(', ')}. AdminClient requests: its request-total metric (set-up included).`,
  );
  lines.push('');
  lines.push('</details>');
  return lines.join('\n');
}
