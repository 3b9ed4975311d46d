/** The plan as a pull-request comment: a diff block GitHub colours, then the reasons for what will not be applied. */
import type { Plan } from '../model/schema';
import { describeChange, summaryLine, symbolOf } from './change-line';

function where(origin: { file: string; line: number; column: number } | undefined): string {
  return origin ? ` (${origin.file}:${origin.line}:${origin.column})` : '';
}

export function renderPlanMarkdown(plan: Plan): string {
  const out = ['### msk-gitops plan', '', `**${summaryLine(plan)}**`, ''];
  if (plan.refused) out.push(`> :no_entry: **Plan refused**, nothing will be applied: ${plan.refused.reason}`, '');
  const ok = plan.changes.filter((change) => change.verdict.status === 'ok');
  if (ok.length) {
    out.push('```diff', ...ok.map((change) => `${symbolOf(change)} ${describeChange(change)}`), '```', '');
  }
  const held = plan.changes.filter((change) => change.verdict.status !== 'ok');
  if (held.length) {
    out.push('| change | verdict | reason |', '| --- | --- | --- |');
    for (const change of held) {
      const cell = `\`${symbolOf(change)} ${describeChange(change)}\`${where(change.origin)}`.replace(/\|/g, '\\|');
      out.push(`| ${cell} | ${change.verdict.status} | ${(change.verdict.reason ?? '').replace(/\|/g, '\\|')} |`);
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
