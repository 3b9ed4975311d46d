/** Quotas in the manifests: what loads, what is refused at its file:line:column, and how the planner diffs them. */
import { buildDesiredState, formatDiagnostic } from '../../../reconciler/model/load';
import { SettingsSchema } from '../../../reconciler/model/schema';
import { planQuotas } from '../../../reconciler/plan/quotas';

const settings = 'scope:\n  principals: ["User:lms-*", "User:<default>"]\n  clientIds: ["etl-*"]\n';

function load(quotas: string, extra: Record<string, string> = {}) {
  return buildDesiredState([
    { path: 'settings.yaml', text: settings },
    { path: 'quotas.yaml', text: quotas },
    ...Object.entries(extra).map(([path, text]) => ({ path, text })),
  ]);
}

test('a user, a client id, both, a default and an app carry quotas', () => {
  const result = load(
    'quotas:\n  - user: lms-user\n    producer_byte_rate: 1024\n  - clientId: etl-batch\n    request_percentage: 12.5\n  - user: <default>\n    consumer_byte_rate: 4096\n',
    {
      'apps.yaml':
        'users:\n  lms-reader:\n    password: { env: X }\napps:\n  reader:\n    user: lms-reader\n    quotas:\n      consumer_byte_rate: 2048\n',
    },
  );
  expect(result.diagnostics).toEqual([]);
  expect(result.state!.quotas!.map(({ origin, ...quota }) => ({ ...quota, via: origin?.via }))).toEqual([
    { clientId: 'etl-batch', values: { request_percentage: 12.5 }, via: undefined },
    { user: '<default>', values: { consumer_byte_rate: 4096 }, via: undefined },
    { user: 'lms-reader', values: { consumer_byte_rate: 2048 }, via: 'app reader' },
    { user: 'lms-user', values: { producer_byte_rate: 1024 }, via: undefined },
  ]);
});

test('an unknown key, a negative rate, an entity out of scope and a duplicate: each at its place', () => {
  const result = load(
    [
      'quotas:',
      '  - user: lms-user',
      '    producer_rate: 10',
      '  - clientId: etl-x',
      '    consumer_byte_rate: -1',
      '  - user: pos-user',
      '    producer_byte_rate: 1',
      '  - clientId: etl-y',
      '    request_percentage: 1',
      '  - clientId: etl-y',
      '    request_percentage: 2',
      '',
    ].join('\n'),
  );
  const messages = result.diagnostics.map(formatDiagnostic);
  expect(messages).toEqual([
    expect.stringMatching(/^quotas\.yaml:3:5: .*producer_rate/),
    expect.stringMatching(/^quotas\.yaml:5:25: quotas\[1\]\.consumer_byte_rate: must be a number ≥ 0, got -1/),
    expect.stringMatching(
      /^quotas\.yaml:6:5: quota of user=pos-user: User:pos-user is outside settings\.yaml scope\.principals/,
    ),
    expect.stringMatching(
      /^quotas\.yaml:10:5: the quota of client-id=etl-y is declared twice \(also at quotas\.yaml:8:5\)/,
    ),
  ]);
});

test('the planner: create, update, keys left alone unless deletions.quotas, undeclared entities deleted only then', () => {
  const off = SettingsSchema.parse({ scope: { clientIds: ['*'] } });
  const on = SettingsSchema.parse({ scope: { clientIds: ['*'] }, deletions: { quotas: true } });
  const desired = [
    { user: 'a', values: { producer_byte_rate: 10 } },
    { clientId: 'c', values: { request_percentage: 5 } },
  ];
  const live = [
    { user: 'a', values: { producer_byte_rate: 1, consumer_byte_rate: 7 } },
    { user: 'gone', values: { consumer_byte_rate: 3 } },
  ];
  const brief = (changes: ReturnType<typeof planQuotas>) =>
    changes.map((c) => [c.action, c.resource, c.before, c.after, c.verdict.status]);
  expect(brief(planQuotas(desired, live, off))).toEqual([
    [
      'update',
      'user=a',
      { producer_byte_rate: 1, consumer_byte_rate: 7 },
      { producer_byte_rate: 10, consumer_byte_rate: 7 },
      'ok',
    ],
    ['create', 'client-id=c', null, { request_percentage: 5 }, 'ok'],
    ['delete', 'user=gone', { consumer_byte_rate: 3 }, null, 'skipped'],
  ]);
  expect(brief(planQuotas(desired, live, on))[0]).toEqual([
    'update',
    'user=a',
    { producer_byte_rate: 1, consumer_byte_rate: 7 },
    { producer_byte_rate: 10 },
    'ok',
  ]);
  expect(planQuotas(desired, null, on)).toEqual([]);
  // Client-id quotas are owned only where scope.clientIds says so (none by default).
  expect(brief(planQuotas(desired, live, SettingsSchema.parse({})))[1]).toEqual([
    'create',
    'client-id=c',
    null,
    { request_percentage: 5 },
    'refused',
  ]);
});
