import { loadStackConfig, pinnedRefProblem, StackConfigError } from '../../stacks/config';
import { requiredSettings, type ConfigOverrides } from './offline-config';

/** The settings with what every deploy must give (a reconciler release, the manifests repository). */
const load = (settings: Record<string, unknown>, env: Record<string, string> = {}) =>
  loadStackConfig(requiredSettings(settings as ConfigOverrides), env);

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
  it('defaults to the seed: two subnets in AZs a and b, two brokers, Kafka 3.9.x, no public access', () => {
    const config = load({});
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
    const config = load(
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
      load({ region: 'Ireland', kafka: { enhancedMonitoring: 'LOTS' } }, { MSK_GITOPS_BROKER_VOLUME_GIB: 'big' }),
    );
    expect(problems).toEqual([
      expect.stringMatching(/^mskGitops\.region: expected an AWS region/),
      expect.stringMatching(/^mskGitops\.kafka\.volumeSizeGiB \(from MSK_GITOPS_BROKER_VOLUME_GIB\): .*number/),
      expect.stringMatching(/^mskGitops\.kafka\.enhancedMonitoring: /),
    ]);
  });

  it('checks settings against each other once each one is valid', () => {
    expect(problemsOf(() => load({ availabilityZones: ['us-east-1a', 'eu-west-1b'] }))).toEqual([
      expect.stringMatching(/^mskGitops\.availabilityZones\.0: us-east-1a is not in region eu-west-1/),
    ]);
  });

  it('needs a broker count that is a multiple of the zones', () => {
    expect(problemsOf(() => load({ kafka: { brokerCount: 3 } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.brokerCount: MSK needs a multiple of the 2 availability zones/),
    ]);
  });

  it('refuses public access without a CIDR allow-list, and never the whole internet', () => {
    expect(problemsOf(() => load({ publicAccess: { enabled: true } }))).toEqual([
      expect.stringMatching(/^mskGitops\.publicAccess\.allowedCidrs: public access needs at least one client CIDR/),
    ]);
    for (const world of ['0.0.0.0/0', '::/0']) {
      const problems = problemsOf(() => load({ publicAccess: { enabled: true, allowedCidrs: [world] } }));
      expect(problems).toEqual([
        expect.stringMatching(/^mskGitops\.publicAccess\.allowedCidrs\.0: the whole internet/),
      ]);
    }
    const config = load({}, { MSK_GITOPS_PUBLIC_ACCESS: 'true', MSK_GITOPS_PUBLIC_ACCESS_CIDRS: '203.0.113.0/24' });
    expect(config.publicAccess).toEqual({ enabled: true, allowedCidrs: ['203.0.113.0/24'] });
  });

  it('makes an offline plan pin the AMI (it cannot look one up)', () => {
    expect(problemsOf(() => load({ offlinePlan: true }))).toEqual([
      expect.stringMatching(/^mskGitops\.jumper\.amiId: offlinePlan cannot look the AMI up/),
    ]);
  });

  it('takes the state bucket from the environment, and keeps offline plans local', () => {
    const config = load({}, { MSK_GITOPS_STATE_BUCKET: 'acme-tf-state', MSK_GITOPS_STATE_LOCK_TABLE: 'tf-locks' });
    expect(config.stateBackend).toEqual({
      bucket: 'acme-tf-state',
      key: 'msk-gitops/terraform.tfstate',
      dynamodbTable: 'tf-locks',
    });
    expect(
      problemsOf(() =>
        load({
          offlinePlan: true,
          jumper: { amiId: 'ami-0123456789abcdef0' },
          stateBackend: { bucket: 'acme-tf-state' },
        }),
      ),
    ).toEqual([expect.stringMatching(/^mskGitops\.stateBackend: an offline plan keeps its state locally/)]);
  });

  it('rejects unknown settings instead of ignoring a typo', () => {
    expect(problemsOf(() => load({ kafka: { brokerCuont: 2 } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka: .*brokerCuont/),
    ]);
  });
  it('requires the manifests repository and a pinned reconciler, naming both settings', () => {
    expect(problemsOf(() => loadStackConfig({}))).toEqual([
      expect.stringMatching(/^mskGitops\.jumper: required: jumper\.reconcilerRef .* jumper\.desiredStateRepo/),
    ]);
    expect(problemsOf(() => loadStackConfig({ jumper: {} }))).toEqual([
      expect.stringMatching(/^mskGitops\.jumper\.reconcilerRef: required: the tag \(v1\.2\.3\) or full commit SHA/),
      expect.stringMatching(/^mskGitops\.jumper\.desiredStateRepo: required: .*whoever can push there controls/),
    ]);
  });

  it('refuses a branch (or a short SHA) as the reconciler ref, and takes tags and full SHAs', () => {
    for (const branch of ['main', 'master', 'develop', 'feature/x', 'release']) {
      expect(problemsOf(() => load({ jumper: { reconcilerRef: branch } }))).toEqual([
        expect.stringMatching(
          new RegExp(`^mskGitops\\.jumper\\.reconcilerRef: ${branch} is a branch .*tag .*full 40-character commit SHA`),
        ),
      ]);
    }
    expect(problemsOf(() => load({}, { MSK_GITOPS_RECONCILER_REF: 'main' }))).toEqual([
      expect.stringMatching(/^mskGitops\.jumper\.reconcilerRef \(from MSK_GITOPS_RECONCILER_REF\): main is a branch/),
    ]);
    expect(pinnedRefProblem('3f9c2e1')).toMatch(/short commit SHA; give all 40/);
    for (const pinned of ['v0.1.0', '1.2.3', 'v2.0.0-rc.1', 'refs/tags/release-2026-01', 'a'.repeat(40)]) {
      expect({ pinned, problem: pinnedRefProblem(pinned) }).toEqual({ pinned, problem: undefined });
    }
  });

  it('takes 2 or 3 availability zones, never 1 or 4', () => {
    expect(problemsOf(() => load({ availabilityZones: ['eu-west-1a'], subnetCidrs: ['10.20.0.0/24'] }))).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^mskGitops\.availabilityZones: MSK needs 2 or 3 availability zones/),
      ]),
    );
    const four = ['a', 'b', 'c', 'd'].map((zone) => `eu-west-1${zone}`);
    const cidrs = [0, 1, 2, 3].map((index) => `10.20.${index}.0/24`);
    expect(problemsOf(() => load({ availabilityZones: four, subnetCidrs: cidrs, kafka: { brokerCount: 4 } }))).toEqual([
      expect.stringMatching(/^mskGitops\.availabilityZones: MSK needs 2 or 3 availability zones/),
    ]);
    const three = load({
      availabilityZones: four.slice(0, 3),
      subnetCidrs: cidrs.slice(0, 3),
      kafka: { brokerCount: 3 },
    });
    expect(three.availabilityZones).toHaveLength(3);
  });

  it('refuses express brokers without 3 zones, or with storage settings', () => {
    expect(problemsOf(() => load({ kafka: { instanceType: 'express.m7g.large' } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.instanceType: express brokers \(express\.m7g\.large\) need exactly 3/),
    ]);
    const threeZones = {
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      subnetCidrs: ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'],
    };
    expect(
      problemsOf(() =>
        load({
          ...threeZones,
          kafka: {
            instanceType: 'express.m7g.large',
            brokerCount: 3,
            volumeSizeGiB: 500,
            storageAutoscaling: { maxVolumeSizeGiB: 1000 },
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.volumeSizeGiB: express brokers .* have no storage/),
      expect.stringMatching(/^mskGitops\.kafka\.storageAutoscaling: express brokers .* have no storage/),
    ]);
    const express = load({ ...threeZones, kafka: { instanceType: 'express.m7g.large', brokerCount: 3 } });
    expect(express.kafka.storage).toBeUndefined();
  });

  it('scales storage by default, up to 250 GiB or twice the volume, and checks the maximum', () => {
    expect(load({}).kafka.storage).toEqual({
      volumeSizeGiB: 100,
      autoscaling: { maxVolumeSizeGiB: 250, targetUtilizationPercent: 60 },
    });
    expect(load({ kafka: { volumeSizeGiB: 500 } }).kafka.storage?.autoscaling?.maxVolumeSizeGiB).toBe(1000);
    expect(load({ kafka: { storageAutoscaling: { enabled: false } } }).kafka.storage).toEqual({ volumeSizeGiB: 100 });
    expect(
      problemsOf(() => load({ kafka: { volumeSizeGiB: 300, storageAutoscaling: { maxVolumeSizeGiB: 200 } } })),
    ).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.storageAutoscaling\.maxVolumeSizeGiB: must exceed the volume size/),
    ]);
    expect(problemsOf(() => load({ kafka: { storageAutoscaling: { targetUtilizationPercent: 95 } } }))).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.storageAutoscaling\.targetUtilizationPercent: /),
    ]);
  });

  it('passes extra broker properties MSK accepts, and refuses unknown ones and those the stack owns', () => {
    const config = load({ kafka: { brokerProperties: { 'log.retention.hours': 168, 'compression.type': 'zstd' } } });
    expect(config.kafka.brokerProperties).toEqual({ 'log.retention.hours': 168, 'compression.type': 'zstd' });
    expect(
      problemsOf(() =>
        load({
          kafka: {
            brokerProperties: {
              'allow.everyone.if.no.acl.found': true,
              'min.insync.replicas': 1,
              'log.retention.hour': 168,
            },
          },
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^mskGitops\.kafka\.brokerProperties\.allow\.everyone\.if\.no\.acl\.found: owned by the stack/,
      ),
      expect.stringMatching(/^mskGitops\.kafka\.brokerProperties\.min\.insync\.replicas: .*kafka\.minInsyncReplicas/),
      expect.stringMatching(/^mskGitops\.kafka\.brokerProperties\.log\.retention\.hour: not a property MSK lets/),
    ]);
  });

  it("checks extra broker properties against AWS's lists for the broker type and the Kafka version", () => {
    // On AWS's standard-broker list, missing from the one written from memory.
    expect(
      load({ kafka: { brokerProperties: { 'offsets.topic.replication.factor': 2 } } }).kafka.brokerProperties,
    ).toEqual({ 'offsets.topic.replication.factor': 2 });
    // Dynamic-only broker settings: AWS does not let a configuration set them.
    expect(
      problemsOf(() =>
        load({ kafka: { brokerProperties: { 'max.connections.per.ip': 100, 'producer.id.expiration.ms': 1 } } }),
      ),
    ).toEqual([
      expect.stringMatching(/^mskGitops\.kafka\.brokerProperties\.max\.connections\.per\.ip: not a property MSK lets/),
      expect.stringMatching(/^mskGitops\.kafka\.brokerProperties\.producer\.id\.expiration\.ms: not a property MSK/),
    ]);
    // Kafka 4.0 removed the timestamp difference (KIP-937) and runs without ZooKeeper.
    const removed = { 'log.message.timestamp.difference.max.ms': 60_000, 'zookeeper.session.timeout.ms': 6000 };
    expect(load({ kafka: { version: '3.9.x', brokerProperties: removed } }).kafka.brokerProperties).toEqual(removed);
    expect(problemsOf(() => load({ kafka: { version: '4.1.x', brokerProperties: removed } }))).toEqual([
      expect.stringMatching(
        /^mskGitops\.kafka\.brokerProperties\.log\.message\.timestamp\.difference\.max\.ms: removed in Kafka 4\.0 \(kafka\.version is 4\.1\.x\); set log\.message\.timestamp\.before\.max\.ms and log\.message\.timestamp\.after\.max\.ms instead$/,
      ),
      expect.stringMatching(
        /^mskGitops\.kafka\.brokerProperties\.zookeeper\.session\.timeout\.ms: Kafka 4\.1\.x runs without ZooKeeper/,
      ),
    ]);
    const replacements = {
      'log.message.timestamp.before.max.ms': 86_400_000,
      'log.message.timestamp.after.max.ms': 3_600_000,
    };
    expect(load({ kafka: { version: '4.1.x', brokerProperties: replacements } }).kafka.brokerProperties).toEqual(
      replacements,
    );
  });

  it('gives express brokers their own property list, and leaves their replication to MSK', () => {
    const express = (kafka: Record<string, unknown>) => ({
      availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
      subnetCidrs: ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'],
      kafka: { instanceType: 'express.m7g.large', brokerCount: 3, ...kafka },
    });
    expect(load(express({ brokerProperties: { 'max.connections.per.ip': 100 } })).kafka.brokerProperties).toEqual({
      'max.connections.per.ip': 100,
    });
    expect(
      problemsOf(() => load(express({ defaultReplicationFactor: 3, brokerProperties: { 'num.io.threads': 8 } }))),
    ).toEqual([
      expect.stringMatching(
        /^mskGitops\.kafka\.defaultReplicationFactor: express brokers .* \(3 replicas, 2 in sync\); unset it$/,
      ),
      expect.stringMatching(
        /^mskGitops\.kafka\.brokerProperties\.num\.io\.threads: not a property MSK lets an express/,
      ),
    ]);
  });

  it('keeps every subnet inside the VPC and apart from the others', () => {
    expect(
      problemsOf(() =>
        load({
          vpcCidr: '10.50.0.0/16',
          subnetCidrs: ['10.50.0.0/24', '10.50.0.128/25'],
          jumperSubnetCidr: '10.60.0.0/24',
        }),
      ),
    ).toEqual([
      expect.stringMatching(/^mskGitops\.subnetCidrs\.1: 10\.50\.0\.128\/25 overlaps subnetCidrs\.0 10\.50\.0\.0\/24/),
      expect.stringMatching(/^mskGitops\.jumperSubnetCidr: 10\.60\.0\.0\/24 is not inside vpcCidr 10\.50\.0\.0\/16/),
    ]);
  });
});
