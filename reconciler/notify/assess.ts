/**
 * What a reconcile outcome means to the people on call, as pure data: given what the controller remembers and the
 * outcome of one reconcile, which notices to send and what to remember next. No clock (the time is an argument),
 * no I/O, so every rule here (report a bad commit once, dedup drift, remind, resolve) is tested with plain values.
 *
 * Drift is a plan computed when git did not change: changes found on a revision the controller had already
 * converged. Changes on a new revision are a deployment, not drift.
 */
import type { Change } from '../model/schema';
import type { ReconcileOutcome } from '../apply/outcome';
import { changeText } from '../report/plan-text';
import type { SignatureVerdict } from '../source/signatures';
import { stateOf } from '../report/change-line';

export interface DriftItem {
  id: string;
  action: Change['action'];
  kind: Change['kind'];
  resource: string;
  /** What git says (the change's `after`), and what the cluster had (`before`), as the plan words them. */
  expected: string;
  found: string;
  origin?: string;
  /** Why it was not healed, when it was not (detect mode, deletions disabled, refused). */
  reason?: string;
  /** The change as the plan prints it (the report's text renderer), for the status page. */
  plan: string;
}

export type Notice =
  | { type: 'applied'; revision: string | null; changes: DriftItem[]; failed: { item: DriftItem; error: string }[] }
  | { type: 'invalid-commit'; revision: string | null; status: 'invalid' | 'refused'; problems: string[] }
  | { type: 'commit-fixed'; revision: string | null; badRevision: string | null }
  | { type: 'drift'; revision: string | null; healed: boolean; items: DriftItem[]; reminder: boolean }
  | { type: 'drift-resolved'; revision: string | null; items: DriftItem[] }
  | { type: 'failure'; revision: string | null; step: string; message: string }
  | { type: 'recovered'; revision: string | null; step: string }
  /** The head's signature does not verify; `appliedRevision` is the verified commit the cluster keeps (or null). */
  | { type: 'unverified-commit'; revision: string; reason: string; key: string | null; appliedRevision: string | null }
  | { type: 'commit-verified'; revision: string; signer: string | null; refusedRevision: string };

export interface Memory {
  /** The last revision whose manifests were valid and reconciled (the cluster is at or converging to it). */
  convergedRevision: string | null;
  /** Set while the head revision is bad; the key makes the report once-only. */
  bad: { revision: string | null; key: string } | null;
  /** The unhealed drift last reported, and when. */
  drift: { fingerprint: string; items: DriftItem[]; reportedAt: number } | null;
  /** The last healed drift reported, so a drift that keeps coming back is not reported every minute. */
  healed: { fingerprint: string; reportedAt: number } | null;
  /** The failure last reported (step + message), so a broker down for an hour is one message, not sixty. */
  failure: { step: string; key: string } | null;
  consecutiveFailures: number;
  /** The refused (unsigned or untrusted) head last reported, so it is reported once. */
  unverified: { revision: string } | null;
}

export const initialMemory: Memory = {
  convergedRevision: null,
  bad: null,
  drift: null,
  healed: null,
  failure: null,
  consecutiveFailures: 0,
  unverified: null,
};

export interface AssessInput {
  revision: string | null;
  outcome: ReconcileOutcome;
  now: number;
  reminderMs: number;
  /** Formats a diagnostic as `file:line:column: message` (the model's formatter, injected to keep this pure). */
  formatDiagnostic: (diagnostic: ReconcileOutcome['diagnostics'][number]) => string;
  /**
   * The run reconciled the last good revision because the head is bad: it heals drift, but it does not mean the
   * head was fixed.
   */
  fallback?: boolean;
}

function originText(change: Change): string | undefined {
  const o = change.origin;
  return o ? `${o.file}:${o.line}:${o.column}${o.via ? ` (${o.via})` : ''}` : undefined;
}

export function driftItem(change: Change): DriftItem {
  return {
    id: change.id,
    action: change.action,
    kind: change.kind,
    resource: change.resource,
    expected: stateOf(change, 'after'),
    found: stateOf(change, 'before'),
    origin: originText(change),
    reason: change.verdict.status === 'ok' ? undefined : (change.verdict.reason ?? change.verdict.status),
    plan: changeText(change, (_colour, text) => text).replace(/^ {2}/, ''),
  };
}

/** The same drift gives the same fingerprint; a drift whose found value changes gives another. */
export function fingerprint(items: DriftItem[]): string {
  return items
    .map((item) => `${item.id}|${item.action}|${item.expected}|${item.found}`)
    .sort()
    .join('\n');
}

/** Changes the reconcile left undone: the re-observed plan when there is one, else the plan minus what was applied. */
export function unappliedChanges(outcome: ReconcileOutcome): Change[] {
  if (outcome.remaining) return outcome.remaining.changes;
  const applied = new Set(outcome.results.filter((r) => r.ok).map((r) => r.change.id));
  return (outcome.plan?.changes ?? []).filter((change) => !applied.has(change.id));
}

