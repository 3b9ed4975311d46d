import { buildDesiredState, formatDiagnostic, type ManifestSource } from '../../../reconciler/model/load';

const shared: ManifestSource[] = [
  { path: 'settings.yaml', text: 'scope:\n  topics: ["*"]\n' },
  {
    path: 'topics.yaml',
    text: [
      'topics:',
      '  orders:',
      '    partitions: 3',
      '    replicationFactor: 2',
      '    config:',
      '      retention.ms: 86400000',
      '      cleanup.policy: delete',
      '  audit: {partitions: 1, replicationFactor: 2}',
      '',
    ].join('\n'),
  },
  { path: 'users.yaml', text: 'users:\n  orders-app: {}\n' },
];
const prod: ManifestSource = {
  path: 'environments/prod.yaml',
  text: [
    'topics:',
    '  orders:',
    '    partitions: 12',
    '    replicationFactor: 3',
    '    config:',
    '      retention.ms: 604800000',
    '  prod-only: {partitions: 6, replicationFactor: 3}',
    'users:',
    '  prod-reader: {}',
    'acls:',
    '  - principal: User:prod-reader',
    '    resource: {type: topic, name: orders}',
    '    operations: [Read]',
    '',
  ].join('\n'),
};
const staging: ManifestSource = { path: 'environments/staging.yaml', text: 'topics:\n  orders: {partitions: 6}\n' };

function problems(files: ManifestSource[], environment?: string): string[] {
  return buildDesiredState(files, { environment, displayPrefix: 'desired-state' }).diagnostics.map(formatDiagnostic);
}

describe('environments: shared manifests plus environments/<name>.yaml', () => {
  it('without an environment, the shared manifests alone; the environment files are not shared manifests', () => {
    const result = buildDesiredState([...shared, prod, staging]);
    expect(result.diagnostics).toEqual([]);
    expect(result.environments).toEqual(['prod', 'staging']);
    expect(result.state?.topics.map((t) => [t.name, t.partitions, t.replicationFactor])).toEqual([
      ['audit', 1, 2],
      ['orders', 3, 2],
    ]);
    expect(result.state?.users.map((u) => u.name)).toEqual(['orders-app']);
  });

  it('an override replaces the fields it gives (config key by key) and adds topics, users and ACLs', () => {
    const { state, diagnostics } = buildDesiredState([...shared, prod, staging], { environment: 'prod' });
    expect(diagnostics).toEqual([]);
    const orders = state?.topics.find((t) => t.name === 'orders');
    expect(orders).toMatchObject({
      partitions: 12,
      replicationFactor: 3,
      config: { 'retention.ms': '604800000', 'cleanup.policy': 'delete' },
      origin: { file: 'environments/prod.yaml', line: 2, column: 3, via: 'environment prod over topics.yaml:2:3' },
    });
    expect(state?.topics.find((t) => t.name === 'audit')).toMatchObject({ partitions: 1, replicationFactor: 2 });
    expect(state?.topics.find((t) => t.name === 'prod-only')).toMatchObject({
      partitions: 6,
      origin: { file: 'environments/prod.yaml', line: 7 },
    });
    expect(state?.users.map((u) => u.name)).toEqual(['orders-app', 'prod-reader']);
    expect(state?.acls).toEqual([
      expect.objectContaining({
        principal: 'User:prod-reader',
        origin: expect.objectContaining({ file: 'environments/prod.yaml' }),
      }),
    ]);

    const other = buildDesiredState([...shared, prod, staging], { environment: 'staging' }).state;
    expect(other?.topics.find((t) => t.name === 'orders')).toMatchObject({ partitions: 6, replicationFactor: 2 });
    expect(other?.topics.map((t) => t.name)).toEqual(['audit', 'orders']);
  });

  it('reports a problem in the file that set the value', () => {
    const bad: ManifestSource = {
      path: 'environments/prod.yaml',
      text: [
        'topics:',
        '  orders:',
        '    partitions: 0',
        '    config:',
        '      retention.mss: 1',
        '      min.insync.replicas: 3',
        '  brand-new: {partitions: 2}',
        'quotas: {}',
        '',
      ].join('\n'),
    };
    expect(problems([...shared, bad], 'prod')).toEqual([
      expect.stringMatching(/^desired-state\/environments\/prod\.yaml:3:17: .*partitions/),
      expect.stringMatching(/^desired-state\/environments\/prod\.yaml:5:7: .*retention\.mss/),
      expect.stringMatching(/^desired-state\/environments\/prod\.yaml:7:\d+: .*replicationFactor/),
      expect.stringMatching(/^desired-state\/environments\/prod\.yaml:8:1: unknown key "quotas"/),
    ]);
    // The merged values conflict; the override set one side, so that is the place.
    const conflict: ManifestSource = {
      path: 'environments/prod.yaml',
      text: 'topics:\n  orders:\n    config:\n      min.insync.replicas: 3\n',
    };
    expect(problems([...shared, conflict], 'prod')).toEqual([
      expect.stringMatching(
        /^desired-state\/environments\/prod\.yaml:4:28: .*min\.insync\.replicas 3 is greater than replicationFactor 2/,
      ),
    ]);
    // A problem in a shared file stays there, whichever environment is built.
    const sharedBad = [
      { ...shared[1], text: shared[1].text.replace('partitions: 3', 'partitions: -3') },
      shared[0],
      shared[2],
    ];
    expect(problems([...sharedBad, prod], 'prod')).toEqual([
      expect.stringMatching(/^desired-state\/topics\.yaml:3:17: /),
    ]);
  });

  it('an extra declaration of a shared user is a duplicate, shown at both places', () => {
    const dup: ManifestSource = { path: 'environments/prod.yaml', text: 'users:\n  orders-app: {}\n' };
    expect(problems([...shared, dup], 'prod').join('\n')).toMatch(
      /users\.yaml:2:3: user "orders-app" is declared twice \(also at desired-state\/environments\/prod\.yaml:2:3\)/,
    );
  });

  it('an environment that does not exist names the setting and lists the existing ones', () => {
    expect(problems([...shared, prod, staging], 'prd')).toEqual([
      'desired-state: --env: environment "prd" does not exist: no environments/prd.yaml (the manifests declare: prod, staging)',
    ]);
    expect(
      buildDesiredState(shared, { environment: 'prod', environmentSetting: 'environment' }).diagnostics.map(
        formatDiagnostic,
      ),
    ).toEqual([
      '.: environment: environment "prod" does not exist: no environments/prod.yaml (the manifests declare no environments)',
    ]);
  });

  it('a badly named environment file is reported', () => {
    expect(problems([...shared, { path: 'environments/Prod.yaml', text: '{}' }])).toEqual([
      'desired-state/environments/Prod.yaml:1:1: environment "Prod": a name is lowercase letters, digits and "-"',
    ]);
  });
});
