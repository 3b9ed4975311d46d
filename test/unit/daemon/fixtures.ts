/** Plain-value outcomes and changes for the controller's unit tests. */
import { ChangeSchema, type Change } from '../../../reconciler/model/schema';
import type { ReconcileOutcome } from '../../../reconciler/reconcile';

const binding = {
  principal: 'User:app',
  host: '*',
  resourceType: 'topic',
  resourceName: 'orders',
  patternType: 'literal',
  operation: 'Read',
  permission: 'allow',
};

/** An ACL creation by default; `over` may make it any change, which the model's schema then checks. */
export function change(id: string, over: Record<string, unknown> = {}): Change {
  return ChangeSchema.parse({
    id,
    action: 'create',
    kind: 'acl',
    resource: id,
    before: null,
    after: binding,
    verdict: { status: 'ok' },
    ...over,
  });
}

export function outcome(status: ReconcileOutcome['status'], over: Partial<ReconcileOutcome> = {}): ReconcileOutcome {
  return { status, diagnostics: [], plan: null, results: [], remaining: null, error: null, durationMs: 5, ...over };
}

export function inSync(): ReconcileOutcome {
  return outcome('in-sync', { plan: { changes: [], refused: null } });
}

export function converged(changes: Change[]): ReconcileOutcome {
  return outcome('converged', {
    plan: { changes, refused: null },
    results: changes.map((c) => ({ change: c, ok: true })),
    remaining: { changes: [], refused: null },
  });
}

export function drift(changes: Change[]): ReconcileOutcome {
  return outcome('drift', { plan: { changes, refused: null } });
}

export function failed(step: 'connect' | 'observe' | 'apply', message: string): ReconcileOutcome {
  return outcome('failed', { error: { step, message } });
}

export const formatDiagnostic = (d: unknown): string => {
  const x = d as { file: string; line: number; column: number; message: string };
  return `${x.file}:${x.line}:${x.column}: ${x.message}`;
};
