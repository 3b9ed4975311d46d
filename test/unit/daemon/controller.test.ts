import { Controller, type Timers } from '../../../reconciler/daemon/controller';
import type { Source } from '../../../reconciler/source/snapshot';
import type { Notice } from '../../../reconciler/notify/assess';
import { silentLogger } from '../../../reconciler/shared/logger';
import type { ReconcileOutcome, ReconcileRequest } from '../../../reconciler/reconcile';
import { ConnectionProfileSchema, type ConnectionProfile } from '../../../reconciler/connection/profile';
import { change, converged, failed, formatDiagnostic, inSync, outcome } from './fixtures';

const profile: ConnectionProfile = ConnectionProfileSchema.parse({
  bootstrapServers: ['127.0.0.1:1'],
  auth: 'plaintext',
});

class FakeTimers implements Timers {
  time = 0;
  timers: { at: number; fn: () => void; id: number }[] = [];
  private seq = 0;
  now = () => this.time;
  setTimeout = (fn: () => void, ms: number) => {
    const id = ++this.seq;
    this.timers.push({ at: this.time + ms, fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((t) => t.id !== id);
  };
  /** Advances the clock, firing due timers in order. */
  advance(ms: number) {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time).sort((a, b) => a.at - b.at);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const t of due) t.fn();
  }
}

class FakeSource implements Source {
  revision = 'c1';
  snapshotAt?: (revision: string) => Promise<{ dir: string; revision: string }>;
  fail: string | null = null;
  synced = false;
  async sync() {
    if (this.fail) throw new Error(this.fail);
    this.synced = true;
    return { dir: '/m', revision: this.revision };
  }
  lastSnapshot() {
    return this.synced ? { dir: '/m', revision: this.revision } : null;
  }
}

/** A reconcile that waits until the test releases it, so overlap and coalescing can be observed. */
function gatedReconcile(results: ReconcileOutcome[]) {
  const calls: ReconcileRequest[] = [];
  let active = 0;
  let maxActive = 0;
  const gates: (() => void)[] = [];
  const reconcile = async (req: ReconcileRequest) => {
    calls.push(req);
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise<void>((resolve) => gates.push(resolve));
    active--;
    return results.shift() ?? inSync();
  };
  const release = async () => {
    while (gates.length === 0) await new Promise((r) => setImmediate(r));
    gates.shift()!();
    await new Promise((r) => setImmediate(r));
  };
  return { reconcile, calls, release, maxActive: () => maxActive };
}

function make(
  reconcile: (req: ReconcileRequest) => Promise<ReconcileOutcome>,
  source = new FakeSource(),
  timers = new FakeTimers(),
) {
  const notices: Notice[] = [];
  const controller = new Controller({
    reconcile,
    source,
    profile,
    modes: { topics: 'apply', acls: 'detect', users: 'suspend' },
    formatDiagnostic,
    logger: silentLogger(),
    timers,
    retry: { initialMs: 1000, maxMs: 8000 },
    sinks: { notify: (n) => notices.push(n) },
  });
  return { controller, notices, source, timers };
}

describe('Controller', () => {
  it('never overlaps reconciles and coalesces triggers that arrive meanwhile into one run', async () => {
    const gate = gatedReconcile([]);
    const { controller } = make(gate.reconcile);
    const first = controller.trigger('schedule');
    const second = controller.trigger('webhook');
    const third = controller.trigger('file change');
    await gate.release();
    await first;
    await gate.release();
    await Promise.all([second, third]);
    expect(gate.calls).toHaveLength(2);
    expect(gate.maxActive()).toBe(1);
    expect(controller.status().lastReconcile?.trigger).toBe('webhook, file change');
  });

  it('passes the modes per kind and always asks to apply', async () => {
    const calls: ReconcileRequest[] = [];
    const { controller } = make(async (req) => {
      calls.push(req);
      return inSync();
    });
    await controller.trigger('start');
    expect(calls[0]).toMatchObject({
      dir: '/m',
      apply: true,
      modes: { topics: 'apply', acls: 'detect', users: 'suspend' },
    });
  });

  it('retries a failed reconcile with backoff and recovers', async () => {
    const results = [
      failed('connect', 'ECONNREFUSED'),
      failed('connect', 'ECONNREFUSED'),
      converged([change('acl:a')]),
    ];
    let calls = 0;
    const { controller, timers, notices } = make(async () => {
      calls++;
      return results.shift() ?? inSync();
    });
    await controller.trigger('start');
    expect(controller.status()).toMatchObject({ connected: false, consecutiveFailures: 1 });
    timers.advance(999);
    expect(calls).toBe(1);
    timers.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    timers.advance(1999);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(2);
    timers.advance(1);
    await new Promise((r) => setImmediate(r));
    expect(calls).toBe(3);
    expect(notices.map((n) => n.type)).toEqual(['failure', 'recovered', 'applied']);
    expect(controller.status()).toMatchObject({ connected: true, consecutiveFailures: 0, nextRetryAt: null });
  });

  it('keeps running on the last synced revision when the source fails, and reports it', async () => {
    const source = new FakeSource();
    const errors: [string, boolean][] = [];
    const controller = new Controller({
      reconcile: async () => inSync(),
      source,
      profile,
      modes: {},
      formatDiagnostic,
      logger: silentLogger(),
      timers: new FakeTimers(),
      sinks: { onSourceError: (m, first) => errors.push([m, first]) },
    });
    await controller.trigger('start');
    source.fail = 'git: could not resolve host';
    await controller.trigger('schedule');
    await controller.trigger('schedule');
    expect(errors).toEqual([
      ['git: could not resolve host', true],
      ['git: could not resolve host', false],
    ]);
    expect(controller.status()).toMatchObject({
      headRevision: 'c1',
      lastReconcile: { status: 'in-sync' },
      sourceError: { message: 'git: could not resolve host' },
    });
  });

  it('survives a reconcile that throws', async () => {
    const { controller } = make(async () => {
      throw new Error('boom');
    });
    await controller.trigger('start');
    expect(controller.status().lastError).toMatchObject({ message: 'boom' });
    expect(controller.isRunning()).toBe(false);
  });

  it('stop waits for the running reconcile, then refuses new triggers', async () => {
    const gate = gatedReconcile([]);
    const { controller } = make(gate.reconcile);
    void controller.trigger('start');
    await new Promise((r) => setImmediate(r));
    const stopping = controller.stop(60_000);
    await gate.release();
    expect(await stopping).toBe(true);
    await controller.trigger('late');
    expect(gate.calls).toHaveLength(1);
  });

  it('while the head is bad, keeps reconciling the last good revision without calling the head fixed', async () => {
    const source = new FakeSource();
    const snapshots: string[] = [];
    source.snapshotAt = async (revision: string) => {
      snapshots.push(revision);
      return { dir: '/good', revision };
    };
    const dirs: string[] = [];
    const invalid = {
      ...inSync(),
      status: 'invalid' as const,
      plan: null,
      diagnostics: [{ file: 'a.yaml', line: 1, column: 2, message: 'bad' }] as never,
    };
    const { controller, notices } = make(async (req) => {
      dirs.push(req.dir);
      return req.dir === '/m' && source.revision === 'c2' ? invalid : inSync();
    }, source);
    await controller.trigger('start');
    source.revision = 'c2';
    await controller.trigger('schedule');
    expect(dirs).toEqual(['/m', '/m', '/good']);
    expect(snapshots).toEqual(['c1']);
    expect(notices.map((n) => n.type)).toEqual(['invalid-commit']);
    expect(controller.status()).toMatchObject({
      headRevision: 'c2',
      convergedRevision: 'c1',
      lastReconcile: { status: 'invalid', revision: 'c2' },
      lastGoodCommitReconcile: { status: 'in-sync', revision: 'c1' },
      badCommit: { revision: 'c2', problems: ['a.yaml:1:2: bad'] },
    });
  });
});

