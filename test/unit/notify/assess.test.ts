import { assess, assessSignature, initialMemory, type Memory, type Notice } from '../../../reconciler/notify/assess';
import type { ReconcileOutcome } from '../../../reconciler/reconcile';
import { change, converged, drift, failed, formatDiagnostic, inSync, outcome } from '../daemon/fixtures';
import { backoffMs } from '../../../reconciler/shared/retry';

const HOUR = 3600_000;

function run(steps: [string | null, ReconcileOutcome, number][], memory: Memory = initialMemory): Notice[][] {
  const all: Notice[][] = [];
  let m = memory;
  for (const [revision, o, now] of steps) {
    const r = assess(m, { revision, outcome: o, now, reminderMs: 4 * HOUR, formatDiagnostic });
    m = r.memory;
    all.push(r.notices);
  }
  return all;
}

const types = (notices: Notice[]) =>
  notices.map((n) =>
    n.type === 'drift' ? `drift:${n.healed ? 'healed' : 'detected'}${n.reminder ? ':reminder' : ''}` : n.type,
  );

describe('assess', () => {
  it('reports changes on a new commit as applied, and on the same commit as healed drift', () => {
    const acl = change('acl:a');
    const notices = run([
      ['c1', converged([acl]), 0],
      ['c1', converged([acl]), 60_000],
      ['c1', inSync(), 120_000],
    ]);
    expect(notices.map(types)).toEqual([['applied'], ['drift:healed'], []]);
  });

  it('reports a bad commit once, with file:line:column and the commit, then again as fixed', () => {
    const invalid = outcome('invalid', {
      diagnostics: [{ file: 'acls.yaml', line: 3, column: 7, message: 'unknown operation "Reed"' }] as never,
    });
    const notices = run([
      ['c1', inSync(), 0],
      ['c2', invalid, 1],
      ['c2', invalid, 2],
      ['c3', inSync(), 3],
    ]);
    expect(notices.map(types)).toEqual([[], ['invalid-commit'], [], ['commit-fixed']]);
    expect(notices[1][0]).toEqual({
      type: 'invalid-commit',
      revision: 'c2',
      status: 'invalid',
      problems: ['acls.yaml:3:7: unknown operation "Reed"'],
    });
    expect(notices[3][0]).toEqual({ type: 'commit-fixed', revision: 'c3', badRevision: 'c2' });
  });

  it('reports a refused plan with its reason', () => {
    const refused = outcome('refused', { plan: { changes: [], refused: { reason: '12 deletions > maxPerApply 10' } } });
    const [notices] = run([['c1', refused, 0]]);
    expect(notices).toEqual([
      { type: 'invalid-commit', revision: 'c1', status: 'refused', problems: ['12 deletions > maxPerApply 10'] },
    ]);
  });

  it('dedups detected drift, reports it again when it changes or after the reminder, and resolves it', () => {
    const a = change('topic-config:t:retention.ms', {
      action: 'update',
      kind: 'topic-config',
      topic: 't',
      key: 'retention.ms',
      before: '1000',
      after: '604800000',
    });
    const a2 = change(a.id, { ...a, before: '2000' });
    const notices = run([
      ['c1', drift([a]), 0],
      ['c1', drift([a]), 60_000],
      ['c1', drift([a2]), 120_000],
      ['c1', drift([a2]), 120_000 + 4 * HOUR],
      ['c1', inSync(), 130_000 + 4 * HOUR],
      ['c1', inSync(), 140_000 + 4 * HOUR],
    ]);
    expect(notices.map(types)).toEqual([
      ['drift:detected'],
      [],
      ['drift:detected'],
      ['drift:detected:reminder'],
      ['drift-resolved'],
      [],
    ]);
    const first = notices[0][0];
    expect(first.type === 'drift' && first.items[0]).toMatchObject({
      expected: '604800000',
      found: '1000',
      kind: 'topic-config',
    });
  });

  it('reports a failure once per step and message, and recovery once', () => {
    const notices = run([
      ['c1', failed('connect', 'ECONNREFUSED'), 0],
      ['c1', failed('connect', 'ECONNREFUSED'), 1],
      ['c1', failed('observe', 'timeout'), 2],
      ['c1', inSync(), 3],
    ]);
    expect(notices.map(types)).toEqual([['failure'], [], ['failure'], ['recovered']]);
  });

  it('counts consecutive failures for the backoff', () => {
    let m = initialMemory;
    for (let i = 0; i < 3; i++)
      m = assess(m, { revision: 'c', outcome: failed('connect', 'x'), now: i, reminderMs: 1, formatDiagnostic }).memory;
    expect(m.consecutiveFailures).toBe(3);
    m = assess(m, { revision: 'c', outcome: inSync(), now: 9, reminderMs: 1, formatDiagnostic }).memory;
    expect(m.consecutiveFailures).toBe(0);
    expect([1, 2, 3, 10, 40].map((n) => backoffMs(n, 1000, 60_000))).toEqual([1000, 2000, 4000, 60_000, 60_000]);
  });
});

describe('assessSignature', () => {
  const verdict = (revision: string, verified: boolean) => ({
    revision,
    verified,
    signer: verified ? 'alice@example.com' : null,
    key: null,
    committer: 'alice@example.com',
    reason: verified ? null : 'the commit is not signed',
  });

  it('reports a refused head once, a new refused head again, and the verified head that ends it', () => {
    let memory = initialMemory;
    const seen: string[] = [];
    for (const [revision, verified] of [
      ['c1', true],
      ['c2', false],
      ['c2', false],
      ['c3', false],
      ['c4', true],
      ['c4', true],
    ] as const) {
      const result = assessSignature(memory, verdict(revision, verified), verified ? revision : 'c1');
      memory = result.memory;
      seen.push(...result.notices.map((n) => `${n.type}:${n.revision}`));
    }
    expect(seen).toEqual(['unverified-commit:c2', 'unverified-commit:c3', 'commit-verified:c4']);
  });
});
