/**
 * One reconcile: load the manifests, observe the cluster once, plan, and (when asked) apply that plan and verify.
 * `planReconcile` stops after the plan with the connection still open, so the CLI can show the plan, ask, and apply
 * the very plan it showed (or a saved one, after proving the cluster did not move); `reconcileOnce` is the same path
 * without a pause, for the daemon. The cluster is read again only to verify, and a verification waits (bounded by
 * time, with backoff) until every broker shows what was written.
 */
import { setTimeout } from 'node:timers/promises';
import type { Admin, Kafka } from 'kafkajs';
import type { ConnectionProfile } from './connection/profile';
import { createKafka } from './connection/kafka';
import { displayPrefixOf, loadDesiredState, withOriginsUnder } from './model/load';
import type { Change, ChangeOf, DesiredState, KindMode, LiveState, Plan } from './model/schema';
import { brokerReads } from './observe/brokers';
import { observeCluster, type ClusterReads } from './observe/kafka';
import { liveFingerprints, type Fingerprints } from './plan/fingerprint';
import { plan as planChanges, plannedKindOf, type PlannedKind } from './plan/plan';
import { applyPlan, settleBatchFailures } from './apply/kafka';
import { KafkaQuotasAdmin } from './users/kafka-quotas';
import { adminWithScram } from './users/kafka-scram';
import { createUserStore, type UserStore, type UserStoreOptions } from './users/store';
import { StepError, errorMessage } from './shared/errors';

export type { ChangeResult } from './apply/results';

export type { KindMode };

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
  /**
   * The manifests directory as the user typed it: manifest positions (diagnostics and origins) are then shown under
   * it, as `validate` shows them. Default: relative to the manifests root.
   */
  displayDir?: string;
  /** How long the verification waits for every broker to show what was written, ms (default VERIFY_WAIT_MS). */
  verifyWaitMs?: number;
  /**
   * The command's environment: password references (the connection's and the users') resolve here, never in
   * process.env behind the caller's back (default process.env).
   */
  env?: NodeJS.ProcessEnv;
  /** Where relative paths of the users store (generated passwords) resolve (default process.cwd()). */
  cwd?: string;
  /** The environment to build (shared manifests + environments/NAME.yaml); undefined: the shared manifests. */
  environment?: string;
  /** The setting that named it, for the message when it does not exist (`--env`, `environment`). */
  environmentSetting?: string;
  /** The controller's environment is only a label when the tree declares no environments. */
  environmentMayBeLabel?: boolean;
}

import type { ReconcileOutcome, ReconcileStep } from './apply/outcome';
export type { ReconcileOutcome, ReconcileStep };

/** What a plan was computed from (see model PlanDocumentSchema): set once the cluster was observed. */
export interface PlanInputs {
  manifestsDigest: string;
  clusterId: string | null;
}

/** A reconcile stopped after its plan, connection open: apply a plan (once) or close. */
export interface PlannedReconcile {
  /** in-sync, drift or refused (with the plan), invalid or failed (without). */
  outcome: ReconcileOutcome;
  inputs: PlanInputs | null;
  /** The fingerprints of the live resources `plan` reads or touches, from the one observation. */
  fingerprints(plan: Plan): Fingerprints;
  /** Applies the ok changes of `plan` (of the kinds in apply mode), verifies, and closes. */
  apply(plan: Plan): Promise<ReconcileOutcome>;
  close(): Promise<void>;
}

async function inStep<T>(step: ReconcileStep, action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    throw error instanceof StepError ? error : new StepError(step, error);
  }
}

const KINDS: PlannedKind[] = ['topics', 'acls', 'users', 'quotas'];
/** Tens of seconds: a loaded controller can take seconds to hand a large deletion to every broker. */
export const VERIFY_WAIT_MS = 30_000;
const VERIFY_FIRST_PAUSE_MS = 100;
const VERIFY_MAX_PAUSE_MS = 2_000;

/** Where client quotas are read from: one DescribeClientQuotas for every entity (KafkaQuotasAdmin). */
export interface QuotaReads {
  describe(): Promise<LiveState['quotas']>;
}

/**
 * The live state in a constant number of requests: the cluster's topics, configs and ACLs, the store's users, and
 * (one DescribeClientQuotas) every client quota.
 */
