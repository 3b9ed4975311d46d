/** The terraform-style plan for a terminal; colour only when asked (the CLI asks on a TTY without NO_COLOR). */
import type { Change, Plan } from '../model/schema';
import type { ChangeResult } from '../apply/results';
import { describeChange, summaryLine, symbolOf } from './change-line';

export interface TextOptions {
  color: boolean;
}

const CODES = { green: 32, yellow: 33, red: 31, dim: 2, bold: 1 } as const;
type Colour = keyof typeof CODES;

function painter(enabled: boolean): (colour: Colour, text: string) => string {
  return (colour, text) => (enabled ? `\u001b[${CODES[colour]}m${text}\u001b[0m` : text);
}

function colourOf(change: Change): Colour {
  if (change.verdict.status === 'refused') return 'red';
  if (change.verdict.status === 'skipped') return 'dim';
  return change.action === 'create' ? 'green' : change.action === 'update' ? 'yellow' : 'red';
}

export function changeText(change: Change, paint: (colour: Colour, text: string) => string): string {
  const line = paint(colourOf(change), `${symbolOf(change)} ${describeChange(change)}`);
  const { status, reason } = change.verdict;
  if (status === 'ok') return `  ${line}`;
  // A refused change names the manifest line that asks for it, as `file:line:column:` editors and CI annotations open.
  const { origin } = change;
  const place = status === 'refused' && origin ? `${origin.file}:${origin.line}:${origin.column}: ` : '';
  return `  ${line}\n      ${paint(status === 'refused' ? 'red' : 'dim', `${place}${status}: ${reason ?? ''}`)}`;
}

export function renderPlanText(plan: Plan, options: TextOptions = { color: false }): string {
  const paint = painter(options.color);
  const lines = plan.changes.map((change) => changeText(change, paint));
  if (lines.length) lines.push('');
  lines.push(paint('bold', summaryLine(plan)));
  if (plan.refused) lines.push(paint('red', `Plan refused, nothing will be applied: ${plan.refused.reason}`));
  return `${lines.join('\n')}\n`;
}

export function renderApplyResultsText(results: ChangeResult[], options: TextOptions = { color: false }): string {
  const paint = painter(options.color);
  const lines = results.map((result) =>
    result.ok
      ? `  ${paint('green', 'ok')}     ${symbolOf(result.change)} ${describeChange(result.change)}`
      : `  ${paint('red', 'FAILED')} ${symbolOf(result.change)} ${describeChange(result.change)}\n         ${result.error ?? ''}`,
  );
  const failed = results.filter((result) => !result.ok).length;
  lines.push(
    '',
    `Applied ${results.length - failed} of ${results.length} change(s)${failed ? `, ${failed} failed` : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
