/** `msk-gitops plan [DIR]`: what apply would change, as text, markdown or JSON. */
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs, type ConnectionFlags } from '../connection/cli-options';
import type { Plan } from '../model/schema';
import { reconcileOnce, type ReconcileOutcome } from '../reconcile';
import { outcomeProblemText } from '../report/outcome-text';
import { renderPlanJson } from '../report/plan-json';
import { renderPlanMarkdown } from '../report/plan-markdown';
import { renderPlanText } from '../report/plan-text';
import { UsageError, type Command, type CommandContext } from './command';

export const DEFAULT_MANIFESTS_DIR = 'desired-state';

export type PlanFormat = 'text' | 'markdown' | 'json';

/** DIR, --format, the connection flags and the command's own boolean flags (e.g. --detailed-exitcode). */
export function parsePlanArgs(argv: string[], booleanFlags: readonly string[] = []) {
  const options: ParseArgsConfig['options'] = {
    ...connectionOptions,
    format: { type: 'string', default: 'text' },
    ...Object.fromEntries(booleanFlags.map((name) => [name, { type: 'boolean' as const, default: false }])),
  };
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one manifests directory, got ${positionals.join(' ')}`);
  const format = String(values.format);
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json`);
  const flags = values as ConnectionFlags;
  const flag = (name: string): boolean => values[name] === true;
  return { dir: positionals[0] ?? DEFAULT_MANIFESTS_DIR, format: format as PlanFormat, flags, flag };
}

/** Colour on a terminal unless NO_COLOR is set (https://no-color.org). */
export function wantsColour(ctx: CommandContext): boolean {
  return Boolean(ctx.stdout.isTTY) && !ctx.env.NO_COLOR;
}

export function renderPlan(plan: Plan, format: PlanFormat, colour: boolean): string {
  if (format === 'json') return renderPlanJson(plan);
  if (format === 'markdown') return renderPlanMarkdown(plan);
  return renderPlanText(plan, { color: colour });
}

/** Plans without applying; writes problems to stderr and returns null when there is no plan to show. */
export async function planForCli(
  ctx: CommandContext,
  dir: string,
  flags: ConnectionFlags,
): Promise<ReconcileOutcome | null> {
  const profile = await profileFromArgs(flags, ctx.env);
  const outcome = await reconcileOnce({ dir: resolve(ctx.cwd, dir), profile, apply: false });
  const problem = outcomeProblemText(outcome);
  if (problem) {
    ctx.stderr.write(problem);
    return null;
  }
  return outcome;
}

export const planCommand: Command = {
  usage: `msk-gitops plan [DIR] [--format text|markdown|json] [--detailed-exitcode] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, format, flags, flag } = parsePlanArgs(ctx.argv, ['detailed-exitcode']);
    const outcome = await planForCli(ctx, dir, flags);
    if (!outcome?.plan) return 1;
    ctx.stdout.write(renderPlan(outcome.plan, format, wantsColour(ctx)));
    if (outcome.plan.refused) return 1;
    if (flag('detailed-exitcode')) return outcome.plan.changes.length > 0 ? 2 : 0;
    return 0;
  },
};
