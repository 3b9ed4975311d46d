/**
 * The controller loop, shared by `msk-gitops run` and `msk-gitops up`: triggers (schedule, webhook, file change,
 * retry) come in, one reconcile runs at a time, triggers that arrive meanwhile coalesce into one more run. Each
 * run syncs the source, calls `reconcileOnce`, turns the outcome into notices (see assess.ts) and hands everything
 * to the sinks. Every dependency (the reconcile, the source, the clock and timers) is injected, so the scheduling
 * rules are tested with a fake reconcile and fake timers; the daemon wires in the real ones.
 */
import type { KindMode, ManagedKind } from '../model/schema';
import type { Logger } from '../shared/logger';
import type { Source, SourceSnapshot } from '../source/snapshot';
import {
  assess,
  assessSignature,
  driftItem,
  initialMemory,
  unappliedChanges,
  type DriftItem,
  type Memory,
  type Notice,
} from '../notify/assess';
import type { ReconcileOutcome, ReconcileRequest } from '../reconcile';
import type { ConnectionProfile } from '../connection/profile';
import { conditionsOf, runRecord, withRun, type Condition, type RunRecord } from './conditions';
import { NoVerifiedCommitError, type SignatureVerdict } from '../source/signatures';
import { errorMessage } from '../shared/errors';
import { backoffMs } from '../shared/retry';

export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realTimers: Timers = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const handle = setTimeout(fn, ms);
    handle.unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

export interface RunReport {
  trigger: string;
  revision: string | null;
  startedAt: number;
  outcome: ReconcileOutcome;
  notices: Notice[];
}

export interface ControllerSinks {
  /** Called after every reconcile, in order, before the next one starts (audit log, metrics, console). */
  onRun?(report: RunReport): void | Promise<void>;
  /** Notices for people (Slack). Must not block: the controller does not wait for delivery. */
  notify?(notice: Notice): void;
  onSourceError?(message: string, firstTime: boolean): void;
  onSourceRecovered?(revision: string | null): void;
  /**
   * Once per handled trigger, after everything above: all notices of the run together (the JSON webhook sends one
   * message per run, not one per notice or resource).
   */
  onRunEnd?(run: RunEnd): void;
}

/** What one handled trigger produced: its runs (two when the head is bad and the last good commit is healed). */
export interface RunEnd {
  trigger: string;
  headRevision: string | null;
  runs: RunRecord[];
  notices: Notice[];
  /** The source failed for the first time in this run (a repeat of the same failure is not news). */
  sourceError: string | null;
  sourceRecovered: boolean;
}

export interface ControllerOptions {
  reconcile: (req: ReconcileRequest) => Promise<ReconcileOutcome>;
  source: Source;
  profile: ConnectionProfile;
  modes: Partial<Record<ManagedKind, KindMode>>;
  formatDiagnostic: (diagnostic: ReconcileOutcome['diagnostics'][number]) => string;
  logger: Logger;
  sinks?: ControllerSinks;
  timers?: Timers;
  reminderMs?: number;
  /** Backoff after a failed reconcile; `jitter` moves each delay by a random ± fraction of itself. */
  retry?: { initialMs: number; maxMs: number; jitter?: number };
  /** Extra request fields (a shared kafkajs client, progress callback). */
  request?: Partial<Omit<ReconcileRequest, 'dir' | 'profile' | 'modes' | 'apply'>>;
}

export interface ControllerStatus {
  startedAt: string;
  running: boolean;
  /** Ready / Reconciling / Stalled, as Flux reports them (see conditions.ts). */
  conditions: Condition[];
  /** The last revision reconciled successfully (same as convergedRevision, under Flux's name). */
  lastAppliedRevision: string | null;
  /** The head revision the last run fetched and tried (it may be refused: see signature and badCommit). */
  lastAttemptedRevision: string | null;
  /** When the last trigger (schedule, webhook, file change, retry) was taken up by a run, and which. */
  lastHandledTriggerAt: string | null;
  lastHandledTrigger: string | null;
  /** The last runs, newest first (at most 20). */
  history: RunRecord[];
  /** The revision the source last synced. */
  headRevision: string | null;
  /** The last revision whose manifests were good and reconciled. */
  convergedRevision: string | null;
  lastReconcile: {
    at: string;
    durationMs: number;
    status: ReconcileOutcome['status'];
    revision: string | null;
    trigger: string;
    applied: number;
  } | null;
  /** True once a reconcile reached the cluster; false after a connect failure; null before the first try. */
  connected: boolean | null;
  drift: DriftItem[];
  badCommit: { revision: string | null; status: 'invalid' | 'refused'; problems: string[] } | null;
  /** While the head is bad: the last reconcile against the last good commit (drift is still healed to it). */
  lastGoodCommitReconcile: ControllerStatus['lastReconcile'];
  lastError: { at: string; step: string; message: string; revision: string | null } | null;
  sourceError: { at: string; message: string } | null;
  consecutiveFailures: number;
  nextRetryAt: string | null;
  /** The head's signature verdict (null when the source does not verify commits). */
  signature: (SignatureVerdict & { at: string; appliedRevision: string | null }) | null;
}

