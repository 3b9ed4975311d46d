/** `msk-gitops diff --base REF [--head REF] [DIR]`: what a change to the manifests changes, in reviewers' terms. */
import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../model/load';
import { DIFF_FORMATS, renderDiff, type DiffFormat } from '../diff/render';
import { displayDir, loadRevision, type LoadedRevision } from '../diff/revisions';
import { diffDesiredStates } from '../diff/semantic';
import { type Command, type CommandContext } from './command';
import { DEFAULT_MANIFESTS_DIR } from './command';
import { environmentArg } from './args';
import { UsageError } from '../shared/errors';

/** The options `diff`, `policy` and `comment` share: the two revisions. */
export const revisionOptions = { base: { type: 'string' }, head: { type: 'string' } } as const;

/** The manifests directory and the two revisions from parsed arguments (`--head` absent: the work tree). */
export function revisionArgs(
  positionals: string[],
  values: { base?: string; head?: string },
  requireBase: boolean,
): { dir: string; base: string | undefined; head: string | undefined } {
  if (positionals.length > 1)
    throw new UsageError(`expected at most one manifests directory, got ${positionals.join(' ')}`);
  if (requireBase && values.base === undefined)
    throw new UsageError('--base REF is required (the branch the pull request merges into)');
  if (values.base === '' || values.head === '') throw new UsageError('--base and --head need a git revision');
  return { dir: positionals[0] ?? DEFAULT_MANIFESTS_DIR, base: values.base, head: values.head };
}

/** Diagnostics of a side that does not load, for stderr. */
export function loadProblemText(side: LoadedRevision, role: 'base' | 'head'): string {
  const lines = side.diagnostics.map(formatDiagnostic);
  const label = role === 'head' ? `the manifests (${side.ref})` : `the base revision ${side.ref}`;
  return `${lines.join('\n')}\n${lines.length} problem(s) in ${label}.\n`;
}

export const diffCommand: Command = {
  usage:
    'msk-gitops diff --base REF [--head REF] [DIR] [--env NAME] [--format text|markdown|json]  (--head defaults to the work tree)',
  async run(ctx: CommandContext) {
    const { positionals, values } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: { ...revisionOptions, format: { type: 'string', default: 'text' }, env: { type: 'string' } },
    });
    const { dir, base, head } = revisionArgs(positionals, values, true);
    const format = values.format;
    if (!DIFF_FORMATS.includes(format as DiffFormat)) throw new UsageError('--format must be text, markdown or json');
    const environment = environmentArg(values.env);
    const [before, after] = await Promise.all([
      loadRevision({ cwd: ctx.cwd, dir, ref: base, asBase: true, environment }),
      loadRevision({ cwd: ctx.cwd, dir, ref: head, environment }),
    ]);
    if (!after.state) {
      ctx.stderr.write(loadProblemText(after, 'head'));
      return 1;
    }
    if (!before.state) {
      ctx.stderr.write(`${loadProblemText(before, 'base')}Nothing to compare with.\n`);
      return 1;
    }
    const subject = {
      dir: displayDir(dir),
      base: { ref: before.ref, commit: before.commit },
      head: { ref: after.ref, commit: after.commit },
    };
    ctx.stdout.write(renderDiff(format as DiffFormat, subject, diffDesiredStates(before.state, after.state)));
    return 0;
  },
};
