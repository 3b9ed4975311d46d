import {
  SettingsSchema,
  type AclEntry,
  type DesiredState,
  type LiveState,
  type Settings,
} from '../../../reconciler/model/schema';
import { plan } from '../../../reconciler/plan/plan';
import { globMatches } from '../../../reconciler/plan/scope';

function settings(overrides: Partial<Record<keyof Settings, unknown>> = {}): Settings {
  return SettingsSchema.parse(overrides);
}

const acl = (principal: string, operation: AclEntry['operation'], resourceName: string): AclEntry => ({
  principal,
  host: '*',
  resourceType: 'topic',
  resourceName,
  patternType: 'literal',
  operation,
  permission: 'allow',
});

const topic = (name: string, partitions = 2, replicationFactor = 2, config: Record<string, string> = {}) => ({
  name,
  partitions,
  replicationFactor,
  config,
});

function desired(partial: Partial<DesiredState>): DesiredState {
  return { topics: [], users: [], acls: [], settings: settings(), ...partial };
}
function live(partial: Partial<LiveState>): LiveState {
  return { topics: [], acls: [], users: [], ...partial };
}

describe('plan: topics', () => {
  it('creates a missing topic with its partitions, RF and config', () => {
    const p = plan(desired({ topics: [topic('lms', 2, 2, { 'retention.ms': '1000' })] }), live({}));
    expect(p.refused).toBeNull();
    expect(p.changes).toEqual([
      expect.objectContaining({
        id: 'topic:lms',
        action: 'create',
        kind: 'topic',
        after: { partitions: 2, replicationFactor: 2, config: { 'retention.ms': '1000' } },
        verdict: { status: 'ok' },
      }),
    ]);
  });

  it('lists nothing when desired and live agree (no-ops are hidden)', () => {
    const p = plan(
      desired({ topics: [topic('lms', 2, 2, { 'retention.ms': '1' })] }),
      live({ topics: [topic('lms', 2, 2, { 'retention.ms': '1', 'x.y': 'z' })] }),
    );
    expect(p).toEqual({ changes: [], refused: null });
  });

  it('grows partitions and refuses a decrease with the reason', () => {
    const grow = plan(desired({ topics: [topic('a', 4)] }), live({ topics: [topic('a', 2)] }));
    expect(grow.changes).toEqual([
      expect.objectContaining({ id: 'partitions:a', before: 2, after: 4, verdict: { status: 'ok' } }),
    ]);
    const shrink = plan(desired({ topics: [topic('a', 1)] }), live({ topics: [topic('a', 2)] }));
    expect(shrink.changes[0].verdict).toEqual({
      status: 'refused',
      reason: 'partitions can only grow: 2 → 1 would need the topic to be recreated',
    });
  });

  it('changes configs key by key, only declared keys', () => {
    const p = plan(
      desired({ topics: [topic('a', 2, 2, { 'retention.ms': '86400000', 'cleanup.policy': 'delete' })] }),
      live({ topics: [topic('a', 2, 2, { 'retention.ms': '604800000', 'segment.ms': '1' })] }),
    );
    expect(p.changes.map((c) => [c.id, c.before, c.after])).toEqual([
      ['topic-config:a:cleanup.policy', null, 'delete'],
      ['topic-config:a:retention.ms', '604800000', '86400000'],
    ]);
  });

  it('skips deleting an undeclared topic unless deletions.topics is on', () => {
    const off = plan(desired({ topics: [topic('a')] }), live({ topics: [topic('a'), topic('b')] }));
    expect(off.changes).toEqual([
      expect.objectContaining({
        id: 'topic:b',
        action: 'delete',
        verdict: { status: 'skipped', reason: 'deletions of topics are not enabled (settings.yaml deletions.topics)' },
      }),
    ]);
    const on = plan(
      desired({ topics: [topic('a')], settings: settings({ deletions: { topics: true } }) }),
      live({ topics: [topic('a'), topic('b')] }),
    );
    expect(on.changes[0].verdict).toEqual({ status: 'ok' });
  });

  it('never touches topics outside scope, protected or internal', () => {
    const s = settings({
      scope: { topics: ['app-*'] },
      protected: { topics: ['app-keep'] },
      deletions: { topics: true },
    });
    const p = plan(
      desired({ topics: [topic('app-a')], settings: s }),
      live({ topics: [topic('app-a'), topic('other'), topic('app-keep'), topic('__consumer_offsets', 50, 2)] }),
    );
    expect(p.changes).toEqual([]);
  });

  it('refuses a declared topic outside the scope instead of silently ignoring it', () => {
    const p = plan(
      desired({ topics: [topic('other')], settings: settings({ scope: { topics: ['app-*'] } }) }),
      live({}),
    );
    expect(p.changes[0].verdict).toEqual({
      status: 'refused',
      reason: 'topic other is outside settings.yaml scope.topics',
    });
  });
});

