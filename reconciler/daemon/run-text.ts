/**
 * One reconcile, told to a person at a terminal (`msk-gitops up`): the plan as the CLI prints it, what was applied,
 * and the result in one line. The daemon's JSON logs say the same things as fields.
 */
import { renderApplyResultsText, renderPlanText } from '../report/plan-text';
import type { RunReport } from './controller';
import type { ReconcileOutcome } from '../apply/outcome';

export interface RunTextOptions {
  color: boolean;
  formatDiagnostic: (diagnostic: ReconcileOutcome['diagnostics'][number]) => string;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

export function renderRunText(report: RunReport, options: RunTextOptions): string {
  const { outcome } = report;
  const lines: string[] = [];
  const at = report.revision ? ` at ${report.revision.slice(0, 12)}` : '';
  lines.push(`── reconcile${at} (${report.trigger}) ──`);
  switch (outcome.status) {
    case 'invalid':
      lines.push('The manifests are invalid; nothing was applied:');
      lines.push(...outcome.diagnostics.map((d) => `  ${options.formatDiagnostic(d)}`));
      break;
    case 'refused':
      if (outcome.plan) lines.push(renderPlanText(outcome.plan, { color: options.color }).trimEnd());
      lines.push(`Refused; nothing was applied: ${outcome.error?.message ?? outcome.plan?.refused?.reason ?? ''}`);
      break;
    default:
      if (outcome.plan) lines.push(renderPlanText(outcome.plan, { color: options.color }).trimEnd());
      if (outcome.results.length > 0)
        lines.push('', renderApplyResultsText(outcome.results, { color: options.color }).trimEnd());
      if (outcome.error) lines.push(`Failed at ${outcome.error.step}: ${outcome.error.message}`);
  }
  const verdict: Record<ReconcileOutcome['status'], string> = {
    'in-sync': 'in sync: the cluster matches the manifests',
    converged: 'converged: the cluster now matches the manifests',
    drift: 'drift: the cluster differs, and this mode only reports it',
    invalid: 'invalid manifests: fix them and save; the cluster was not touched',
    refused: 'plan refused: the cluster was not touched',
    failed: 'failed: will retry',
  };
  lines.push(`Result: ${verdict[outcome.status]} (${seconds(outcome.durationMs)})`, '');
  return `${lines.join('\n')}\n`;
}
