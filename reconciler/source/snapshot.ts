/** What the controller asks of a manifests source (git or a local folder): sync, the last good snapshot, an earlier one. */
import type { SignatureVerdict } from './signatures';

export interface SourceSnapshot {
  /** The manifests folder to reconcile. */
  dir: string;
  /** The commit (git) or null (a local folder has no revision). */
  revision: string | null;
  /**
   * The branch head's signature verdict, when the source verifies commits. A refused head is not what `dir` holds:
   * `dir` and `revision` are then the newest verified commit's.
   */
  signature?: SignatureVerdict;
}

export interface Source {
  /** Brings the manifests up to date (fetch + hard reset for git) and says where they are. */
  sync(): Promise<SourceSnapshot>;
  /** The last snapshot that synced, to keep reconciling (and healing drift) while the remote is unreachable. */
  lastSnapshot(): SourceSnapshot | null;
  /** The manifests at an earlier revision (git), to keep healing drift against the last good commit. */
  snapshotAt?(revision: string): Promise<SourceSnapshot>;
}
