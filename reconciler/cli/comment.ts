/**
 * `msk-gitops comment --base REF [DIR]`: the one pull-request comment (validation, policy, diff, optionally the live
 * plan), written to stdout or --output. Exit 1 when the manifests do not load or break the policy — after writing
 * the comment, so CI posts it either way.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs, type ConnectionFlags } from './connection-options';
import { commentPasses, renderPlanComments, type LivePlanOutcome, type PlanCommentInput } from '../diff/plan-comment';
import { displayDir, loadRevision } from '../diff/revisions';
import { diffDesiredStates } from '../diff/semantic';
import { checkPolicy } from '../policy/checks';
import { reconcileOnce } from '../reconcile';
import { renderPlanMarkdown } from '../report/plan-markdown';
import { type Command, type CommandContext } from './command';
import { revisionArgs, revisionOptions } from './diff';
import { UsageError } from '../shared/errors';
import { environmentArg, labelsArg } from './args';
import { environmentsToCheck } from './policy';

async function livePlan(
  ctx: CommandContext,
  dir: string,
  flags: ConnectionFlags,
  environment: string | undefined,
): Promise<LivePlanOutcome> {
  const profile = await profileFromArgs(flags, ctx.env);
  const outcome = await reconcileOnce({
    dir: path.resolve(ctx.cwd, dir),
    displayDir: dir,
    profile,
    apply: false,
    env: ctx.env,
    cwd: ctx.cwd,
    environment,
  });
  if (outcome.plan) return { markdown: renderPlanMarkdown(outcome.plan) };
  if (outcome.error) return { error: `${outcome.error.step}: ${outcome.error.message}` };
  return { error: `no plan (${outcome.status})` };
}

export const commentCommand: Command = {
  usage: `msk-gitops comment --base REF [--head REF] [--env NAME] [--labels L1,L2] [DIR] [--output FILE] [--live ${CONNECTION_USAGE}]  (without --env: one section per environment)`,
  async run(ctx) {
    const { positionals, values } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        ...revisionOptions,
        output: { type: 'string' },
        live: { type: 'boolean' },
        env: { type: 'string' },
        labels: { type: 'string' },
        ...connectionOptions,
      },
    });
    const { dir, base, head } = revisionArgs(positionals, values, true);
    // The live plan reads the manifests from disk: it describes the head only when the head is what is checked out.
    if (values.live && head !== undefined && head !== 'HEAD') {
      throw new UsageError('--live plans the checked-out manifests: use it with --head HEAD or without --head');
    }
    const env = environmentArg(values.env);
    const labels = labelsArg(values.labels);
    const shown = displayDir(dir);
    const settingsFile = shown === '.' ? 'settings.yaml' : `${shown}/settings.yaml`;
    const declared = env === undefined ? (await loadRevision({ cwd: ctx.cwd, dir, ref: head })).environments : [];
    const inputs: PlanCommentInput[] = [];
    for (const environment of environmentsToCheck(declared, env)) {
      const [before, after] = await Promise.all([
        loadRevision({ cwd: ctx.cwd, dir, ref: base, asBase: true, environment }),
        loadRevision({ cwd: ctx.cwd, dir, ref: head, environment }),
      ]);
      inputs.push({
        dir: shown,
        base: before,
        head: after,
        changes: before.state && after.state ? diffDesiredStates(before.state, after.state) : null,
        violations: after.state ? checkPolicy(after.state, before.state, { settingsFile, labels }) : null,
        // Only a loadable head is worth a round trip to the cluster.
        live: values.live && after.state ? await livePlan(ctx, dir, values, environment) : undefined,
        ...(environment === undefined ? {} : { environment }),
      });
    }
    const comment = renderPlanComments(inputs);
    const output = values.output;
    if (output) {
      await writeFile(path.resolve(ctx.cwd, output), comment);
      ctx.stderr.write(`wrote the comment to ${output}\n`);
    } else {
      ctx.stdout.write(comment);
    }
    return inputs.every(commentPasses) ? 0 : 1;
  },
};
