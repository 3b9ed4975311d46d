/** The commit a manifests directory is checked out at, for a saved plan's record of what it was computed from. */
import { simpleGit } from 'simple-git';

export interface WorkTreeRevision {
  revision: string;
  /** Uncommitted changes under the directory: the digest, not the revision, says what was planned. */
  dirty: boolean;
}

/** null when the directory is not in a git work tree (or git is not installed): a plain folder is fine. */
export async function workTreeRevision(dir: string): Promise<WorkTreeRevision | null> {
  try {
    const git = simpleGit(dir);
    if (!(await git.checkIsRepo())) return null;
    const revision = (await git.revparse(['HEAD'])).trim();
    const status = await git.raw(['status', '--porcelain', '--', '.']);
    return { revision, dirty: status.trim().length > 0 };
  } catch {
    return null;
  }
}
