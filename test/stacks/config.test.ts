import { loadStackConfig, StackConfigError } from '../../stacks/config';

function problemsOf(run: () => unknown): string[] {
  try {
    run();
  } catch (error) {
    if (error instanceof StackConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a StackConfigError');
}

describe('stack configuration', () => {
  it('defaults to the seed: two public subnets in AZs a and b, two brokers, Kafka 3.9.x, no public access', () => {
    const config = loadStackConfig(undefined);
    expect(config.region).toBe('eu-west-1');
    expect(config.availabilityZones).toEqual(['eu-west-1a', 'eu-west-1b']);
    expect(config.subnetCidrs).toHaveLength(2);
    expect(config.kafka).toMatchObject({
      version: '3.9.x',
      brokerCount: 2,
      defaultReplicationFactor: 2,
      minInsyncReplicas: 1,
      enhancedMonitoring: 'DEFAULT',
      openMonitoring: false,
    });
    expect(config.publicAccess).toEqual({ enabled: false, allowedCidrs: [] });
    expect(config.offlinePlan).toBe(false);
  });

  it('reads the cdktf.json context and lets MSK_GITOPS_* variables override it', () => {
    const config = loadStackConfig(
      { region: 'eu-west-1', kafka: { brokerCount: 2, instanceType: 'kafka.m5.large' } },
      { MSK_GITOPS_REGION: 'us-east-1', MSK_GITOPS_BROKER_COUNT: '4', MSK_GITOPS_OPEN_MONITORING: 'true' },
    );
    expect(config.region).toBe('us-east-1');
    expect(config.availabilityZones).toEqual(['us-east-1a', 'us-east-1b']);
    expect(config.kafka).toMatchObject({ brokerCount: 4, instanceType: 'kafka.m5.large', openMonitoring: true });
    expect(config.kafka.defaultReplicationFactor).toBe(3);
    expect(config.kafka.minInsyncReplicas).toBe(2);
  });

  it('names the setting and the variable in every error, all at once', () => {
    const problems = problemsOf(() =>
      loadStackConfig(
        { region: 'Ireland', kafka: { enhancedMonitoring: 'LOTS' } },
        { MSK_GITOPS_BROKER_VOLUME_GIB: 'big' },
      ),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^mskGitops\.region: expected an AWS region/),
      expect.stringMatching(/^mskGitops\.kafka\.volumeSizeGiB \(from MSK_GITOPS_BROKER_VOLUME_GIB\): .*number/),
      expect.stringMatching(/^mskGitops\.kafka\.enhancedMonitoring: /),
    ]);
  });

  it('checks settings against each other once each one is valid', () => {
    expect(problemsOf(() => loadStackConfig({ availabilityZones: ['us-east-1a', 'eu-west-1b'] }))).toEqual([
      expect.stringMatching(/^mskGitops\.availabilityZones\.0: us-east-1a is not in region eu-west-1/),
    ]);
  });

  it('needs a broker count that is a multiple of the zones', () => {
    expect(problemsOf(() => loadStackConfig({ kafka: { brokerCount: 3 } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.brokerCount: MSK needs a multiple of the 2 availability zones/),
    ]);
  });

  it('refuses public access without a CIDR allow-list, and never the whole internet', () => {
    expect(problemsOf(() => loadStackConfig({ publicAccess: { enabled: true } }))).toEqual([
      expect.stringMatching(/^mskGitops\.publicAccess\.allowedCidrs: public access needs at least one client CIDR/),
    ]);
    for (const world of ['0.0.0.0/0', '::/0']) {
      const problems = problemsOf(() => loadStackConfig({ publicAccess: { enabled: true, allowedCidrs: [world] } }));
      expect(problems).toEqual([
        expect.stringMatching(/^mskGitops\.publicAccess\.allowedCidrs\.0: the whole internet/),
      ]);
    }
    const config = loadStackConfig(
      {},
      { MSK_GITOPS_PUBLIC_ACCESS: 'true', MSK_GITOPS_PUBLIC_ACCESS_CIDRS: '203.0.113.0/24' },
    );
    expect(config.publicAccess).toEqual({ enabled: true, allowedCidrs: ['203.0.113.0/24'] });
  });

  it('makes an offline plan pin the AMI (it cannot look one up)', () => {
    expect(problemsOf(() => loadStackConfig({ offlinePlan: true }))).toEqual([
      expect.stringMatching(/^mskGitops\.jumper\.amiId: offlinePlan cannot look the AMI up/),
    ]);
  });

  it('takes the state bucket from the environment, and keeps offline plans local', () => {
    const config = loadStackConfig(
      {},
      { MSK_GITOPS_STATE_BUCKET: 'acme-tf-state', MSK_GITOPS_STATE_LOCK_TABLE: 'tf-locks' },
    );
    expect(config.stateBackend).toEqual({
      bucket: 'acme-tf-state',
      key: 'msk-gitops/terraform.tfstate',
      dynamodbTable: 'tf-locks',
    });
    expect(
      problemsOf(() =>
        loadStackConfig({
          offlinePlan: true,
          jumper: { amiId: 'ami-0123456789abcdef0' },
          stateBackend: { bucket: 'acme-tf-state' },
        }),
      ),
    ).toEqual([expect.stringMatching(/^mskGitops\.stateBackend: an offline plan keeps its state locally/)]);
  });

  it('rejects unknown settings instead of ignoring a typo', () => {
    expect(problemsOf(() => loadStackConfig({ kafka: { brokerCuont: 2 } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka: .*brokerCuont/),
    ]);
  });
});
