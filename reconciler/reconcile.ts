/**
 * One reconcile: load the manifests, observe the cluster, plan, and (when asked) apply and verify. The CLI (`plan`,
 * `apply`, `drift`) and the daemon both call reconcileOnce, so a scheduled run and a run by hand behave the same.
 */
import { setTimeout } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { ConnectionProfile } from './connection/profile';
import { createKafka } from './connection/kafka';
import { loadDesiredState, type Diagnostic } from './model/load';
import type { Change, ChangeOf, DesiredState, LiveState, Plan } from './model/schema';
import { observeCluster } from './observe/kafka';
import { plan as planChanges, plannedKindOf, type PlannedKind } from './plan/plan';
import { applyPlan, settleBatchFailures } from './apply/kafka';
import type { ChangeResult } from './apply/results';
import { adminWithScram } from './users/kafka-scram';
import { createUserStore, type UserStore, type UserStoreOptions } from './users/store';

export type { ChangeResult } from './apply/results';

export type KindMode = 'apply' | 'detect' | 'suspend';

export interface ReconcileRequest {
  /** Manifests directory. */
  dir: string;
  profile: ConnectionProfile;
  /** Per kind: apply (default), detect (changes are reported as drift, not applied) or suspend (left out). */
  modes?: Partial<Record<PlannedKind, KindMode>>;
  /** false = plan only (CLI plan/drift). */
  apply: boolean;
  /** An injected client (the daemon keeps one); else createKafka(profile). */
  kafka?: Kafka;
  /** MSK: the users store's AWS clients (tests: moto and a mock); else default clients for the cluster's region. */
  aws?: Pick<UserStoreOptions, 'secretsManager' | 'mskClient'>;
  onProgress?: (event: { step: string; message: string }) => void;
}

export type ReconcileStep = 'load' | 'connect' | 'observe' | 'plan' | 'apply' | 'verify';

export interface ReconcileOutcome {
  status: 'in-sync' | 'converged' | 'drift' | 'invalid' | 'refused' | 'failed';
  /** When invalid. */
  diagnostics: Diagnostic[];
  /** What was found before applying. */
  plan: Plan | null;
  /** What was applied. */
  results: ChangeResult[];
  /** The plan re-observed after applying (no ok change of an applied kind is left when converged). */
  remaining: Plan | null;
  error: { step: ReconcileStep; message: string } | null;
  durationMs: number;
}

class StepError extends Error {
  constructor(
    readonly step: ReconcileStep,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause));
  }
}

async function inStep<T>(step: ReconcileStep, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw error instanceof StepError ? error : new StepError(step, error);
  }
}

const KINDS: PlannedKind[] = ['topics', 'acls', 'users'];
const VERIFY_LOOKS = 4;
const VERIFY_PAUSE_MS = 500;

async function observe(admin: Admin, users: UserStore | null): Promise<LiveState> {
  const [cluster, liveUsers] = await Promise.all([observeCluster(admin), users ? users.list() : Promise.resolve(null)]);
  return { ...cluster, users: liveUsers };
}

export async function reconcileOnce(req: ReconcileRequest): Promise<ReconcileOutcome> {
  const started = Date.now();
  const mode = (kind: PlannedKind): KindMode => req.modes?.[kind] ?? 'apply';
  const kinds = Object.fromEntries(KINDS.map((kind) => [kind, mode(kind) !== 'suspend'])) as Record<
    PlannedKind,
    boolean
  >;
  const progress = (step: string, message: string): void => req.onProgress?.({ step, message });
  const outcome: ReconcileOutcome = {
    status: 'failed',
    diagnostics: [],
    plan: null,
    results: [],
    remaining: null,
    error: null,
    durationMs: 0,
  };
  const finish = (fields: Partial<ReconcileOutcome>): ReconcileOutcome =>
    Object.assign(outcome, fields, { durationMs: Date.now() - started });

  let admin: Admin | null = null;
  try {
    progress('load', `reading manifests from ${req.dir}`);
    const loaded = await inStep('load', () => loadDesiredState(req.dir));
    if (!loaded.state) return finish({ status: 'invalid', diagnostics: loaded.diagnostics });
    const desired: DesiredState = loaded.state;

    progress('connect', `connecting to ${req.profile.bootstrapServers.join(',')}`);
    const kafka = req.kafka ?? (await inStep('connect', () => createKafka(req.profile)));
    // One set of connections for the whole reconcile: the users store sends on the admin's.
    const { admin: connected, scram } = await inStep('connect', async () => adminWithScram(kafka));
    // Held before connecting: a connect that fails half-way may already have sockets open to some brokers.
    admin = connected;
    await inStep('connect', () => connected.connect());
    const users = kinds.users ? createUserStore(req.profile, kafka, { scram, ...req.aws }) : null;

    progress('observe', 'reading topics, configs, ACLs and users');
    const live = await inStep('observe', () => observe(connected, users));
    const found = await inStep('plan', async () => planChanges(desired, live, { kinds }));
    outcome.plan = found;
    progress('plan', `${found.changes.length} change(s)${found.refused ? ', plan refused' : ''}`);

    if (found.refused) {
      return finish({ status: 'refused', error: { step: 'plan', message: `plan refused: ${found.refused.reason}` } });
    }
    const toApply = (change: Change): boolean =>
      change.verdict.status === 'ok' && mode(plannedKindOf(change.kind)) === 'apply';
    if (!req.apply || !found.changes.some(toApply)) {
      return finish({ status: found.changes.length === 0 ? 'in-sync' : 'drift' });
    }

    const applicable: Plan = { refused: null, changes: found.changes.filter(toApply) };
    const userChanges = users ? { apply: (changes: ChangeOf<'user'>[]) => users.apply(changes, desired.users) } : null;
    const applied = await inStep('apply', () =>
      applyPlan(connected, applicable, userChanges, { onProgress: req.onProgress }),
    );

    progress('verify', 're-reading the cluster');
    let remaining = planChanges(desired, await inStep('verify', () => observe(connected, users)), { kinds });
    // Brokers learn new metadata (partitions, deletions) a moment after the controller commits it: look again briefly.
    const appliedIds = new Set(applied.filter((result) => result.ok).map((result) => result.change.id));
    const notYetSeen = (p: Plan): boolean => p.changes.some((change) => toApply(change) && appliedIds.has(change.id));
    for (let look = 1; look < VERIFY_LOOKS && notYetSeen(remaining); look += 1) {
      await setTimeout(VERIFY_PAUSE_MS);
      remaining = planChanges(desired, await inStep('verify', () => observe(connected, users)), { kinds });
    }
    const results = settleBatchFailures(applied, remaining);
    const failed = results.filter((result) => !result.ok);
    const unsettled = remaining.changes.filter(toApply);
    if (failed.length > 0) {
      const message = failed.map((result) => `${result.change.id}: ${result.error ?? 'failed'}`).join('; ');
      return finish({ status: 'failed', results, remaining, error: { step: 'apply', message } });
    }
    if (unsettled.length > 0) {
      const message = `after applying, the cluster still differs: ${unsettled.map((change) => change.id).join(', ')}`;
      return finish({ status: 'failed', results, remaining, error: { step: 'verify', message } });
    }
    return finish({ status: 'converged', results, remaining });
  } catch (error) {
    const step = error instanceof StepError ? error.step : 'plan';
    const message = error instanceof Error ? error.message : String(error);
    return finish({ status: 'failed', error: { step, message } });
  } finally {
    if (admin) await admin.disconnect().catch(() => undefined);
  }
}
