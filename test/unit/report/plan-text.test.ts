import type { Change, Plan } from '../../../reconciler/model/schema';
import { planDocument, renderPlanJson } from '../../../reconciler/report/plan-json';
import { expectValidPlanJson } from '../../support/plan-schema';
import { renderPlanMarkdown } from '../../../reconciler/report/plan-markdown';
import { renderApplyResultsText, renderPlanText } from '../../../reconciler/report/plan-text';

const ok = { status: 'ok' } as const;
const changes: Change[] = [
  {
    id: 'topic:lms-users-acls',
    action: 'create',
    kind: 'topic',
    resource: 'lms-users-acls',
    before: null,
    after: { partitions: 2, replicationFactor: 2, config: {} },
    verdict: ok,
  },
  {
    id: 'partitions:pos',
    action: 'update',
    kind: 'partitions',
    resource: 'pos',
    before: 3,
    after: 2,
    verdict: { status: 'refused', reason: 'partitions can only grow: 3 → 2 would need the topic to be recreated' },
    origin: { file: 'desired-state/topics.yaml', line: 7, column: 3 },
  },
  {
    id: 'topic-config:lms-users-acls:retention.ms',
    action: 'update',
    kind: 'topic-config',
    resource: 'lms-users-acls retention.ms',
    topic: 'lms-users-acls',
    key: 'retention.ms',
    before: '604800000',
    after: '86400000',
    verdict: ok,
  },
  {
    id: 'acl:x',
    action: 'delete',
    kind: 'acl',
    resource: 'allow User:x Read topic y',
    before: {
      principal: 'User:x',
      host: '*',
      resourceType: 'topic',
      resourceName: 'y',
      patternType: 'literal',
      operation: 'Read',
      permission: 'allow',
    },
    after: null,
    verdict: { status: 'skipped', reason: 'deletions of acls are not enabled (settings.yaml deletions.acls)' },
  },
  {
    id: 'user:lms-user',
    action: 'create',
    kind: 'user',
    resource: 'lms-user',
    before: null,
    after: { mechanism: 'SCRAM-SHA-512', iterations: 8192, password: 'generated' },
    verdict: ok,
  },
];
const plan: Plan = { changes, refused: null };

describe('plan renderers', () => {
  it('renders terraform-style text with reasons and a summary line', () => {
    expect(renderPlanText(plan)).toBe(
      [
        '  + topic lms-users-acls (2 partitions, RF 2)',
        '  ~ partitions pos 3 → 2',
        '      desired-state/topics.yaml:7:3: refused: partitions can only grow: 3 → 2 would need the topic to be recreated',
        '  ~ topic-config lms-users-acls retention.ms: 604800000 → 86400000',
        '  - acl allow User:x Read topic y',
        '      skipped: deletions of acls are not enabled (settings.yaml deletions.acls)',
        '  + user lms-user (SCRAM-SHA-512, 8192 iterations, password generated)',
        '',
        'Plan: 2 to add, 1 to change, 0 to destroy, 1 refused, 1 skipped.',
        '',
      ].join('\n'),
    );
  });

  it('colours only when asked', () => {
    expect(renderPlanText(plan)).not.toMatch(/\u001b\[/);
    expect(renderPlanText(plan, { color: true })).toMatch(/\u001b\[32m\+ topic lms-users-acls/);
  });

  it('says so when there is nothing to do, and when the plan is refused whole', () => {
    expect(renderPlanText({ changes: [], refused: null })).toBe('No changes. The cluster matches the manifests.\n');
    expect(renderPlanText({ changes, refused: { reason: 'too many deletions' } })).toMatch(
      /Plan refused, nothing will be applied: too many deletions/,
    );
  });

  it('renders markdown with a diff block and a table of what is held back', () => {
    const md = renderPlanMarkdown(plan);
    expect(md).toContain('```diff\n+ topic lms-users-acls (2 partitions, RF 2)\n');
    expect(md).toContain(
      '| `~ partitions pos 3 → 2` (desired-state/topics.yaml:7:3) | refused | partitions can only grow',
    );
  });

  it('renders a versioned JSON document that round-trips through the model and is valid against `schema plan`', () => {
    const document = planDocument(plan, {
      dir: 'desired-state',
      manifestsDigest: 'sha256:00',
      git: null,
      clusterId: 'abc',
      bootstrapServers: ['127.0.0.1:9092'],
      fingerprints: { 'topic pos': 'sha256:11' },
    });
    const json = JSON.parse(renderPlanJson(document));
    expect(json).toEqual(document);
    expect(json).toMatchObject({ format_version: 1, summary: { add: 2, change: 1, refused: 1, skipped: 1 } });
    expectValidPlanJson(json);
    expect(() => expectValidPlanJson({ ...json, changes: [{ ...json.changes[0], after: 3 }] })).toThrow();
  });

  it('names failed changes and their step in apply results', () => {
    const text = renderApplyResultsText([
      { change: changes[0], ok: true },
      { change: changes[2], ok: false, error: 'alterConfigs: Invalid config value' },
    ]);
    expect(text).toContain('FAILED ~ topic-config lms-users-acls retention.ms');
    expect(text).toContain('alterConfigs: Invalid config value');
    expect(text).toContain('Applied 1 of 2 change(s), 1 failed.');
  });
});
