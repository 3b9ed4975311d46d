/**
 * The two sides of a pull request as desired states: a git revision (read from the object database) or the work
 * tree (read by the loader, exactly as `validate` and `plan` read it). Paths in diagnostics and origins are made
 * relative to the current directory (`desired-state/apps/lms.yaml:4:5`), so a reviewer and CI annotations find them.
 */
import path from 'node:path';
import { buildDesiredState, loadDesiredState, SETTINGS_FILES, type Diagnostic, type LoadResult } from '../model/load';
import { SettingsSchema, type DesiredState, type Origin } from '../model/schema';
import { readManifestsAtRevision } from './git-revision';
import type { RevisionOutcome } from './plan-comment';

/** How the work tree is named in output when `--head` is left out. */
export const WORK_TREE = 'work tree';

export interface LoadedRevision extends RevisionOutcome {
  /** The commit a ref resolved to; null for the work tree. */
  commit: string | null;
  /** Null when the manifests do not load. */
  state: DesiredState | null;
}

/** Nothing declared, default settings: the base of the pull request that adds the manifests directory. */
export function emptyDesiredState(): DesiredState {
  return { topics: [], users: [], acls: [], settings: SettingsSchema.parse({}) };
}

/**
 * The desired state at `ref`, or in the work tree when `ref` is undefined. A revision where `dir` does not exist or
 * holds no manifests is the empty state (everything in the head is an addition), never an error.
 */
export async function loadRevision(options: { cwd: string; dir: string; ref?: string }): Promise<LoadedRevision> {
  const { cwd, dir, ref } = options;
  const shown = displayDir(dir);
  if (ref === undefined) {
    const absolute = path.resolve(cwd, dir);
    const result = await loadDesiredState(absolute);
    return outcome(WORK_TREE, null, relocate(result, shown, absolute));
  }
  const revision = await readManifestsAtRevision({ cwd, dir, ref });
  if (!revision.files.some((file) => !SETTINGS_FILES.includes(file.path))) {
    return { ref, commit: revision.commit, loaded: true, diagnostics: [], state: emptyDesiredState() };
  }
  return outcome(ref, revision.commit, relocate(buildDesiredState(revision.files), shown));
}

function outcome(ref: string, commit: string | null, result: LoadResult): LoadedRevision {
  return { ref, commit, loaded: result.state !== null, diagnostics: result.diagnostics, state: result.state };
}

/** `desired-state/` → `desired-state`; `./` → `.`. */
export function displayDir(dir: string): string {
  const normal = path.normalize(dir).split(path.sep).join('/').replace(/\/+$/, '');
  return normal === '' ? '.' : normal;
}

/** The loader names files relative to the manifests root; output names them relative to where the command runs. */
export function relocate(result: LoadResult, dir: string, absoluteDir?: string): LoadResult {
  const file = (name: string) => {
    if (absoluteDir !== undefined && name === absoluteDir) return dir;
    return dir === '.' ? name : `${dir}/${name}`;
  };
  const origin = <T extends { origin?: Origin }>(item: T): T =>
    item.origin ? { ...item, origin: { ...item.origin, file: file(item.origin.file) } } : item;
  // "no manifests found in /home/…/desired-state": the absolute path would make output differ between machines.
  const message = (text: string) => (absoluteDir === undefined ? text : text.split(absoluteDir).join(dir));
  const diagnostics: Diagnostic[] = result.diagnostics.map((d) => ({
    ...d,
    file: file(d.file),
    message: message(d.message),
  }));
  if (!result.state) return { state: null, diagnostics };
  const { topics, users, acls, settings } = result.state;
  return {
    state: { topics: topics.map(origin), users: users.map(origin), acls: acls.map(origin), settings },
    diagnostics,
  };
}
