/** `msk-gitops policy [DIR] [--base REF]`: the pull-request policy; exit 1 on any violation. */
import { parseArgs } from 'node:util';
import { displayDir, loadRevision } from '../diff/revisions';
import { checkPolicy, formatViolation, type PolicyViolation } from '../policy/checks';
import { type Command } from './command';
import { loadProblemText, revisionArgs, revisionOptions } from './diff';
import { UsageError } from '../shared/errors';

/** A GitHub Actions workflow command: the violation becomes an annotation on the line in the pull request. */
function githubAnnotation(violation: PolicyViolation): string {
  const escape = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const property = (text: string) => escape(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  // A place in the base revision would land on whatever now occupies that line: annotate the file instead.
  const place =
    violation.revision === 'base'
      ? `file=${property(violation.file)}`
      : `file=${property(violation.file)},line=${violation.line},col=${violation.column}`;
  const message =
    violation.revision === 'base'
      ? `${violation.message} [base ${violation.file}:${violation.line}:${violation.column}]`
      : violation.message;
  return `::error ${place},title=${property(`msk-gitops policy [${violation.rule}]`)}::${escape(message)}`;
}

export const policyCommand: Command = {
  usage: 'msk-gitops policy [DIR] [--base REF] [--head REF] [--format text|github]  (--head defaults to the work tree)',
  async run(ctx) {
    const { positionals, values } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: { ...revisionOptions, format: { type: 'string', default: 'text' } },
    });
    const { dir, base, head } = revisionArgs(positionals, values, false);
    const format = values.format;
    if (format !== 'text' && format !== 'github') throw new UsageError('--format must be text or github');
    const [after, before] = await Promise.all([
      loadRevision({ cwd: ctx.cwd, dir, ref: head }),
      base === undefined ? Promise.resolve(null) : loadRevision({ cwd: ctx.cwd, dir, ref: base, asBase: true }),
    ]);
    if (!after.state) {
      ctx.stderr.write(loadProblemText(after, 'head'));
      return 1;
    }
    if (before && !before.state) {
      // The rules about what a change removes need the base; the rest still apply.
      ctx.stderr.write(`${loadProblemText(before, 'base')}Checking without it (topic deletions are not judged).\n`);
    }
    const shown = displayDir(dir);
    const settingsFile = shown === '.' ? 'settings.yaml' : `${shown}/settings.yaml`;
    const violations = checkPolicy(after.state, before?.state ?? null, { settingsFile });
    for (const violation of violations) {
      ctx.stdout.write(`${format === 'github' ? githubAnnotation(violation) : formatViolation(violation)}\n`);
    }
    const checked = `${after.state.acls.length} ACL bindings, ${after.state.topics.length} topics`;
    if (violations.length === 0) {
      ctx.stdout.write(`policy: ok (${checked}${before?.state ? `, compared with ${before.ref}` : ''})\n`);
      return 0;
    }
    ctx.stdout.write(`policy: ${violations.length} violation(s) (${checked})\n`);
    return 1;
  },
};
