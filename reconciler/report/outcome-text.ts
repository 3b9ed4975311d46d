/** What a CLI run says about a reconcile that did not produce a plan (invalid manifests, a failed step). */
import { formatDiagnostic } from '../model/load';
import type { ReconcileOutcome } from '../apply/outcome';

/** Lines for stderr, or null when the outcome carries a plan to show. */
export function outcomeProblemText(outcome: ReconcileOutcome): string | null {
  if (outcome.status === 'invalid') {
    const lines = outcome.diagnostics.map(formatDiagnostic);
    return `${lines.join('\n')}\n${lines.length} problem(s) in the manifests; nothing was planned or applied.\n`;
  }
  if (!outcome.plan && outcome.error) return `${outcome.error.step}: ${outcome.error.message}\n`;
  return null;
}