export async function observeLive(
  admin: ClusterReads,
  users: UserStore | null,
  quotas: QuotaReads | null = null,
): Promise<LiveState> {
  // Every read settles before a failure is thrown: none is left in flight when the caller disconnects.
  const [cluster, liveUsers, liveQuotas] = await settled([
    observeCluster(admin),
    users ? users.list() : Promise.resolve(null),
    quotas ? quotas.describe() : Promise.resolve(null),
  ] as const);
  return { ...cluster, users: liveUsers, quotas: liveQuotas };
}

/** Promise.all that waits for every promise before rejecting with the first failure. */
async function settled<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failed) throw failed.reason;
  return results.map((result) => (result as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function failedOutcome(error: unknown): Pick<ReconcileOutcome, 'status' | 'error'> {
  const step = error instanceof StepError ? error.step : 'plan';
  const message = errorMessage(error);
  return { status: 'failed', error: { step, message } };
}

export async function planReconcile(req: ReconcileRequest): Promise<PlannedReconcile> {
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
  let quotas: KafkaQuotasAdmin | null = null;
  const close = async (): Promise<void> => {
    const open = admin;
    const openQuotas = quotas;
    admin = null;
    quotas = null;
    if (open) await open.disconnect().catch(() => undefined);
    // Only a quotas admin that opened its own connections (no shared cluster) has anything to close.
    if (openQuotas) await openQuotas.disconnect().catch(() => undefined);
  };
  const planned: PlannedReconcile = {
    outcome,
    inputs: null,
    fingerprints: () => ({}),
    apply: async () => outcome,
    close,
  };
  try {
    progress('load', `reading manifests from ${req.displayDir ?? req.dir}`);
    const display = req.displayDir === undefined ? undefined : displayPrefixOf(req.displayDir);
    const read = await inStep('load', () =>
      loadDesiredState(req.dir, {
        ...(display === undefined ? {} : { displayPrefix: display }),
        environment: req.environment,
        environmentSetting: req.environmentSetting,
        environmentMayBeLabel: req.environmentMayBeLabel,
      }),
    );
    const loaded = display ? withOriginsUnder(read, display) : read;
    if (!loaded.state) {
      finish({ status: 'invalid', diagnostics: loaded.diagnostics });
      return planned;
    }
    const desired: DesiredState = loaded.state;

    progress('connect', `connecting to ${req.profile.bootstrapServers.join(',')}`);
    const kafka = req.kafka ?? (await inStep('connect', () => createKafka(req.profile, { env: req.env })));
    // One set of connections for the whole reconcile: the users store sends on the admin's.
    const { admin: connected, scram, shared, broker } = await inStep('connect', async () => adminWithScram(kafka));
    // Held before connecting: a connect that fails half-way may already have sockets open to some brokers.
    admin = connected;
    await inStep('connect', () => connected.connect());
    const users = kinds.users
      ? createUserStore(req.profile, kafka, { scram, env: req.env, cwd: req.cwd, ...req.aws })
      : null;
    // KIP-546 on the admin's connections, as the SCRAM requests are.
    const quotasAdmin = kinds.quotas ? new KafkaQuotasAdmin(shared ?? kafka) : null;
    quotas = quotasAdmin;

    progress('observe', 'reading topics, configs, ACLs, users and quotas');
    // The one observation: fingerprints read it until the plan is applied, then it is let go (never copied).
    const observed = await inStep('observe', () => observeLive(connected, users, quotasAdmin));
    const found = await inStep('plan', async () => planChanges(desired, observed, { kinds }));
    const brokers = observed.brokers ?? [];
    outcome.plan = found;
    planned.inputs = { manifestsDigest: loaded.digest ?? '', clusterId: observed.clusterId ?? null };
    let live: LiveState | null = observed;
    planned.fingerprints = (p) => (live ? liveFingerprints(desired, live, p) : {});
    progress('plan', `${found.changes.length} change(s)${found.refused ? ', plan refused' : ''}`);

    const toApply = (change: Change): boolean =>
      change.verdict.status === 'ok' && mode(plannedKindOf(change.kind)) === 'apply';

    planned.apply = async (chosen) => {
      live = null;
      try {
        if (chosen.refused) {
          return finish({
            status: 'refused',
            plan: chosen,
            error: { step: 'plan', message: `plan refused: ${chosen.refused.reason}` },
          });
        }
        outcome.plan = chosen;
        if (!chosen.changes.some(toApply)) {
          return finish({ status: chosen.changes.length === 0 ? 'in-sync' : 'drift', error: null });
        }
        const applicable: Plan = { refused: null, changes: chosen.changes.filter(toApply) };
        const userChanges = users
          ? { apply: (changes: ChangeOf<'user'>[]) => users.apply(changes, desired.users) }
          : null;
        const applied = await inStep('apply', () =>
          applyPlan(connected, applicable, userChanges, { onProgress: req.onProgress, quotas: quotasAdmin }),
        );

        progress('verify', `waiting for ${brokers.length || 'every'} broker(s) to show the changes`);
        const appliedIds = new Set(applied.filter((result) => result.ok).map((result) => result.change.id));
        const remaining = await inStep('verify', () =>
          verify({
            readers: everyBroker(connected, broker, brokers),
            users,
            quotas: quotasAdmin,
            replan: (state) => planChanges(desired, state, { kinds }),
            pending: (change) => toApply(change) && appliedIds.has(change.id),
            waitMs: req.verifyWaitMs ?? VERIFY_WAIT_MS,
          }),
        );
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
        return finish({ status: 'converged', results, remaining, error: null });
      } catch (error) {
        return finish(failedOutcome(error));
      } finally {
        await close();
      }
    };

    if (found.refused) {
      finish({ status: 'refused', error: { step: 'plan', message: `plan refused: ${found.refused.reason}` } });
    } else {
      finish({ status: found.changes.length === 0 ? 'in-sync' : 'drift' });
    }
    return planned;
  } catch (error) {
    finish(failedOutcome(error));
    await close();
    return planned;
  }
}

/** The observer's reads on every broker of the cluster; the admin (any broker) where brokers cannot be named. */
function everyBroker(
  admin: Admin,
  broker: ((nodeId: number) => Promise<unknown>) | undefined,
  brokers: readonly number[],
): () => Promise<ClusterReads[]> {
  return async () => {
    if (!broker || brokers.length === 0) return [admin];
    const readers = await Promise.all(brokers.map(async (nodeId) => brokerReads(await broker(nodeId))));
    return readers.every((reader) => reader !== null) ? readers : [admin];
  };
}

/**
 * Re-plans from each broker's view until no applied change is pending on any of them, or the wait is over. Returns
 * the plan of the broker furthest behind (the one still showing the most applied changes), else of the first one.
 */
async function verify(options: {
  readers: () => Promise<ClusterReads[]>;
  users: UserStore | null;
  quotas: QuotaReads | null;
  replan: (live: LiveState) => Plan;
  pending: (change: Change) => boolean;
  waitMs: number;
}): Promise<Plan> {
  const deadline = Date.now() + options.waitMs;
  let pause = VERIFY_FIRST_PAUSE_MS;
  for (;;) {
    const [readers, users, quotas] = await Promise.all([
      options.readers(),
      options.users ? options.users.list() : Promise.resolve(null),
      options.quotas ? options.quotas.describe() : Promise.resolve(null),
    ]);
    // One view per broker, each reduced to its plan as soon as it is read: no two copies of the live state are kept.
    const plans = await Promise.all(
      readers.map(async (reader) => options.replan({ ...(await observeCluster(reader)), users, quotas })),
    );
    const behind = plans.map((p) => p.changes.filter(options.pending).length);
    const worst = behind.indexOf(Math.max(...behind));
    if (behind[worst] === 0 || Date.now() >= deadline) return plans[worst];
    await setTimeout(Math.min(pause, Math.max(0, deadline - Date.now())));
    pause = Math.min(pause * 2, VERIFY_MAX_PAUSE_MS);
  }
}

/** Plans and, when asked and there is something to apply, applies that same plan: the daemon's and `apply`'s path. */
export async function reconcileOnce(req: ReconcileRequest): Promise<ReconcileOutcome> {
  const planned = await planReconcile(req);
  try {
    const { outcome } = planned;
    if (!req.apply || outcome.status !== 'drift' || !outcome.plan) return outcome;
    return await planned.apply(outcome.plan);
  } finally {
    await planned.close();
  }
}
