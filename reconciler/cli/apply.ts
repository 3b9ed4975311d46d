/**
 * `msk-gitops apply [DIR]`: shows the plan, asks on a terminal (or takes --auto-approve), applies, verifies. It
 * refuses to apply a plan other than the one shown: if the cluster or the manifests changed in between, run again.
 */
import { resolve } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { CONNECTION_USAGE, profileFromArgs } from '../connection/cli-options';
import type { Plan } from '../model/schema';
import { reconcileOnce } from '../reconcile';
import { summaryLine } from '../report/change-line';
import { renderApplyResultsText, renderPlanText } from '../report/plan-text';
import { UserFacingError, type Command } from './command';
import { parsePlanArgs, planForCli, wantsColour } from './plan';

function fingerprint(plan: Plan): string {
  return JSON.stringify(
    plan.changes.map((change) => [change.id, change.action, change.before, change.after, change.verdict]),
  );
}

async function confirm(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return (await prompt.question(question)).trim() === 'yes';
  } finally {
    prompt.close();
  }
}

export const applyCommand: Command = {
  usage: `msk-gitops apply [DIR] [--auto-approve] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, flags, flag } = parsePlanArgs(ctx.argv, ['auto-approve']);
    const colour = wantsColour(ctx);
    const shown = await planForCli(ctx, dir, flags);
    if (!shown?.plan) return 1;
    ctx.stdout.write(renderPlanText(shown.plan, { color: colour }));
    if (shown.plan.refused) return 1;
    if (!shown.plan.changes.some((change) => change.verdict.status === 'ok')) return 0;

    if (!flag('auto-approve')) {
      if (!process.stdin.isTTY) {
        throw new UserFacingError('no terminal to confirm on: pass --auto-approve to apply without asking');
      }
      if (!(await confirm('\nApply these changes? (yes/no) '))) {
        ctx.stdout.write('Apply cancelled; nothing was changed.\n');
        return 1;
      }
    }

    const profile = await profileFromArgs(flags, ctx.env);
    const expected = fingerprint(shown.plan);
    // Plan and apply are two reads of the cluster; apply only what was shown.
    const recheck = await reconcileOnce({ dir: resolve(ctx.cwd, dir), profile, apply: false });
    if (!recheck.plan || fingerprint(recheck.plan) !== expected) {
      throw new UserFacingError(
        'the cluster or the manifests changed since the plan was shown; nothing was applied, run apply again',
      );
    }
    const outcome = await reconcileOnce({
      dir: resolve(ctx.cwd, dir),
      profile,
      apply: true,
      onProgress: ({ step, message }) => {
        if (step !== 'load' && step !== 'connect') ctx.stdout.write(`${step}: ${message}\n`);
      },
    });
    ctx.stdout.write(`\n${renderApplyResultsText(outcome.results, { color: colour })}`);
    if (outcome.remaining) ctx.stdout.write(`Verification: ${summaryLine(outcome.remaining)}\n`);
    if (outcome.error) ctx.stderr.write(`msk-gitops apply: ${outcome.error.step}: ${outcome.error.message}\n`);
    return outcome.status === 'converged' || outcome.status === 'in-sync' ? 0 : 1;
  },
};
