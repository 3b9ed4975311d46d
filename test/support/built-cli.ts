/**
 * The compiled CLI, as users run it: `bin/msk-gitops.js` runs `dist/`, which `npm run build` (tsc) writes. Tests that
 * spawn the CLI test that, so jest's global setup builds first when any source is newer than the last build (a
 * stat of each file when nothing changed; an incremental tsc when something did).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, utimesSync } from 'node:fs';
import path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');
export const CLI_BIN = path.join(PROJECT_ROOT, 'bin', 'msk-gitops.js');
const BUILD_INFO = path.join(PROJECT_ROOT, 'dist', '.tsbuildinfo');

/** The newest modification time under `dir` (files and folders: a deleted file changes its folder's time). */
function newestMtime(dir: string): number {
  let newest = statSync(dir).mtimeMs;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function buildIsStale(): boolean {
  if (!existsSync(BUILD_INFO) || !existsSync(path.join(PROJECT_ROOT, 'dist', 'reconciler', 'cli.js'))) return true;
  const inputs = [
    newestMtime(path.join(PROJECT_ROOT, 'reconciler')),
    ...['tsconfig.json', 'tsconfig.build.json', 'package.json'].map(
      (f) => statSync(path.join(PROJECT_ROOT, f)).mtimeMs,
    ),
  ];
  return Math.max(...inputs) > statSync(BUILD_INFO).mtimeMs;
}

/** Runs `npm run build`'s tsc when dist/ is older than the sources; throws with tsc's output when it fails. */
export function ensureBuilt(log: (line: string) => void = () => {}): void {
  if (!buildIsStale()) return;
  log('building the CLI (tsc -p tsconfig.build.json) for the tests that run it as a user does');
  const tsc = require.resolve('typescript/bin/tsc', { paths: [PROJECT_ROOT] });
  const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
    cwd: PROJECT_ROOT,
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`npm run build failed:\n${result.stdout}${result.stderr}`);
  // tsc leaves its build info alone when no output changed: mark the build as current for the next check.
  const now = new Date();
  utimesSync(BUILD_INFO, now, now);
}