describe('Controller status (Flux-style)', () => {
  const condition = (controller: Controller, type: string) =>
    controller.status().conditions.find((c) => c.type === type);

  it('reports Ready/Reconciling/Stalled with reasons, the revisions, the trigger and the run history', async () => {
    const results = [converged([change('acl:a')]), failed('connect', 'ECONNREFUSED'), inSync()];
    const { controller, source, timers } = make(async () => results.shift() ?? inSync());
    expect(condition(controller, 'Ready')).toMatchObject({ status: 'Unknown', reason: 'Progressing' });
    timers.time = 1000;
    await controller.trigger('start');
    expect(controller.status()).toMatchObject({
      lastAppliedRevision: 'c1',
      lastAttemptedRevision: 'c1',
      lastHandledTrigger: 'start',
      lastHandledTriggerAt: '1970-01-01T00:00:01.000Z',
    });
    expect(condition(controller, 'Ready')).toMatchObject({
      status: 'True',
      reason: 'ReconciliationSucceeded',
      lastTransitionTime: '1970-01-01T00:00:01.000Z',
    });

    source.revision = 'c2';
    timers.time = 2000;
    await controller.trigger('webhook');
    expect(controller.status()).toMatchObject({ lastAppliedRevision: 'c1', lastAttemptedRevision: 'c2' });
    expect(condition(controller, 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ReconciliationFailed',
      message: 'connect failed: ECONNREFUSED',
    });
    expect(condition(controller, 'Reconciling')).toMatchObject({ status: 'True', reason: 'RetryScheduled' });
    expect(condition(controller, 'Stalled')).toMatchObject({ status: 'False' });

    timers.advance(1000);
    await new Promise((r) => setImmediate(r));
    expect(condition(controller, 'Ready')).toMatchObject({
      status: 'True',
      lastTransitionTime: '1970-01-01T00:00:03.000Z',
    });
    expect(condition(controller, 'Reconciling')).toMatchObject({ status: 'False', reason: 'Idle' });
    expect(controller.status().history.map((r) => [r.trigger, r.revision, r.result, r.counts.applied])).toEqual([
      ['retry', 'c2', 'in-sync', 0],
      ['webhook', 'c2', 'failed', 0],
      ['start', 'c1', 'converged', 1],
    ]);
  });

  it('is Stalled on invalid manifests until a new commit fixes them, and keeps 20 runs', async () => {
    const invalid = outcome('invalid', {
      diagnostics: [{ file: 'a.yaml', line: 1, column: 2, message: 'bad' }] as ReconcileOutcome['diagnostics'],
    });
    const results = [invalid];
    const { controller, source } = make(async () => results.shift() ?? inSync());
    await controller.trigger('start');
    expect(condition(controller, 'Stalled')).toMatchObject({ status: 'True', reason: 'InvalidManifests' });
    expect(condition(controller, 'Ready')).toMatchObject({ status: 'False', reason: 'InvalidManifests' });
    source.revision = 'c2';
    for (let i = 0; i < 25; i++) await controller.trigger('schedule');
    expect(condition(controller, 'Stalled')).toMatchObject({ status: 'False' });
    expect(controller.status().history).toHaveLength(20);
  });
});