export function assess(memory: Memory, input: AssessInput): { memory: Memory; notices: Notice[] } {
  const { revision, outcome, now } = input;
  const notices: Notice[] = [];
  let next: Memory = { ...memory };

  if (outcome.status === 'failed') {
    const step = outcome.error?.step ?? 'reconcile';
    const message = outcome.error?.message ?? 'reconcile failed';
    const key = `${step}\n${message}`;
    if (memory.failure?.key !== key) notices.push({ type: 'failure', revision, step, message });
    next = { ...next, failure: { step, key }, consecutiveFailures: memory.consecutiveFailures + 1 };
    // An apply that failed half-way still applied something: that part is reported like any other apply.
    const applied = outcome.results.filter((r) => r.ok).map((r) => driftItem(r.change));
    const failed = outcome.results
      .filter((r) => !r.ok)
      .map((r) => ({ item: driftItem(r.change), error: r.error ?? 'failed' }));
    if (applied.length > 0 || failed.length > 0) notices.push({ type: 'applied', revision, changes: applied, failed });
    return { memory: next, notices };
  }

  if (memory.failure) notices.push({ type: 'recovered', revision, step: memory.failure.step });
  next = { ...next, failure: null, consecutiveFailures: 0 };

  if (outcome.status === 'invalid' || outcome.status === 'refused') {
    const problems =
      outcome.status === 'invalid'
        ? outcome.diagnostics.map(input.formatDiagnostic)
        : [outcome.plan?.refused?.reason ?? outcome.error?.message ?? 'the plan was refused'];
    const key = `${revision}\n${outcome.status}\n${problems.join('\n')}`;
    if (memory.bad?.key !== key) notices.push({ type: 'invalid-commit', revision, status: outcome.status, problems });
    next = { ...next, bad: { revision, key } };
    return { memory: next, notices };
  }

  // in-sync, converged or drift: the revision is good.
  if (memory.bad && !input.fallback) notices.push({ type: 'commit-fixed', revision, badRevision: memory.bad.revision });
  const sameRevision = memory.convergedRevision !== null && memory.convergedRevision === revision;
  next = { ...next, bad: input.fallback ? memory.bad : null, convergedRevision: revision };

  const applied = outcome.results.filter((r) => r.ok).map((r) => driftItem(r.change));
  const failed = outcome.results
    .filter((r) => !r.ok)
    .map((r) => ({ item: driftItem(r.change), error: r.error ?? 'failed' }));
  if (sameRevision && applied.length > 0) {
    const print = fingerprint(applied);
    const remind = memory.healed !== null && now - memory.healed.reportedAt >= input.reminderMs;
    if (memory.healed?.fingerprint !== print || remind) {
      notices.push({ type: 'drift', revision, healed: true, items: applied, reminder: false });
      next = { ...next, healed: { fingerprint: print, reportedAt: now } };
    }
  } else if (applied.length > 0 || failed.length > 0) {
    notices.push({ type: 'applied', revision, changes: applied, failed });
  }

  const unhealed = unappliedChanges(outcome).map(driftItem);
  if (unhealed.length > 0) {
    const print = fingerprint(unhealed);
    if (memory.drift?.fingerprint !== print) {
      notices.push({ type: 'drift', revision, healed: false, items: unhealed, reminder: false });
      next = { ...next, drift: { fingerprint: print, items: unhealed, reportedAt: now } };
    } else if (now - memory.drift.reportedAt >= input.reminderMs) {
      notices.push({ type: 'drift', revision, healed: false, items: unhealed, reminder: true });
      next = { ...next, drift: { ...memory.drift, reportedAt: now } };
    }
  } else if (memory.drift) {
    notices.push({ type: 'drift-resolved', revision, items: memory.drift.items });
    next = { ...next, drift: null };
  }
  return { memory: next, notices };
}

/** A refused head is reported once; the first verified head after it is reported as the end of the refusal. */
export function assessSignature(
  memory: Memory,
  verdict: SignatureVerdict,
  appliedRevision: string | null,
): { memory: Memory; notices: Notice[] } {
  if (!verdict.verified) {
    if (memory.unverified?.revision === verdict.revision) return { memory, notices: [] };
    const notice: Notice = {
      type: 'unverified-commit',
      revision: verdict.revision,
      reason: verdict.reason ?? 'the signature does not verify',
      key: verdict.key,
      appliedRevision,
    };
    return { memory: { ...memory, unverified: { revision: verdict.revision } }, notices: [notice] };
  }
  if (!memory.unverified) return { memory, notices: [] };
  const notice: Notice = {
    type: 'commit-verified',
    revision: verdict.revision,
    signer: verdict.signer,
    refusedRevision: memory.unverified.revision,
  };
  return { memory: { ...memory, unverified: null }, notices: [notice] };
}
