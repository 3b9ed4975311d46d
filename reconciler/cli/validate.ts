/** `msk-gitops validate [DIR]`: every problem in the manifests at once, as `file:line:column: message`. */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { formatDiagnostic, loadDesiredState } from '../model/load';
import { UsageError, type Command } from './command';

export const DEFAULT_MANIFESTS_DIR = 'desired-state';

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export const validateCommand: Command = {
  summary: 'check the manifests (all problems at once, file:line:column); exit 0 valid, 1 invalid',
  usage: 'msk-gitops validate [DIR] [--format text|json]   (DIR defaults to desired-state)',
  async run({ argv, stdout, cwd }) {
    const { positionals, values } = (() => {
      try {
        return parseArgs({
          args: argv,
          allowPositionals: true,
          options: { format: { type: 'string', default: 'text' } },
        });
      } catch (error) {
        // parseArgs' own errors are usage errors (exit 2), whatever realm their TypeError comes from.
        throw new UsageError((error as Error).message);
      }
    })();
    if (positionals.length > 1) throw new UsageError('expected at most one directory');
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError('--format must be text or json');
    const shown = positionals[0] ?? DEFAULT_MANIFESTS_DIR;
    const dir = path.resolve(cwd, shown);
    const isDir = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UsageError(`${shown}: no such directory`);

    // Paths as the user typed the directory, so editors and CI annotations can open them.
    const displayPrefix = shown === '.' || shown === './' ? '' : shown.split(path.sep).join('/');
    const { state, diagnostics } = await loadDesiredState(dir, { displayPrefix });
    const apps = new Set(state?.acls.map((acl) => acl.origin?.via).filter((via) => via?.startsWith('app ')));
    const counts = state
      ? { topics: state.topics.length, users: state.users.length, apps: apps.size, acls: state.acls.length }
      : null;

    if (values.format === 'json') {
      stdout.write(
        `${JSON.stringify({ dir: shown, valid: state !== null, counts, diagnostics: diagnostics }, null, 2)}\n`,
      );
      return state ? 0 : 1;
    }
    if (state && counts) {
      stdout.write(
        `${shown}: ${plural(counts.topics, 'topic')}, ${plural(counts.users, 'user')}, ${plural(counts.apps, 'app')}, ` +
          `${plural(counts.acls, 'ACL')} — valid\n`,
      );
      return 0;
    }
    for (const d of diagnostics) stdout.write(`${formatDiagnostic(d)}\n`);
    stdout.write(`${shown}: ${plural(diagnostics.length, 'problem')} — nothing will be applied\n`);
    return 1;
  },
};
