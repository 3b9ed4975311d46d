/**
 * The bench's offline measuring child, in a process of its own so its peak RSS is its own: validate
 * (loadDesiredState) and plan (plan() against a live state equal to the desired one, and against an empty cluster),
 * no Kafka. Run by the bench parent (measure-protocol.ts) with a JSON job as its only argument; prints one
 * RESULT_MARKER line. (Reconciles are timed as the CLI process a user runs: processes.ts.)
 */
import { loadDesiredState } from '../../reconciler/model/load';
import type { DesiredState, LiveState } from '../../reconciler/model/schema';
import { plan } from '../../reconciler/plan/plan';
import { RESULT_MARKER, type MeasureJob, type MeasureResult } from './measure-protocol';
import { emptyCount } from './requests';

function msSince(start: bigint): number {
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/** The live state a cluster converged to `desired` would show. */
export function liveStateOf(desired: DesiredState): LiveState {
  return {
    topics: desired.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions,
      replicationFactor: topic.replicationFactor,
      config: { ...topic.config },
    })),
    acls: desired.acls.map(({ origin: _origin, ...binding }) => binding),
    users: desired.users.map((user) => ({ name: user.name, mechanisms: [user.mechanism] })),
  };
}

async function measureOffline(job: MeasureJob, startRssKiB: number): Promise<MeasureResult> {
  const start = process.hrtime.bigint();
  const loaded = await loadDesiredState(job.dir);
  const validateMs = msSince(start);
  if (!loaded.state) {
    const first = loaded.diagnostics.slice(0, 5).map((d) => JSON.stringify(d));
    throw new Error(`the bench manifests do not validate: ${first.join('; ')}`);
  }
  const desired = loaded.state;
  const live = liveStateOf(desired);
  const planStart = process.hrtime.bigint();
  const noop = plan(desired, live);
  const planNoopMs = msSince(planStart);
  const emptyStart = process.hrtime.bigint();
  const fromEmpty = plan(desired, { topics: [], acls: [], users: [] });
  const planFromEmptyMs = msSince(emptyStart);
  if (noop.changes.length !== 0)
    throw new Error(`plan against its own live state found ${noop.changes.length} changes`);
  return {
    mode: 'offline',
    wallMs: msSince(start),
    requests: emptyCount(),
    maxRssKiB: process.resourceUsage().maxRSS,
    startRssKiB,
    validateMs,
    planNoopMs,
    planFromEmptyMs,
    planFromEmptyChanges: fromEmpty.changes.length,
    desiredTopics: desired.topics.length,
    desiredAcls: desired.acls.length,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as MeasureJob;
  const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const result = await measureOffline(job, startRssKiB);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
