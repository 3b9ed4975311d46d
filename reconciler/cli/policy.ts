/** `msk-gitops policy [DIR] [--base REF]`: the pull-request policy; exit 1 on any violation. */
import { parseArgs } from 'node:util';
import { displayDir, loadRevision } from '../diff/revisions';
import { checkPolicy, formatViolation, type PolicyViolation } from '../policy/checks';
import { type Command } from './command';
import { loadProblemText, revisionArgs, revisionOptions } from './diff';
import { UsageError } from '../shared/errors';
import { environmentArg, labelsArg } from './args';

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

/** The environments to judge: `--env`, else every environment the head declares, else the shared manifests alone. */
export function environmentsToCheck(declared: string[], env: string | undefined): (string | undefined)[] {
  if (env !== undefined) return [env];
  return declared.length > 0 ? declared : [undefined];
}

export const policyCommand: Command = {
  usage:
    'msk-gitops policy [DIR] [--base REF] [--head REF] [--env NAME] [--format text|github] [--labels L1,L2]  (--head defaults to the work tree; without --env: every environment)',
  async run(ctx) {
    const { positionals, values } = parseArgs({
      args: ctx.argv,
      allowPositionals: true,
      options: {
        ...revisionOptions,
        format: { type: 'string', default: 'text' },
        env: { type: 'string' },
        labels: { type: 'string' },
      },
    });
    const { dir, base, head } = revisionArgs(positionals, values, false);
    const format = values.format;
    if (format !== 'text' && format !== 'github') throw new UsageError('--format must be text or github');
    const env = environmentArg(values.env);
    const labels = labelsArg(values.labels);
    const shown = displayDir(dir);
    const settingsFile = shown === '.' ? 'settings.yaml' : `${shown}/settings.yaml`;
    const declared = env === undefined ? (await loadRevision({ cwd: ctx.cwd, dir, ref: head })).environments : [];
    const environments = environmentsToCheck(declared, env);
    // One violation in a shared file shows once, naming the environments it is found in.
    const found = new Map<string, { violation: PolicyViolation; environments: string[] }>();
    const checked: string[] = [];
    let loadFailed = false;
    let compared = '';
    for (const environment of environments) {
      const [after, before] = await Promise.all([
        loadRevision({ cwd: ctx.cwd, dir, ref: head, environment }),
        base === undefined
          ? Promise.resolve(null)
          : loadRevision({ cwd: ctx.cwd, dir, ref: base, asBase: true, environment }),
      ]);
      if (!after.state) {
        ctx.stderr.write(loadProblemText(after, 'head'));
        loadFailed = true;
        continue;
      }
      if (before && !before.state) {
        // The rules about what a change removes need the base; the rest still apply.
        ctx.stderr.write(`${loadProblemText(before, 'base')}Checking without it (topic deletions are not judged).\n`);
      }
      for (const violation of checkPolicy(after.state, before?.state ?? null, { settingsFile, labels })) {
        const key = formatViolation(violation);
        const entry = found.get(key) ?? { violation, environments: [] };
        if (environment !== undefined) entry.environments.push(environment);
        found.set(key, entry);
      }
      const what = `${after.state.acls.length} ACL bindings, ${after.state.topics.length} topics`;
      checked.push(environment === undefined ? what : `${environment}: ${what}`);
      if (before?.state) compared = `, compared with ${before.ref}`;
    }
    if (loadFailed) return 1;
    const every = environments.filter((e) => e !== undefined).length;
    for (const { violation, environments: where } of found.values()) {
      const tagged =
        where.length > 0 && where.length < every
          ? { ...violation, message: `${violation.message} (environment ${where.join(', ')})` }
          : violation;
      ctx.stdout.write(`${format === 'github' ? githubAnnotation(tagged) : formatViolation(tagged)}\n`);
    }
    if (found.size === 0) {
      ctx.stdout.write(`policy: ok (${checked.join('; ')}${compared})\n`);
      return 0;
    }
    ctx.stdout.write(`policy: ${found.size} violation(s) (${checked.join('; ')})\n`);
    return 1;
  },
};
