/**
 * The controller's Prometheus metrics, kept with prom-client in a registry of its own (not the library's global one,
 * so two daemons in one process, as in the tests, never share counters). Fed by `observeRun` after each reconcile;
 * rendered by `/metrics`.
 */
import type { ManagedKind } from '../model/schema';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { RunReport } from './controller';

const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

export interface MetricsContext {
  /** Every series carries it, so two controllers (staging, prod) scraped together stay apart. */
  environment: string;
  /** The mode per kind: a kind in `suspend` is reported by the `msk_gitops_suspended` gauge. */
  modes: Partial<Record<ManagedKind, string>>;
}

export class Metrics {
  private readonly registry = new Registry();
  private readonly reconciles = new Counter({
    name: 'msk_gitops_reconcile_total',
    help: 'Reconciles run, by result.',
    labelNames: ['result'],
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'msk_gitops_reconcile_duration_seconds',
    help: 'Time one reconcile took.',
    buckets: DURATION_BUCKETS,
    registers: [this.registry],
  });
  private readonly applied = new Counter({
    name: 'msk_gitops_changes_applied_total',
    help: 'Changes applied to the cluster, by resource kind and action.',
    labelNames: ['kind', 'action'],
    registers: [this.registry],
  });
  private readonly driftChanges = new Gauge({
    name: 'msk_gitops_drift_changes',
    help: 'Changes the last good reconcile left between git and the cluster.',
    registers: [this.registry],
  });
  private readonly errors = new Counter({
    name: 'msk_gitops_errors_total',
    help: 'Failed reconciles and source errors, by step.',
    labelNames: ['step'],
    registers: [this.registry],
  });
  private readonly lastSuccess = new Gauge({
    name: 'msk_gitops_last_success_timestamp_seconds',
    help: 'When the last good reconcile finished.',
    registers: [this.registry],
  });

  constructor(context: MetricsContext = { environment: 'default', modes: {} }) {
    this.registry.setDefaultLabels({ environment: context.environment });
    const suspended = new Gauge({
      name: 'msk_gitops_suspended',
      help: '1 for a resource kind whose mode is suspend (neither applied nor checked), else 0.',
      labelNames: ['kind'],
      registers: [this.registry],
    });
    for (const kind of ['topics', 'acls', 'users', 'quotas'] as const)
      suspended.set({ kind }, context.modes[kind] === 'suspend' ? 1 : 0);
  }

  observeRun(report: RunReport, driftChanges: number): void {
    const { outcome } = report;
    this.reconciles.inc({ result: outcome.status });
    this.duration.observe(outcome.durationMs / 1000);
    for (const result of outcome.results) {
      if (result.ok) this.applied.inc({ kind: result.change.kind, action: result.change.action });
    }
    if (outcome.status === 'failed') this.errors.inc({ step: outcome.error?.step ?? 'reconcile' });
    else if (outcome.status === 'invalid' || outcome.status === 'refused') this.errors.inc({ step: outcome.status });
    else {
      this.driftChanges.set(driftChanges);
      this.lastSuccess.set((report.startedAt + outcome.durationMs) / 1000);
    }
  }

  /** Registered on the first signature check, so a controller that does not verify commits does not show them. */
  private signatures: { headVerified: Gauge; refusedCommits: Counter } | undefined;

  /** A head refused for its signature (counted once per commit, as it is reported), or a verified head. */
  observeSignature(verified: boolean, newlyRefused: boolean): void {
    this.signatures ??= {
      headVerified: new Gauge({
        name: 'msk_gitops_head_signature_verified',
        help: '1 when the branch head is signed by an allowed signer, else 0.',
        registers: [this.registry],
      }),
      refusedCommits: new Counter({
        name: 'msk_gitops_unverified_commits_total',
        help: 'Head commits refused because their signature does not verify.',
        registers: [this.registry],
      }),
    };
    this.signatures.headVerified.set(verified ? 1 : 0);
    if (newlyRefused) this.signatures.refusedCommits.inc();
  }

  observeError(step: string): void {
    this.errors.inc({ step });
  }

  /** The text exposition format, for `/metrics`. */
  render(): Promise<string> {
    return this.registry.metrics();
  }
}