export class Controller {
  private memory: Memory = initialMemory;
  private current: Promise<void> | null = null;
  private pending: { reasons: Set<string>; promise: Promise<void>; resolve: () => void } | null = null;
  private stopped = false;
  private retryHandle: unknown = null;
  private runEnd: RunEnd | null = null;
  private readonly timers: Timers;
  private readonly startedAt: number;
  private state: Omit<
    ControllerStatus,
    'startedAt' | 'running' | 'convergedRevision' | 'consecutiveFailures' | 'lastAppliedRevision'
  > = {
    conditions: [],
    lastAttemptedRevision: null,
    lastHandledTriggerAt: null,
    lastHandledTrigger: null,
    history: [],
    headRevision: null,
    lastReconcile: null,
    connected: null,
    drift: [],
    badCommit: null,
    lastGoodCommitReconcile: null,
    lastError: null,
    sourceError: null,
    nextRetryAt: null,
    signature: null,
  };

  constructor(private readonly options: ControllerOptions) {
    this.timers = options.timers ?? realTimers;
    this.startedAt = this.timers.now();
    this.refreshConditions();
  }

  private refreshConditions(): void {
    const s = this.state;
    const unverified = s.signature && !s.signature.verified ? s.signature : null;
    const suspendedKinds = Object.entries(this.options.modes)
      .filter(([, mode]) => mode !== 'apply')
      .map(([kind, mode]) => `${kind} ${mode}`);
    s.conditions = conditionsOf(
      {
        running: this.current !== null,
        lastRun: s.history[0] ?? null,
        unverified: unverified && { revision: unverified.revision, reason: unverified.reason ?? 'refused' },
        badCommit: s.badCommit,
        sourceError: s.sourceError?.message ?? null,
        lastError: s.lastError,
        nextRetryAt: s.nextRetryAt,
        unhealed: s.drift.length,
        suspendedKinds,
      },
      s.conditions,
      new Date(this.timers.now()).toISOString(),
    );
  }

  private remember(run: RunRecord): void {
    this.state.history = withRun(this.state.history, run);
    this.runEnd?.runs.push(run);
  }

  private emit(notice: Notice): void {
    this.runEnd?.notices.push(notice);
    try {
      this.options.sinks?.notify?.(notice);
    } catch (error) {
      this.options.logger.error('notifier failed', { error: errorMessage(error) });
    }
  }

