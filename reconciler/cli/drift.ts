/** `msk-gitops drift [DIR]`: the plan read as a drift report; exit 2 on drift, 0 in sync, 1 on error. */
import { CONNECTION_USAGE } from '../connection/cli-options';
import type { Command } from './command';
import { parsePlanArgs, planForCli, renderPlan, wantsColour } from './plan';

export const driftCommand: Command = {
  usage: `msk-gitops drift [DIR] [--format text|markdown|json] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, format, flags } = parsePlanArgs(ctx.argv);
    const outcome = await planForCli(ctx, dir, flags);
    if (!outcome?.plan) return 1;
    const drifted = outcome.plan.changes.length > 0;
    if (format === 'text') {
      ctx.stdout.write(
        drifted
          ? 'Drift: the cluster differs from the manifests.\n\n'
          : 'In sync: the cluster matches the manifests.\n',
      );
      if (drifted) ctx.stdout.write(renderPlan(outcome.plan, format, wantsColour(ctx)));
    } else {
      ctx.stdout.write(renderPlan(outcome.plan, format, false));
    }
    return drifted ? 2 : 0;
  },
};
