/**
 * `msk-gitops plan [DIR]`: what apply would change, as text, markdown or JSON; `--out FILE` saves it for
 * `apply FILE`. The exit codes of plan, apply and drift are one table (docs/plan-and-exit-codes.md): 0 nothing to
 * do, 2 changes (with --detailed-exitcode; drift always), 1 anything a pipeline must stop on — a refused change, a
 * refused plan, invalid manifests, a cluster that cannot be reached or read.
 */
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs, type ConnectionFlags } from './connection-options';
import { type PlanDocument, type Plan } from '../model/schema';
import { planReconcile, type PlannedReconcile, type ReconcileRequest } from '../reconcile';
import { outcomeProblemText } from '../report/outcome-text';
import { planDocument, renderPlanJson } from '../report/plan-json';
import { renderPlanMarkdown } from '../report/plan-markdown';
import { renderPlanText } from '../report/plan-text';
import { DEFAULT_MANIFESTS_DIR, type Command, type CommandContext } from './command';
import { UsageError } from '../shared/errors';
import { environmentArg } from './args';

export type PlanFormat = 'text' | 'markdown' | 'json';

/** DIR, --format, the connection flags and the command's own flags (e.g. --detailed-exitcode, --out). */
export function parsePlanArgs(
  argv: string[],
  booleanFlags: readonly string[] = [],
  stringFlags: readonly string[] = [],
) {
  const options: ParseArgsConfig['options'] = {
    ...connectionOptions,
    env: { type: 'string' },
    format: { type: 'string', default: 'text' },
    ...Object.fromEntries(booleanFlags.map((name) => [name, { type: 'boolean' as const, default: false }])),
    ...Object.fromEntries(stringFlags.map((name) => [name, { type: 'string' as const }])),
  };
  const { positionals, values } = parseArgs({ args: argv, allowPositionals: true, options });
  if (positionals.length > 1)
    throw new UsageError(`expected at most one manifests directory, got ${positionals.join(' ')}`);
  const format = String(values.format);
  if (!['text', 'markdown', 'json'].includes(format)) throw new UsageError(`--format must be text, markdown or json`);
  const flags = values as ConnectionFlags;
  const flag = (name: string): boolean => values[name] === true;
  const option = (name: string): string | undefined => {
    const value = values[name];
    return typeof value === 'string' ? value : undefined;
  };
  return {
    dir: positionals[0] ?? DEFAULT_MANIFESTS_DIR,
    format: format as PlanFormat,
    flags,
    flag,
    option,
    env: environmentArg(option('env')),
  };
}

/** Colour on a terminal unless NO_COLOR is set (https://no-color.org). */
export function wantsColour(ctx: CommandContext): boolean {
  return Boolean(ctx.stdout.isTTY) && !ctx.env.NO_COLOR;
}

/** A change the planner refused, or the plan refused whole: an error for plan, apply and drift alike. */
export function isRefused(plan: Plan): boolean {
  return plan.refused !== null || plan.changes.some((change) => change.verdict.status === 'refused');
}

/** The exit code of a plan that was shown: 1 refused, `changesCode` when it holds changes, else 0. */
export function planExitCode(plan: Plan, changesCode: 0 | 2): number {
  if (isRefused(plan)) return 1;
  return plan.changes.length > 0 ? changesCode : 0;
}

/**
 * Loads, connects, observes once and plans, positions shown under DIR as typed; writes the problem to stderr and
 * returns null when there is no plan. The caller applies the plan or closes.
 */
export async function openPlan(
  ctx: CommandContext,
  dir: string,
  flags: ConnectionFlags,
  environment?: string,
  request: Pick<ReconcileRequest, 'verifyWaitMs' | 'onProgress'> = {},
): Promise<(PlannedReconcile & { plan: Plan }) | null> {
  const profile = await profileFromArgs(flags, ctx.env);
  const planned = await planReconcile({
    dir: resolve(ctx.cwd, dir),
    displayDir: dir,
    profile,
    apply: false,
    env: ctx.env,
    cwd: ctx.cwd,
    environment,
    ...request,
  });
  const problem = outcomeProblemText(planned.outcome);
  const { plan } = planned.outcome;
  if (problem || !plan) {
    ctx.stderr.write(problem ?? `${planned.outcome.status}\n`);
    await planned.close();
    return null;
  }
  return Object.assign(planned, { plan });
}

/** The plan as a document: the changes and what they were computed from (see model PlanDocumentSchema). */
export async function documentOf(
  ctx: CommandContext,
  dir: string,
  planned: PlannedReconcile,
  plan: Plan,
  flags: ConnectionFlags,
  environment?: string,
): Promise<PlanDocument> {
  const profile = await profileFromArgs(flags, ctx.env);
  return planDocument(plan, {
    dir,
    manifestsDigest: planned.inputs?.manifestsDigest ?? '',
    // Loaded here: git (simple-git) only when a plan is saved or shown as JSON, not for every plan and apply.
    git: await (await import('../source/work-tree')).workTreeRevision(resolve(ctx.cwd, dir)),
    clusterId: planned.inputs?.clusterId ?? null,
    bootstrapServers: profile.bootstrapServers,
    fingerprints: planned.fingerprints(plan),
    environment,
  });
}

export async function renderPlan(
  plan: Plan,
  format: PlanFormat,
  colour: boolean,
  document: () => Promise<PlanDocument>,
): Promise<string> {
  if (format === 'json') return renderPlanJson(await document());
  if (format === 'markdown') return renderPlanMarkdown(plan);
  return renderPlanText(plan, { color: colour });
}

export const planCommand: Command = {
  usage: `msk-gitops plan [DIR] [--env NAME] [--format text|markdown|json] [--detailed-exitcode] [--out FILE] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, format, flags, flag, option, env } = parsePlanArgs(ctx.argv, ['detailed-exitcode'], ['out']);
    const out = option('out');
    const planned = await openPlan(ctx, dir, flags, env);
    if (!planned) return 1;
    try {
      const { plan } = planned;
      let document: PlanDocument | null = null;
      const documentOnce = async () => (document ??= await documentOf(ctx, dir, planned, plan, flags, env));
      ctx.stdout.write(await renderPlan(plan, format, wantsColour(ctx), documentOnce));
      if (out !== undefined) {
        if (isRefused(plan)) {
          ctx.stderr.write(
            `msk-gitops plan: not saved to ${out}: a refused plan cannot be applied; fix the manifests\n`,
          );
          return 1;
        }
        await writeFile(resolve(ctx.cwd, out), renderPlanJson(await documentOnce()));
        (format === 'text' ? ctx.stdout : ctx.stderr).write(
          `\nSaved the plan to ${out}. Apply exactly this plan with: msk-gitops apply ${out}\n`,
        );
      }
      return planExitCode(plan, flag('detailed-exitcode') ? 2 : 0);
    } finally {
      await planned.close();
    }
  },
};