  /**
   * Asks for a reconcile. Resolves when a reconcile that started after this call has finished. While one runs,
   * every trigger joins the single next run.
   */
  trigger(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (!this.current) {
      let done!: () => void;
      const first = new Promise<void>((resolve) => (done = resolve));
      this.current = this.loop(reason, done);
      return first;
    }
    if (!this.pending) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => (resolve = r));
      this.pending = { reasons: new Set(), promise, resolve };
    }
    this.pending.reasons.add(reason);
    return this.pending.promise;
  }

  private async loop(reason: string, done: () => void): Promise<void> {
    await this.safeRun(reason);
    done();
    while (this.pending && !this.stopped) {
      const waiting = this.pending;
      this.pending = null;
      await this.safeRun([...waiting.reasons].join(', '));
      waiting.resolve();
    }
    this.pending?.resolve();
    this.pending = null;
    this.current = null;
    this.refreshConditions();
  }

  private async safeRun(trigger: string): Promise<void> {
    try {
      this.state.lastHandledTriggerAt = new Date(this.timers.now()).toISOString();
      this.state.lastHandledTrigger = trigger;
      this.refreshConditions();
      this.runEnd = { trigger, headRevision: null, runs: [], notices: [], sourceError: null, sourceRecovered: false };
      await this.runOnce(trigger);
    } catch (error) {
      // Nothing a reconcile does may end the loop: the next trigger must still run.
      this.options.logger.error('reconcile loop error', {
        error: errorMessage(error),
      });
    }
    const end = this.runEnd;
    this.runEnd = null;
    if (end) {
      try {
        this.options.sinks?.onRunEnd?.({ ...end, headRevision: this.state.headRevision });
      } catch (error) {
        this.options.logger.error('notifier failed', { error: errorMessage(error) });
      }
    }
  }

  private async runOnce(trigger: string): Promise<void> {
    if (this.retryHandle !== null) {
      this.timers.clearTimeout(this.retryHandle);
      this.retryHandle = null;
      this.state.nextRetryAt = null;
    }
    const { logger, source } = this.options;
    const startedAt = this.timers.now();
    let snapshot: SourceSnapshot | null;
    try {
      snapshot = await source.sync();
      if (this.state.sourceError) this.sourceRecovered(snapshot.revision);
      this.state.sourceError = null;
    } catch (error) {
      if (error instanceof NoVerifiedCommitError) {
        // Fetched fine, but nothing in reach is trusted: apply nothing, heal nothing, say why once.
        if (this.state.sourceError) this.sourceRecovered(error.head.revision);
        this.state.sourceError = null;
        this.state.headRevision = error.head.revision;
        this.state.lastAttemptedRevision = error.head.revision;
        this.judgeSignature(error.head, null);
        this.remember({
          at: new Date(startedAt).toISOString(),
          revision: null,
          trigger,
          durationMs: this.timers.now() - startedAt,
          result: 'unverified',
          counts: { planned: 0, applied: 0, failed: 0, unhealed: 0 },
          error: `commit ${error.head.revision.slice(0, 12)}: ${error.head.reason ?? 'refused'}`,
        });
        return;
      }
      const message = errorMessage(error);
      const firstTime = this.state.sourceError?.message !== message;
      this.state.sourceError = { at: new Date(startedAt).toISOString(), message };
      if (firstTime && this.runEnd) this.runEnd.sourceError = message;
      this.options.sinks?.onSourceError?.(message, firstTime);
      snapshot = source.lastSnapshot();
      if (!snapshot) {
        this.remember({
          at: new Date(startedAt).toISOString(),
          revision: null,
          trigger,
          durationMs: this.timers.now() - startedAt,
          result: 'source-error',
          counts: { planned: 0, applied: 0, failed: 0, unhealed: 0 },
          error: message,
        });
        this.scheduleRetry(this.memory.consecutiveFailures + 1);
        this.memory = { ...this.memory, consecutiveFailures: this.memory.consecutiveFailures + 1 };
        return;
      }
      logger.warn('manifests source unreachable; reconciling the last fetched revision', {
        revision: snapshot.revision,
        error: message,
      });
    }
    this.state.headRevision = snapshot.signature?.revision ?? snapshot.revision;
    this.state.lastAttemptedRevision = this.state.headRevision;
    if (snapshot.signature) this.judgeSignature(snapshot.signature, snapshot.revision);
    const outcome = await this.reconcileSnapshot(trigger, snapshot, startedAt, false);
    const good = this.memory.convergedRevision;
    if (
      (outcome.status === 'invalid' || outcome.status === 'refused') &&
      good &&
      good !== snapshot.revision &&
      source.snapshotAt
    ) {
      // The head is bad; the last good commit is still what the cluster should look like: keep healing to it.
      try {
        const fallback = await source.snapshotAt(good);
        await this.reconcileSnapshot(`${trigger}; head is bad, last good commit`, fallback, this.timers.now(), true);
      } catch (error) {
        logger.warn('cannot read the last good commit', {
          revision: good,
          error: errorMessage(error),
        });
      }
    }
  }

  private async reconcileSnapshot(
    trigger: string,
    snapshot: SourceSnapshot,
    startedAt: number,
    fallback: boolean,
  ): Promise<ReconcileOutcome> {
    const { logger } = this.options;
    let outcome: ReconcileOutcome;
    try {
      outcome = await this.options.reconcile({
        ...this.options.request,
        dir: snapshot.dir,
        profile: this.options.profile,
        modes: this.options.modes,
        apply: true,
      });
    } catch (error) {
      // reconcileOnce reports its failures as outcomes; a throw is a bug, and still must not stop the controller.
      outcome = {
        status: 'failed',
        diagnostics: [],
        plan: null,
        results: [],
        remaining: null,
        error: { step: 'apply', message: errorMessage(error) },
        durationMs: this.timers.now() - startedAt,
      };
    }
    const { memory, notices } = assess(this.memory, {
      revision: snapshot.revision,
      outcome,
      now: this.timers.now(),
      reminderMs: this.options.reminderMs ?? 4 * 60 * 60 * 1000,
      formatDiagnostic: this.options.formatDiagnostic,
      fallback,
    });
    this.memory = memory;
    this.record(trigger, snapshot.revision, outcome, notices, fallback);
    for (const notice of notices) this.emit(notice);
    try {
      await this.options.sinks?.onRun?.({ trigger, revision: snapshot.revision, startedAt, outcome, notices });
    } catch (error) {
      logger.error('reporting a reconcile failed', { error: errorMessage(error) });
    }
    if (outcome.status === 'failed') this.scheduleRetry(this.memory.consecutiveFailures);
    return outcome;
  }

  private record(
    trigger: string,
    revision: string | null,
    outcome: ReconcileOutcome,
    notices: Notice[],
    fallback: boolean,
  ) {
    const at = new Date(this.timers.now()).toISOString();
    const summary = {
      at,
      durationMs: outcome.durationMs,
      status: outcome.status,
      revision,
      trigger,
      applied: outcome.results.filter((r) => r.ok).length,
    };
    if (fallback) this.state.lastGoodCommitReconcile = summary;
    else this.state.lastReconcile = summary;
    if (!fallback && outcome.status !== 'invalid' && outcome.status !== 'refused')
      this.state.lastGoodCommitReconcile = null;
    const step = outcome.error?.step;
    if (outcome.status === 'failed') {
      this.state.connected = step === 'connect' ? false : this.state.connected;
      this.state.lastError = { at, step: step ?? 'reconcile', message: outcome.error?.message ?? 'failed', revision };
    } else {
      if (outcome.status !== 'invalid') this.state.connected = true;
      if (outcome.status === 'in-sync' || outcome.status === 'converged' || outcome.status === 'drift') {
        this.state.drift = unappliedChanges(outcome).map(driftItem);
        if (!fallback) this.state.badCommit = null;
      }
    }
    if ((outcome.status === 'invalid' || outcome.status === 'refused') && !fallback) {
      const problems = notices.find((n) => n.type === 'invalid-commit')?.problems ?? this.state.badCommit?.problems;
      this.state.badCommit = { revision, status: outcome.status, problems: problems ?? [] };
    }
    this.remember(runRecord(at, revision, trigger, outcome, this.state.drift.length, fallback));
    this.refreshConditions();
  }

  private judgeSignature(verdict: SignatureVerdict, appliedRevision: string | null): void {
    const { memory, notices } = assessSignature(this.memory, verdict, appliedRevision);
    this.memory = memory;
    this.state.signature = { ...verdict, at: new Date(this.timers.now()).toISOString(), appliedRevision };
    if (!verdict.verified)
      this.options.logger.warn('head commit refused: its signature does not verify', {
        revision: verdict.revision,
        reason: verdict.reason,
        applying: appliedRevision,
      });
    this.refreshConditions();
    for (const notice of notices) this.emit(notice);
  }

  private sourceRecovered(revision: string | null): void {
    if (this.runEnd) this.runEnd.sourceRecovered = true;
    this.options.sinks?.onSourceRecovered?.(revision);
  }

  private scheduleRetry(failures: number): void {
    if (this.stopped || !this.options.retry) return;
    const { initialMs, maxMs, jitter } = this.options.retry;
    const delay = backoffMs(failures, initialMs, maxMs, jitter ?? 0);
    if (this.retryHandle !== null) this.timers.clearTimeout(this.retryHandle);
    this.state.nextRetryAt = new Date(this.timers.now() + delay).toISOString();
    this.options.logger.info('will retry', { inMs: delay, failures });
    this.refreshConditions();
    this.retryHandle = this.timers.setTimeout(() => {
      this.retryHandle = null;
      this.state.nextRetryAt = null;
      void this.trigger('retry');
    }, delay);
  }

  /** Stops taking triggers and waits for the current reconcile, up to `timeoutMs`. Resolves true if it finished. */
  async stop(timeoutMs: number): Promise<boolean> {
    this.stopped = true;
    if (this.retryHandle !== null) this.timers.clearTimeout(this.retryHandle);
    this.retryHandle = null;
    if (!this.current) return true;
    let timer: unknown;
    const timeout = new Promise<false>((resolve) => (timer = this.timers.setTimeout(() => resolve(false), timeoutMs)));
    const finished = await Promise.race([this.current.then(() => true as const), timeout]);
    this.timers.clearTimeout(timer);
    return finished;
  }

  isRunning(): boolean {
    return this.current !== null;
  }

  status(): ControllerStatus {
    const s = this.state;
    return {
      startedAt: new Date(this.startedAt).toISOString(),
      running: this.current !== null,
      conditions: s.conditions,
      lastAppliedRevision: this.memory.convergedRevision,
      lastAttemptedRevision: s.lastAttemptedRevision,
      lastHandledTriggerAt: s.lastHandledTriggerAt,
      lastHandledTrigger: s.lastHandledTrigger,
      history: s.history,
      headRevision: s.headRevision,
      convergedRevision: this.memory.convergedRevision,
      lastReconcile: s.lastReconcile,
      connected: s.connected,
      drift: s.drift,
      badCommit: s.badCommit,
      lastGoodCommitReconcile: s.lastGoodCommitReconcile,
      lastError: s.lastError,
      sourceError: s.sourceError,
      consecutiveFailures: this.memory.consecutiveFailures,
      nextRetryAt: s.nextRetryAt,
      signature: s.signature,
    };
  }
}
