/**
 * The two sides of a pull request as desired states: a git revision (read from the object database) or the work
 * tree (read by the loader, exactly as `validate` and `plan` read it). Paths in diagnostics and origins are shown
 * under the directory as the user wrote it (`desired-state/apps/lms.yaml:4:5`), so a reviewer and CI annotations
 * find them.
 */
import path from 'node:path';
import {
  buildDesiredState,
  environmentNames,
  isEnvironmentFile,
  loadDesiredState,
  SETTINGS_FILES,
  withOriginsUnder,
  type LoadResult,
} from '../model/load';
import { SettingsSchema, type DesiredState } from '../model/schema';
import { readManifestsAtRevision } from './git-revision';
import type { RevisionOutcome } from './plan-comment';

/** How the work tree is named in output when `--head` is left out. */
export const WORK_TREE = 'work tree';

export interface LoadedRevision extends RevisionOutcome {
  /** The commit a ref resolved to; null for the work tree. */
  commit: string | null;
  /** Null when the manifests do not load. */
  state: DesiredState | null;
  /** The environments the revision declares (`environments/<name>.yaml`). */
  environments: string[];
}

/** Nothing declared, default settings: the base of the pull request that adds the manifests directory. */
export function emptyDesiredState(): DesiredState {
  return { topics: [], users: [], acls: [], settings: SettingsSchema.parse({}) };
}

/**
 * The desired state at `ref`, or in the work tree when `ref` is undefined. For the base of a comparison
 * (`asBase`), a revision where `dir` does not exist or holds no manifests is the empty state — the pull request that
 * adds the manifests is all additions. A head without manifests stays an error, as `validate` says: an empty desired
 * state never means "delete everything".
 */
export async function loadRevision(options: {
  cwd: string;
  dir: string;
  ref?: string;
  asBase?: boolean;
  /** Build this environment (shared + environments/NAME.yaml). A base that does not declare it yet: its shared manifests. */
  environment?: string;
}): Promise<LoadedRevision> {
  const { cwd, dir, ref, asBase = false, environment } = options;
  const shown = displayDir(dir);
  // The loader prefixes diagnostics itself (including places quoted inside messages); origins are ours to prefix.
  const display = { displayPrefix: shown === '.' ? '' : shown };
  if (ref === undefined) {
    const result = await loadDesiredState(path.resolve(cwd, dir), { ...display, environment });
    return outcome(WORK_TREE, null, withOriginsUnder(result, shown));
  }
  const revision = await readManifestsAtRevision({ cwd, dir, ref });
  const environments = environmentNames(revision.files);
  if (asBase && !revision.files.some((file) => !SETTINGS_FILES.includes(file.path) && !isEnvironmentFile(file.path))) {
    return { ref, commit: revision.commit, loaded: true, diagnostics: [], state: emptyDesiredState(), environments };
  }
  const built = asBase && environment !== undefined && !environments.includes(environment) ? undefined : environment;
  return outcome(
    ref,
    revision.commit,
    withOriginsUnder(buildDesiredState(revision.files, { ...display, environment: built }), shown),
  );
}

function outcome(ref: string, commit: string | null, result: LoadResult): LoadedRevision {
  return {
    ref,
    commit,
    loaded: result.state !== null,
    diagnostics: result.diagnostics,
    state: result.state,
    environments: result.environments ?? [],
  };
}

/** `desired-state/` → `desired-state`; `./` → `.`. */
export function displayDir(dir: string): string {
  const normal = path.normalize(dir).split(path.sep).join('/').replace(/\/+$/, '');
  return normal === '' ? '.' : normal;
}