describe('plan: ACLs', () => {
  it('creates missing bindings and deletes stray ones exactly, for owned principals', () => {
    const s = settings({ scope: { principals: ['User:app-*'] }, deletions: { acls: true } });
    const p = plan(
      desired({ acls: [acl('User:app-a', 'Read', 't'), acl('User:app-a', 'Write', 't')], settings: s }),
      live({
        acls: [acl('User:app-a', 'Read', 't'), acl('User:app-a', 'Describe', 't'), acl('User:other', 'Read', 't')],
      }),
    );
    expect(p.changes.map((c) => [c.action, c.resource, c.verdict.status])).toEqual([
      ['create', 'allow User:app-a Write topic t', 'ok'],
      ['delete', 'allow User:app-a Describe topic t', 'ok'],
    ]);
  });

  it('skips ACL deletions unless enabled, and never deletes protected principals', () => {
    const s = settings({ protected: { principals: ['User:admin'] } });
    const p = plan(
      desired({ acls: [acl('User:a', 'Read', 't')], settings: s }),
      live({ acls: [acl('User:b', 'Read', 't'), acl('User:admin', 'All', 't')] }),
    );
    expect(p.changes.map((c) => [c.action, c.resource, c.verdict])).toEqual([
      ['create', 'allow User:a Read topic t', { status: 'ok' }],
      [
        'delete',
        'allow User:b Read topic t',
        { status: 'skipped', reason: 'deletions of acls are not enabled (settings.yaml deletions.acls)' },
      ],
    ]);
  });
});

describe('plan: whole-plan safety', () => {
  it('refuses a plan deleting more than maxPerApply', () => {
    const s = settings({ deletions: { topics: true, maxPerApply: 1 } });
    const p = plan(
      desired({ topics: [topic('a')], settings: s }),
      live({ topics: [topic('a'), topic('b'), topic('c')] }),
    );
    expect(p.refused).toEqual({
      reason: 'the plan deletes 2 resources, more than settings.yaml deletions.maxPerApply (1)',
    });
  });

  it('an empty desired state never plans deletions', () => {
    const s = settings({ deletions: { topics: true, acls: true, maxPerApply: 100 } });
    const p = plan(desired({ settings: s }), live({ topics: [topic('a')] }));
    expect(p.refused?.reason).toMatch(/declares no topics, users, ACLs or quotas/);
  });

  it('leaves suspended kinds out and orders changes deterministically', () => {
    const d = desired({ topics: [topic('b'), topic('a')], acls: [acl('User:x', 'Read', 'a')] });
    const p = plan(d, live({}));
    expect(p.changes.map((c) => c.id)).toEqual(['topic:a', 'topic:b', 'acl:User:x|*|topic|literal|a|Read|allow']);
    expect(plan(d, live({}), { kinds: { acls: false } }).changes.map((c) => c.kind)).toEqual(['topic', 'topic']);
  });

  it('composes users without passwords', () => {
    const p = plan(
      desired({ users: [{ name: 'u', mechanism: 'SCRAM-SHA-512', iterations: 8192, password: { env: 'SECRET_PW' } }] }),
      live({ users: [] }),
    );
    expect(p.changes).toEqual([expect.objectContaining({ id: 'user:u', action: 'create' })]);
    expect(JSON.stringify(p)).not.toMatch(/"password":\{/);
  });
});

describe('globs', () => {
  it('matches * as any run and everything else literally', () => {
    expect(globMatches('t-a.b-*', 't-a.b-x')).toBe(true);
    expect(globMatches('t-a.b-*', 't-aXb-x')).toBe(false);
    expect(globMatches('__*', '__consumer_offsets')).toBe(true);
  });
});

describe('plan: replication factor as a reassignment', () => {
  const withAssignment = (name: string, assignment: number[][]) => ({
    ...topic(name, assignment.length, Math.max(...assignment.map((r) => r.length))),
    assignment,
  });

  it('grows replicas onto the least loaded brokers, spreading partitions', () => {
    const p = plan(
      desired({ topics: [topic('a', 2, 2)] }),
      live({ topics: [withAssignment('a', [[1], [2]]), withAssignment('other', [[3], [3]])], brokers: [1, 2, 3] }),
    );
    expect(p.changes.filter((c) => c.kind === 'replication')).toEqual([
      expect.objectContaining({
        kind: 'replication',
        before: { replicationFactor: 1, assignment: [[1], [2]] },
        after: {
          replicationFactor: 2,
          assignment: [
            [1, 2],
            [2, 1],
          ],
        },
        verdict: { status: 'ok' },
      }),
    ]);
  });

  it('shrinks by keeping the preferred leader first', () => {
    const p = plan(
      desired({ topics: [topic('a', 2, 1)] }),
      live({
        topics: [
          withAssignment('a', [
            [2, 1],
            [1, 2],
          ]),
        ],
        brokers: [1, 2],
      }),
    );
    expect(p.changes[0].after).toEqual({ replicationFactor: 1, assignment: [[2], [1]] });
  });

  it('refuses more replicas than brokers, a change without the observed assignment, and one mixed with partition growth', () => {
    const tooMany = plan(
      desired({ topics: [topic('a', 1, 3)] }),
      live({ topics: [withAssignment('a', [[1]])], brokers: [1, 2] }),
    );
    expect(tooMany.changes[0].verdict).toEqual({
      status: 'refused',
      reason: 'replication factor 3 is more than the 2 brokers of the cluster',
    });
    const blind = plan(desired({ topics: [topic('a', 2, 3)] }), live({ topics: [topic('a', 2, 2)] }));
    expect(blind.changes[0].verdict).toEqual({
      status: 'refused',
      reason:
        'replication factor change 2→3 needs a partition reassignment, and the replica assignment was not observed',
    });
    const mixed = plan(
      desired({ topics: [topic('a', 3, 2)] }),
      live({ topics: [withAssignment('a', [[1], [2]])], brokers: [1, 2] }),
    );
    expect(mixed.changes.map((c) => [c.kind, c.verdict.status])).toEqual([
      ['partitions', 'ok'],
      ['replication', 'refused'],
    ]);
  });
});
