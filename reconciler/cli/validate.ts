/** `msk-gitops validate [DIR]`: every problem in the manifests at once, as `file:line:column: message`. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { displayPrefixOf, formatDiagnostic, loadDesiredState, type Diagnostic } from '../model/load';
import { DEFAULT_MANIFESTS_DIR, type Command } from './command';
import { UsageError, errorMessage } from '../shared/errors';
import type { DesiredState } from '../model/schema';
import { environmentArg } from './args';

const FORMATS = ['text', 'json', 'github'] as const;

/** A GitHub Actions workflow command: the problem shows on the pull request's diff, at its line. */
function githubAnnotation(d: Diagnostic): string {
  const escapeData = (text: string) => text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  const escapeProperty = (text: string) => escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
  const place = d.line > 0 ? `,line=${d.line},col=${d.column}` : '';
  return `::error file=${escapeProperty(d.file)}${place}::${escapeData(d.message)}`;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export const validateCommand: Command = {
  usage:
    'msk-gitops validate [DIR] [--env NAME] [--format text|json|github]   (DIR defaults to desired-state; without --env: the shared manifests and every environment)',
  async run({ argv, stdout, cwd }) {
    const { positionals, values } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: { format: { type: 'string', default: 'text' }, env: { type: 'string' } },
        });
      } catch (error) {
        // parseArgs' own errors are usage errors (exit 1 with the usage), whatever realm their TypeError comes from.
        throw new UsageError(errorMessage(error), { cause: error });
      }
    })();
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    const format = values.format as (typeof FORMATS)[number];
    if (!FORMATS.includes(format)) throw new UsageError(`--format must be ${FORMATS.join(', ')}`);
    const shown = positionals[0] ?? DEFAULT_MANIFESTS_DIR;
    const dir = path.resolve(cwd, shown);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UsageError(`${shown}: no such directory`);

    // Paths as the user typed the directory, so editors and CI annotations can open them.
    const load = (environment?: string) =>
      loadDesiredState(dir, { displayPrefix: displayPrefixOf(shown), environment });
    const countsOf = (state: DesiredState | null) => {
      const apps = new Set(state?.acls.map((acl) => acl.origin?.via).filter((via) => via?.startsWith('app ')));
      return state
        ? { topics: state.topics.length, users: state.users.length, apps: apps.size, acls: state.acls.length }
        : null;
    };
    const first = await load(environmentArg(values.env));
    // Without --env, every environment the tree declares is checked too: a pull request must not break one.
    const others =
      values.env === undefined
        ? await Promise.all((first.environments ?? []).map(async (name) => ({ name, result: await load(name) })))
        : [];
    const seen = new Set<string>();
    const diagnostics = [first, ...others.map((o) => o.result)]
      .flatMap((result) => result.diagnostics)
      .filter((d) => {
        const key = formatDiagnostic(d);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
    const valid = diagnostics.length === 0;
    const label = values.env === undefined ? shown : `${shown} (environment ${values.env})`;
    const summary = (name: string, state: DesiredState | null) => {
      const counts = countsOf(state)!;
      return (
        `${name}: ${plural(counts.topics, 'topic')}, ${plural(counts.users, 'user')}, ${plural(counts.apps, 'app')}, ` +
        `${plural(counts.acls, 'ACL')} — valid\n`
      );
    };

    if (format === 'json') {
      const report = {
        dir: shown,
        ...(values.env === undefined ? {} : { environment: values.env }),
        valid,
        counts: countsOf(first.state),
        diagnostics,
        ...(others.length
          ? {
              environments: others.map((o) => ({
                name: o.name,
                valid: o.result.state !== null,
                counts: countsOf(o.result.state),
              })),
            }
          : {}),
      };
      stdout.write(`${JSON.stringify(report, null, 2)}\n`);
      return valid ? 0 : 1;
    }
    if (valid) {
      stdout.write(summary(label, first.state));
      for (const other of others) stdout.write(summary(`${shown} (environment ${other.name})`, other.result.state));
      return 0;
    }
    for (const d of diagnostics) stdout.write(`${format === 'github' ? githubAnnotation(d) : formatDiagnostic(d)}\n`);
    stdout.write(`${label}: ${plural(diagnostics.length, 'problem')} — nothing will be applied\n`);
    return 1;
  },
};
