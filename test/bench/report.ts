/** The bench's results as markdown: pure formatting of the numbers the run collected. */
import type { MeasureResult } from './measure-protocol';

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
  converge: MeasureResult;
  /** Several no-op reconciles: their request count varies with connection set-up, not with N. */
  noops: MeasureResult[];
  change: MeasureResult;
  baseline: BaselineResult | null;
  /** How long after converge returned every read of the cluster showed everything. */
  settledMs: number;
  /** 1-minute load average when this N began: the machine is shared, and other work skews every number. */
  loadAverage: number;
}

/** Connection set-up: every new TCP connection costs these (ApiVersions only on a client's first). */
export const SETUP_APIS = ['ApiVersions', 'SaslHandshake', 'SaslAuthenticate'];

export function workRequests(result: MeasureResult): number {
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

function requestsCell(results: MeasureResult[]): string {
  return `${range(results.map((r) => r.requests.total))} (${range(results.map(workRequests))})`;
}

/** Time spent in each reconcile step, from the progress events: "load 2.3 s, connect 78 ms, …". */
export function describeSteps(result: MeasureResult): string {
  const steps = result.steps ?? [];
  return steps
    .map((step, i) => {
      const end = i + 1 < steps.length ? steps[i + 1].atMs : result.wallMs;
      const requests = (i + 1 < steps.length ? steps[i + 1].requests : result.requests.total) - step.requests;
      return `${step.step} ${seconds(end - step.atMs)} (${requests} req)`;
    })
    .join(', ');
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

function apiBreakdown(result: MeasureResult): string {
  return Object.entries(result.requests.byApi)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([api, n]) => `${api} ${n}`)
    .join(', ');
}

export function renderReport(machine: MachineInfo, sizes: SizeResult[], startedAt: Date, totalMs: number): string {
  const lines: string[] = [];
  lines.push(
    `Machine: ${machine.cpus} CPUs (${machine.cpuModel}), ${machine.memoryGiB} GiB RAM, ${machine.os}, load average ${machine.loadAverage.toFixed(2)} at start.`,
  );
  lines.push(
    `Kafka ${machine.kafkaVersion} (local two-broker KRaft cluster, SASL_PLAINTEXT SCRAM-SHA-512, StandardAuthorizer), Node ${machine.nodeVersion}, ${machine.javaVersion}.`,
  );
  lines.push(`Run: ${startedAt.toISOString()}, whole bench ${seconds(totalMs)}.`);
  lines.push('');
  lines.push('### msk-gitops');
  lines.push('');
  lines.push(
    '| ACLs | topics | validate (offline) | plan offline: no-op / from empty | converge from empty: wall | requests | CreateAcls | peak RSS | no-op reconcile: wall | requests | one-ACL change: wall | requests | load avg |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    lines.push(
      `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | ${seconds(s.offline.validateMs ?? 0)} | ${seconds(s.offline.planNoopMs ?? 0)} / ${seconds(s.offline.planFromEmptyMs ?? 0)} | ${seconds(s.converge.wallMs)} | ${requestsCell([s.converge])} | ${s.converge.requests.byApi.CreateAcls ?? 0} | ${mib(s.converge.maxRssKiB)} | ${seconds(median(s.noops.map((r) => r.wallMs)))} | ${requestsCell(s.noops)} | ${seconds(s.change.wallMs)} | ${requestsCell([s.change])} | ${s.loadAverage.toFixed(2)} |`,
    );
  }
  lines.push('');
  lines.push(
    `Requests: every request the client sent, counted at the client, including connection set-up (${SETUP_APIS.join(', ')}); in parentheses, without set-up. CreateAcls: how many CreateAcls requests the converge sent. No-op: median wall time and the range over ${sizes[0]?.noops.length ?? 0} runs. Peak RSS: the whole reconciler process (Node, tsx, kafkajs: about ${mib(sizes[0]?.converge.startRssKiB ?? 0)} before it starts). Load avg: the machine's 1-minute load average when that N began (2 CPUs; other work shares them).`,
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
  lines.push('<details><summary>Where the time goes, and requests by Kafka API</summary>');
  lines.push('');
  lines.push('| ACLs | step | wall | requests | connections | time by reconcile step | requests by API |');
  lines.push('| ---: | --- | ---: | ---: | ---: | --- | --- |');
  for (const s of sizes) {
    const rows: Array<[string, MeasureResult]> = [
      ['converge', s.converge],
      ...s.noops.map((r, i): [string, MeasureResult] => [`no-op #${i + 1}`, r]),
      ['one-ACL change', s.change],
    ];
    for (const [step, result] of rows) {
      lines.push(
        `| ${s.acls.toLocaleString('en')} | ${step} | ${seconds(result.wallMs)} | ${result.requests.total} | ${result.requests.connections} | ${describeSteps(result)} | ${apiBreakdown(result)} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `After converge returned, all brokers showed every topic and ACL after: ${sizes.map((s) => `N=${s.acls}: ${seconds(s.settledMs)}`).join(', ')}.`,
  );
  lines.push('');
  lines.push('</details>');
  return lines.join('\n');
}
