/**
 * Prometheus metrics in the text exposition format, kept by hand (a few counters, one histogram, one gauge) so the
 * daemon needs no metrics library. Fed by `observeRun` after each reconcile; rendered by `/metrics`.
 */
import type { RunReport } from './controller';

const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}

class Counter {
  private readonly values = new Map<string, { labels: Labels; value: number }>();
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    const entry = this.values.get(key) ?? { labels, value: 0 };
    entry.value += by;
    this.values.set(key, entry);
  }
  lines(name: string): string[] {
    return [...this.values.values()].map(({ labels, value }) => `${name}${labelText(labels)} ${value}`);
  }
}

export class Metrics {
  private readonly reconciles = new Counter();
  private readonly applied = new Counter();
  private readonly errors = new Counter();
  private readonly bucketCounts = DURATION_BUCKETS.map(() => 0);
  private durationSum = 0;
  private durationCount = 0;
  private driftChanges = 0;
  private lastSuccess = 0;
  private refusedCommits = 0;
  /** 1 when the head's signature verifies, 0 when it is refused, null when commits are not verified. */
  private headVerified: number | null = null;

  observeRun(report: RunReport, driftChanges: number): void {
    const { outcome } = report;
    this.reconciles.inc({ result: outcome.status });
    const seconds = outcome.durationMs / 1000;
    DURATION_BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) this.bucketCounts[i]++;
    });
    this.durationSum += seconds;
    this.durationCount++;
    for (const result of outcome.results) {
      if (result.ok) this.applied.inc({ kind: result.change.kind, action: result.change.action });
    }
    if (outcome.status === 'failed') this.errors.inc({ step: outcome.error?.step ?? 'reconcile' });
    else if (outcome.status === 'invalid' || outcome.status === 'refused') this.errors.inc({ step: outcome.status });
    else {
      this.driftChanges = driftChanges;
      this.lastSuccess = (report.startedAt + outcome.durationMs) / 1000;
    }
  }

  /** A head refused for its signature (counted once per commit, as it is reported), or a verified head. */
  observeSignature(verified: boolean, newlyRefused: boolean): void {
    this.headVerified = verified ? 1 : 0;
    if (newlyRefused) this.refusedCommits++;
  }

  observeError(step: string): void {
    this.errors.inc({ step });
  }

  render(): string {
    const histogram = DURATION_BUCKETS.map(
      (bound, i) => `msk_gitops_reconcile_duration_seconds_bucket{le="${bound}"} ${this.bucketCounts[i]}`,
    );
    return [
      '# HELP msk_gitops_reconcile_total Reconciles run, by result.',
      '# TYPE msk_gitops_reconcile_total counter',
      ...this.reconciles.lines('msk_gitops_reconcile_total'),
      '# HELP msk_gitops_reconcile_duration_seconds Time one reconcile took.',
      '# TYPE msk_gitops_reconcile_duration_seconds histogram',
      ...histogram,
      `msk_gitops_reconcile_duration_seconds_bucket{le="+Inf"} ${this.durationCount}`,
      `msk_gitops_reconcile_duration_seconds_sum ${this.durationSum}`,
      `msk_gitops_reconcile_duration_seconds_count ${this.durationCount}`,
      '# HELP msk_gitops_changes_applied_total Changes applied to the cluster, by resource kind and action.',
      '# TYPE msk_gitops_changes_applied_total counter',
      ...this.applied.lines('msk_gitops_changes_applied_total'),
      '# HELP msk_gitops_drift_changes Changes the last good reconcile left between git and the cluster.',
      '# TYPE msk_gitops_drift_changes gauge',
      `msk_gitops_drift_changes ${this.driftChanges}`,
      '# HELP msk_gitops_errors_total Failed reconciles and source errors, by step.',
      '# TYPE msk_gitops_errors_total counter',
      ...this.errors.lines('msk_gitops_errors_total'),
      '# HELP msk_gitops_last_success_timestamp_seconds When the last good reconcile finished.',
      '# TYPE msk_gitops_last_success_timestamp_seconds gauge',
      `msk_gitops_last_success_timestamp_seconds ${this.lastSuccess}`,
      ...(this.headVerified === null
        ? []
        : [
            '# HELP msk_gitops_head_signature_verified 1 when the branch head is signed by an allowed signer, else 0.',
            '# TYPE msk_gitops_head_signature_verified gauge',
            `msk_gitops_head_signature_verified ${this.headVerified}`,
            '# HELP msk_gitops_unverified_commits_total Head commits refused because their signature does not verify.',
            '# TYPE msk_gitops_unverified_commits_total counter',
            `msk_gitops_unverified_commits_total ${this.refusedCommits}`,
          ]),
      '',
    ].join('\n');
  }
}
