/**
 * The bench's measuring child: one measurement per process, so its peak RSS is its own. Run by the bench parent
 * (measure-protocol.ts) with a JSON job as its only argument; prints one RESULT_MARKER line.
 *
 * - offline: validate (loadDesiredState) and plan (plan() against a live state equal to the desired one, and against
 *   an empty cluster), no Kafka;
 * - reconcile: reconcileOnce with apply, through a Kafka client whose every request is counted.
 */
import { kafkaConfigFor } from '../../reconciler/connection/kafka';
import { ConnectionProfileSchema } from '../../reconciler/connection/profile';
import { loadDesiredState } from '../../reconciler/model/load';
import type { DesiredState, LiveState } from '../../reconciler/model/schema';
import { plan } from '../../reconciler/plan/plan';
import { reconcileOnce } from '../../reconciler/reconcile';
import { RESULT_MARKER, type MeasureJob, type MeasureResult } from './measure-protocol';
import { countingKafka, emptyCount } from './requests';

const PASSWORD_ENV = 'MSK_GITOPS_BENCH_PASSWORD';

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

async function measureOffline(
  job: Extract<MeasureJob, { mode: 'offline' }>,
  startRssKiB: number,
): Promise<MeasureResult> {
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

async function measureReconcile(
  job: Extract<MeasureJob, { mode: 'reconcile' }>,
  startRssKiB: number,
): Promise<MeasureResult> {
  const profile = ConnectionProfileSchema.parse({
    bootstrapServers: job.bootstrap,
    auth: 'scram',
    clientId: 'msk-gitops-bench',
    scram: { mechanism: 'SCRAM-SHA-512', username: job.username, password: { env: PASSWORD_ENV } },
  });
  const { kafka, count } = countingKafka(await kafkaConfigFor(profile));
  const steps: Array<{ step: string; atMs: number; requests: number }> = [];
  const start = process.hrtime.bigint();
  const onProgress = (event: { step: string }) =>
    steps.push({ step: event.step, atMs: Math.round(msSince(start)), requests: count.total });
  const outcome = await reconcileOnce({ dir: job.dir, profile, apply: true, kafka, onProgress });
  const wallMs = msSince(start);
  const okChanges: Record<string, number> = {};
  for (const change of outcome.plan?.changes ?? []) {
    if (change.verdict.status !== 'ok') continue;
    const key = `${change.action} ${change.kind}`;
    okChanges[key] = (okChanges[key] ?? 0) + 1;
  }
  if (outcome.status !== 'converged' && outcome.status !== 'in-sync') {
    const why = outcome.error
      ? `${outcome.error.step}: ${outcome.error.message}`
      : JSON.stringify(outcome.diagnostics.slice(0, 3));
    throw new Error(`reconcile ended ${outcome.status}: ${why.slice(0, 2000)}`);
  }
  return {
    mode: 'reconcile',
    wallMs,
    requests: count,
    maxRssKiB: process.resourceUsage().maxRSS,
    startRssKiB,
    status: outcome.status,
    steps,
    okChanges,
    totalChanges: outcome.plan?.changes.length ?? 0,
  };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as MeasureJob;
  const startRssKiB = Math.round(process.memoryUsage().rss / 1024);
  const result =
    job.mode === 'offline' ? await measureOffline(job, startRssKiB) : await measureReconcile(job, startRssKiB);
  process.stdout.write(`${RESULT_MARKER}${JSON.stringify(result)}\n`);
}

main().catch((error: Error) => {
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
});
