/** The verdicts the planner gives, worded once so the CLI, the docs and the tests read the same reasons. */
import type { ManagedKind, Verdict } from '../model/schema';

export type DeletableKind = ManagedKind;

export const OK: Verdict = { status: 'ok' };

export function deletionsDisabled(kind: DeletableKind): Verdict {
  return { status: 'skipped', reason: `deletions of ${kind} are not enabled (settings.yaml deletions.${kind})` };
}

export function deletionVerdict(enabled: boolean, kind: DeletableKind): Verdict {
  return enabled ? OK : deletionsDisabled(kind);
}
