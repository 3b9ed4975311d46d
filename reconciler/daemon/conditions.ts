/**
 * The controller's state as Flux-style conditions (Ready, Reconciling, Stalled, each with a reason a machine can
 * match and a message a person can read), and the run history. Pure: the controller hands in what it knows and the
 * time; a condition keeps its `lastTransitionTime` until its status changes.
 */
import type { ReconcileOutcome } from '../apply/outcome';

export type ConditionType = 'Ready' | 'Reconciling' | 'Stalled';

export interface Condition {
  type: ConditionType;
  status: 'True' | 'False' | 'Unknown';
  /** CamelCase, stable: alert rules and dashboards match on it. */
  reason: string;
  message: string;
  lastTransitionTime: string;
}

/** One run as the history shows it. */
export interface RunRecord {
  at: string;
  /** The revision the run reconciled (the last verified one when the head was refused). */
  revision: string | null;
  trigger: string;
  durationMs: number;
  result: ReconcileOutcome['status'] | 'unverified' | 'source-error';
  counts: { planned: number; applied: number; failed: number; unhealed: number };
  /** Set on runs against the last good commit while the head is bad. */
  fallback?: boolean;
  error?: string;
}

export const HISTORY_LENGTH = 20;

export interface ConditionFacts {
  running: boolean;
  lastRun: RunRecord | null;
  /** The head is refused for its signature. */
  unverified: { revision: string; reason: string } | null;
  badCommit: { revision: string | null; status: 'invalid' | 'refused' } | null;
  sourceError: string | null;
  lastError: { step: string; message: string } | null;
  nextRetryAt: string | null;
  unhealed: number;
  suspendedKinds: string[];
}

type Verdict = Pick<Condition, 'status' | 'reason' | 'message'>;

const short = (revision: string | null) => revision?.slice(0, 12) ?? 'local folder';

function stalled(facts: ConditionFacts): Verdict {
  if (facts.unverified)
    return {
      status: 'True',
      reason: 'UnverifiedCommit',
      message: `commit ${short(facts.unverified.revision)} is not applied: ${facts.unverified.reason}`,
    };
  if (facts.badCommit)
    return {
      status: 'True',
      reason: facts.badCommit.status === 'invalid' ? 'InvalidManifests' : 'PlanRefused',
      message: `commit ${short(facts.badCommit.revision)} ${facts.badCommit.status === 'invalid' ? 'has invalid manifests' : 'asks for a refused plan'}; a new commit is needed`,
    };
  return { status: 'False', reason: 'NotStalled', message: 'nothing needs a person' };
}

function reconciling(facts: ConditionFacts): Verdict {
  if (facts.running) return { status: 'True', reason: 'Progressing', message: 'a reconcile is running' };
  if (facts.nextRetryAt)
    return { status: 'True', reason: 'RetryScheduled', message: `retrying at ${facts.nextRetryAt}` };
  return { status: 'False', reason: 'Idle', message: 'waiting for the next trigger' };
}

function ready(facts: ConditionFacts, stall: Verdict): Verdict {
  const run = facts.lastRun;
  if (stall.status === 'True') return { status: 'False', reason: stall.reason, message: stall.message };
  if (facts.sourceError)
    return {
      status: 'False',
      reason: 'SourceUnavailable',
      message: `cannot fetch the manifests: ${facts.sourceError}`,
    };
  if (!run) return { status: 'Unknown', reason: 'Progressing', message: 'no reconcile yet' };
  if (run.result === 'failed')
    return {
      status: 'False',
      reason: 'ReconciliationFailed',
      message: `${facts.lastError?.step ?? 'reconcile'} failed: ${facts.lastError?.message ?? run.error ?? 'failed'}`,
    };
  if (facts.unhealed > 0)
    return {
      status: 'False',
      reason: 'DriftDetected',
      message: `${facts.unhealed} change${facts.unhealed === 1 ? '' : 's'} between git and the cluster not healed${facts.suspendedKinds.length ? ` (suspended or detect-only: ${facts.suspendedKinds.join(', ')})` : ''}`,
    };
  return {
    status: 'True',
    reason: 'ReconciliationSucceeded',
    message: `commit ${short(run.revision)} is applied and the cluster matches it`,
  };
}

/** The three conditions now, keeping each transition time from `previous` while its status is unchanged. */
export function conditionsOf(facts: ConditionFacts, previous: Condition[], now: string): Condition[] {
  const stall = stalled(facts);
  const verdicts: [ConditionType, Verdict][] = [
    ['Ready', ready(facts, stall)],
    ['Reconciling', reconciling(facts)],
    ['Stalled', stall],
  ];
  return verdicts.map(([type, verdict]) => {
    const before = previous.find((c) => c.type === type);
    const lastTransitionTime = before && before.status === verdict.status ? before.lastTransitionTime : now;
    return { type, ...verdict, lastTransitionTime };
  });
}

export function runRecord(
  at: string,
  revision: string | null,
  trigger: string,
  outcome: ReconcileOutcome,
  unhealed: number,
  fallback: boolean,
): RunRecord {
  return {
    at,
    revision,
    trigger,
    durationMs: outcome.durationMs,
    result: outcome.status,
    counts: {
      planned: outcome.plan?.changes.length ?? 0,
      applied: outcome.results.filter((r) => r.ok).length,
      failed: outcome.results.filter((r) => !r.ok).length,
      unhealed,
    },
    ...(fallback ? { fallback: true } : {}),
    ...(outcome.error ? { error: `${outcome.error.step}: ${outcome.error.message}` } : {}),
  };
}

/** The newest run first, at most HISTORY_LENGTH. */
export function withRun(history: RunRecord[], run: RunRecord): RunRecord[] {
  return [run, ...history].slice(0, HISTORY_LENGTH);
}
