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
  noop: MeasureResult;
  change: MeasureResult;
  baseline: BaselineResult | null;
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
    '| ACLs | topics | validate (offline) | plan offline: no-op / from empty | converge from empty: wall | requests | peak RSS | no-op reconcile: wall | requests | one-ACL change: wall | requests |',
  );
  lines.push('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const s of sizes) {
    lines.push(
      `| ${s.acls.toLocaleString('en')} | ${s.topics.toLocaleString('en')} | ${seconds(s.offline.validateMs ?? 0)} | ${seconds(s.offline.planNoopMs ?? 0)} / ${seconds(s.offline.planFromEmptyMs ?? 0)} | ${seconds(s.converge.wallMs)} | ${s.converge.requests.total} | ${mib(s.converge.maxRssKiB)} | ${seconds(s.noop.wallMs)} | ${s.noop.requests.total} | ${seconds(s.change.wallMs)} | ${s.change.requests.total} |`,
    );
  }
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
  lines.push('<details><summary>Requests by Kafka API (client-side count, every request of the run)</summary>');
  lines.push('');
  lines.push('| ACLs | step | requests | connections | by API |');
  lines.push('| ---: | --- | ---: | ---: | --- |');
  for (const s of sizes) {
    for (const [step, result] of [
      ['converge', s.converge],
      ['no-op', s.noop],
      ['one-ACL change', s.change],
    ] as const) {
      lines.push(
        `| ${s.acls.toLocaleString('en')} | ${step} | ${result.requests.total} | ${result.requests.connections} | ${apiBreakdown(result)} |`,
      );
    }
  }
  lines.push('');
  lines.push('</details>');
  return lines.join('\n');
}
