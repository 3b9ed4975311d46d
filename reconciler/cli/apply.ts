/**
 * `msk-gitops apply [DIR]`: observes the cluster once, shows the plan, asks on a terminal (or takes --auto-approve),
 * applies that same plan and verifies. `msk-gitops apply FILE` applies a plan saved by `plan --out FILE` exactly,
 * without planning again, after proving that nothing it was computed from has moved: the manifests' digest, the
 * cluster's id and the fingerprint of every live resource it reads or touches. A stale plan is refused whole.
 *
 * A plan with a refused change is not applied at all: the manifests ask for something unsafe or impossible, and the
 * rest of them may depend on it.
 */
import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CONNECTION_USAGE, profileFromArgs } from './connection-options';
import { PLAN_FORMAT_VERSION, PlanDocumentSchema, type Plan, type PlanDocument } from '../model/schema';
import { staleResources } from '../plan/fingerprint';
import { planReconcile, VERIFY_WAIT_MS, type PlannedReconcile } from '../reconcile';
import { summaryLine } from '../report/change-line';
import { outcomeProblemText } from '../report/outcome-text';
import { renderApplyResultsText, renderPlanText } from '../report/plan-text';
import type { Command, CommandContext } from './command';
import { openPlan, parsePlanArgs, wantsColour } from './plan';
import { UsageError, UserFacingError } from '../shared/errors';

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(question)).trim() === 'yes';
  } finally {
    prompt.close();
  }
}

/** A plan file, checked against the model's PlanDocumentSchema; anything else is named for what it is. */
async function readPlanFile(ctx: CommandContext, file: string): Promise<PlanDocument> {
  const text = await readFile(resolve(ctx.cwd, file), 'utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new UserFacingError(
      `${file} is not a saved plan (not JSON); save one with: msk-gitops plan DIR --out ${file}`,
    );
  }
  const version = (data as { format_version?: unknown } | null)?.format_version;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new UserFacingError(
      `${file}: plan format_version ${JSON.stringify(version)} is not ${PLAN_FORMAT_VERSION}, the one this msk-gitops applies; plan again`,
    );
  }
  const parsed = PlanDocumentSchema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new UserFacingError(`${file} is not a valid saved plan: ${issue.path.join('.')}: ${issue.message}`);
  }
  return parsed.data;
}

/** Why a saved plan no longer describes the cluster and the manifests, or nothing when it still does. */
function stalenessOf(document: PlanDocument, planned: PlannedReconcile, plan: Plan): string[] {
  const reasons: string[] = [];
  const { manifests, cluster, live } = document.inputs;
  if (planned.inputs?.manifestsDigest !== manifests.digest) reasons.push(`the manifests in ${manifests.dir} changed`);
  const clusterNow = planned.inputs?.clusterId ?? null;
  if (clusterNow !== cluster.id) {
    reasons.push(
      `the plan was made for cluster ${cluster.id ?? '(unknown)'}, this is cluster ${clusterNow ?? '(unknown)'}`,
    );
  } else {
    reasons.push(...staleResources(live.resources, planned.fingerprints(plan)));
  }
  return reasons;
}

const MAX_STALE_SHOWN = 10;

async function applyShown(
  ctx: CommandContext,
  planned: PlannedReconcile,
  plan: Plan,
  options: { ask: boolean; verifyWaitMs?: number },
): Promise<number> {
  const { verifyWaitMs } = options;
  const colour = wantsColour(ctx);
  ctx.stdout.write(renderPlanText(plan, { color: colour }));
  if (plan.refused) return 1;
  const refused = plan.changes.filter((change) => change.verdict.status === 'refused').length;
  if (refused > 0) {
    ctx.stderr.write(
      `msk-gitops apply: ${refused} refused change(s) above; nothing was applied. Fix the manifests at the positions shown.\n`,
    );
    return 1;
  }
  if (!plan.changes.some((change) => change.verdict.status === 'ok')) return 0;

  if (options.ask) {
    if (!process.stdin.isTTY) {
      throw new UserFacingError('no terminal to confirm on: pass --auto-approve to apply without asking');
    }
    if (!(await confirm('\nApply these changes? (yes/no) '))) {
      ctx.stdout.write('Apply cancelled; nothing was changed.\n');
      return 1;
    }
  }
  ctx.stdout.write('\n');
  const outcome = await planned.apply(plan);
  ctx.stdout.write(`\n${renderApplyResultsText(outcome.results, { color: colour })}`);
  if (outcome.remaining) ctx.stdout.write(`Verification: ${summaryLine(outcome.remaining)}\n`);
  if (outcome.error) {
    // The verification ran out of time: say what to look at, not only what differs.
    const hint =
      outcome.error.step === 'verify'
        ? ` (waited ${Math.round((verifyWaitMs ?? VERIFY_WAIT_MS) / 1000)} s for every broker; another client may be changing it back, or the cluster did not keep what was written: msk-gitops plan shows what differs)`
        : '';
    ctx.stderr.write(`msk-gitops apply: ${outcome.error.step}: ${outcome.error.message}${hint}\n`);
  }
  return outcome.status === 'converged' || outcome.status === 'in-sync' ? 0 : 1;
}

