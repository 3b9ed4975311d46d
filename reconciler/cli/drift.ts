/** `msk-gitops drift [DIR]`: the plan read as a drift report; exit 2 on drift, 0 in sync, 1 on a refused change or an error. */
import { CONNECTION_USAGE } from './connection-options';
import type { Command } from './command';
import { documentOf, openPlan, parsePlanArgs, planExitCode, renderPlan, wantsColour } from './plan';

export const driftCommand: Command = {
  usage: `msk-gitops drift [DIR] [--env NAME] [--format text|markdown|json] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { dir, format, flags, env } = parsePlanArgs(ctx.argv);
    const planned = await openPlan(ctx, dir, flags, env);
    if (!planned) return 1;
    try {
      const { plan } = planned;
      const document = () => documentOf(ctx, dir, planned, plan, flags, env);
      const drifted = plan.changes.length > 0;
      if (format === 'text') {
        ctx.stdout.write(
          drifted
            ? 'Drift: the cluster differs from the manifests.\n\n'
            : 'In sync: the cluster matches the manifests.\n',
        );
        if (drifted) ctx.stdout.write(await renderPlan(plan, format, wantsColour(ctx), document));
      } else {
        ctx.stdout.write(await renderPlan(plan, format, false, document));
      }
      return planExitCode(plan, 2);
    } finally {
      await planned.close();
    }
  },
};
