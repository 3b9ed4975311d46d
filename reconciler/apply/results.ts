/** What applying one change came to. Shared by the Kafka applier, the users store and the reconcile outcome. */
import type { Change, ChangeOf, QuotaEntity, QuotaKey, QuotaValues } from '../model/schema';

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

/** One quota entity's alteration: keys to set and keys to remove (KIP-546's ops). */
export interface QuotaAlteration {
  entity: QuotaEntity;
  set: QuotaValues;
  remove: QuotaKey[];
}

/**
 * Where quota changes go: one AlterClientQuotas for all of them, an answer per entity (entity null: one it cannot
 * name; error null: applied, else Kafka's error by name, `INVALID_REQUEST (…)`).
 */
export interface QuotaChangeApplier {
  applyAlterations(
    alterations: readonly QuotaAlteration[],
  ): Promise<Array<{ entity: QuotaEntity | null; error: string | null }>>;
}
