/** What applying one change came to. Shared by the Kafka applier, the users store and the reconcile outcome. */
import type { Change, ChangeOf } from '../model/schema';

export interface ChangeResult {
  change: Change;
  ok: boolean;
  /** Names the failing step (`createAcls: ...`); never a secret. */
  error?: string;
}

/** The part of the users store the applier needs: user changes go through it, in one call. */
export interface UserChangeApplier {
  apply(changes: ChangeOf<'user'>[]): Promise<ChangeResult[]>;
}