function progressTo(ctx: CommandContext) {
  return ({ step, message }: { step: string; message: string }): void => {
    if (step !== 'load' && step !== 'connect' && step !== 'observe' && step !== 'plan') {
      ctx.stdout.write(`${step}: ${message}\n`);
    }
  };
}

async function applySaved(
  ctx: CommandContext,
  file: string,
  flags: Parameters<typeof profileFromArgs>[0],
  env: string | undefined,
  verifyWaitMs: number | undefined,
) {
  const document = await readPlanFile(ctx, file);
  const environment = document.inputs.manifests.environment;
  if (env !== undefined && env !== environment) {
    ctx.stderr.write(
      `msk-gitops apply: the plan in ${file} was made for ${environment === undefined ? 'the shared manifests (no --env)' : `environment "${environment}"`}, not "${env}". Nothing was applied.\n`,
    );
    return 1;
  }
  const plan: Plan = { changes: document.changes, refused: document.refused };
  const { dir } = document.inputs.manifests;
  const profile = await profileFromArgs(flags, ctx.env);
  const planned = await planReconcile({
    dir: resolve(ctx.cwd, dir),
    displayDir: dir,
    profile,
    apply: false,
    env: ctx.env,
    cwd: ctx.cwd,
    verifyWaitMs,
    onProgress: progressTo(ctx),
    environment,
  });
  try {
    const problem = outcomeProblemText(planned.outcome);
    if (problem || !planned.outcome.plan) {
      ctx.stderr.write(problem ?? `${planned.outcome.status}\n`);
      return 1;
    }
    const stale = stalenessOf(document, planned, plan);
    if (stale.length > 0) {
      const shown = stale.slice(0, MAX_STALE_SHOWN).join('; ');
      const more = stale.length > MAX_STALE_SHOWN ? ` (and ${stale.length - MAX_STALE_SHOWN} more)` : '';
      ctx.stderr.write(
        `msk-gitops apply: the plan in ${file} is stale: ${shown}${more} since it was planned. Nothing was applied; plan again.\n`,
      );
      return 1;
    }
    ctx.stdout.write(`Applying the plan saved in ${file} (the cluster and the manifests are as planned).\n\n`);
    return await applyShown(ctx, planned, plan, { ask: false, verifyWaitMs });
  } finally {
    await planned.close();
  }
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
}

/** `--verify-wait SECONDS` (or MSK_GITOPS_VERIFY_WAIT): how long the verification waits for the cluster, in ms. */
export function verifyWaitOption(flag: string | undefined, env: NodeJS.ProcessEnv): number | undefined {
  const raw = flag ?? (env[VERIFY_WAIT_ENV] || undefined);
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(seconds) || seconds < 0 || seconds > 3600) {
    const source = flag === undefined ? VERIFY_WAIT_ENV : '--verify-wait';
    throw new UsageError(`${source}: expected seconds from 0 to 3600, got ${JSON.stringify(raw)}`);
  }
  return Math.round(seconds * 1000);
}

export const VERIFY_WAIT_ENV = 'MSK_GITOPS_VERIFY_WAIT';

export const applyCommand: Command = {
  usage: `msk-gitops apply [DIR] [--env NAME] [--auto-approve] [--verify-wait SECONDS] ${CONNECTION_USAGE} | msk-gitops apply FILE [--verify-wait SECONDS] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, flags, flag, env, option } = parsePlanArgs(ctx.argv, ['auto-approve'], ['verify-wait']);
    const verifyWaitMs = verifyWaitOption(option('verify-wait'), ctx.env);
    if (await isFile(resolve(ctx.cwd, dir))) return applySaved(ctx, dir, flags, env, verifyWaitMs);
    const planned = await openPlan(ctx, dir, flags, env, { verifyWaitMs, onProgress: progressTo(ctx) });
    if (!planned) return 1;
    try {
      return await applyShown(ctx, planned, planned.plan, { ask: !flag('auto-approve'), verifyWaitMs });
    } finally {
      await planned.close();
    }
  },
};
