/**
 * What keeps a deploy from losing the cluster, and the MSK module features platform teams expect, in the synthesized
 * stack: prevent_destroy, no replacement on innocent edits, versioned configurations, storage autoscaling without
 * drift, extra broker properties, KMS-encrypted broker logs, and the outputs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Testing } from 'cdktf';
import { loadStackConfig, type StackConfig } from '../../stacks/config';
import { MskGitopsStack } from '../../stacks/stack';
import { configurationName, VOLUME_SIZE_ATTRIBUTE } from '../../stacks/constructs/msk';
import { offlineConfig } from './offline-config';

type Resource = Record<string, unknown> & { lifecycle?: Record<string, unknown> };
interface Synthesized {
  resource: Record<string, Record<string, Resource>>;
  output: Record<string, { value: unknown }>;
}

function synthesize(config: StackConfig): Synthesized {
  return JSON.parse(Testing.synth(new MskGitopsStack(Testing.app(), 'msk-gitops', config))) as Synthesized;
}

const entries = (tf: Synthesized, type: string) => Object.entries(tf.resource[type] ?? {});
const only = (tf: Synthesized, type: string): [string, Resource] => {
  const found = entries(tf, type);
  expect(found).toHaveLength(1);
  return found[0];
};

describe('protection of the cluster', () => {
  const tf = synthesize(offlineConfig());

  it('refuses to destroy the cluster and the key (prevent_destroy)', () => {
    expect(only(tf, 'aws_msk_cluster')[1].lifecycle).toMatchObject({ prevent_destroy: true });
    expect(only(tf, 'aws_kms_key')[1].lifecycle).toMatchObject({ prevent_destroy: true });
  });

  it("ignores edits of the brokers' security group description instead of replacing the group (and the cluster)", () => {
    const brokers = entries(tf, 'aws_security_group').find(([id]) => id.includes('brokers'))?.[1];
    expect(brokers?.lifecycle).toMatchObject({ ignore_changes: ['description'] });
  });

  it('names the configuration by Kafka version and replaces it create-before-destroy, so upgrades deploy', () => {
    const [, configuration] = only(tf, 'aws_msk_configuration');
    expect(configuration.name).toBe('msk-gitops-kafka-3-9-x');
    expect(configuration.lifecycle).toEqual({ create_before_destroy: true });
    expect(configurationName('prod', '4.0.x.kraft')).toBe('prod-kafka-4-0-x-kraft');
    const upgraded = synthesize(offlineConfig({ kafka: { version: '4.0.x' } }));
    expect(only(upgraded, 'aws_msk_configuration')[1].name).toBe('msk-gitops-kafka-4-0-x');
  });
});

describe('stack features', () => {
  it('grows broker storage with Application Auto Scaling and ignores the volume size it changes', () => {
    const tf = synthesize(
      offlineConfig({ kafka: { volumeSizeGiB: 200, storageAutoscaling: { maxVolumeSizeGiB: 1000 } } }),
    );
    const [clusterId, cluster] = only(tf, 'aws_msk_cluster');
    expect(cluster.lifecycle).toEqual({ prevent_destroy: true, ignore_changes: [VOLUME_SIZE_ATTRIBUTE] });
    expect(only(tf, 'aws_appautoscaling_target')[1]).toMatchObject({
      service_namespace: 'kafka',
      scalable_dimension: 'kafka:broker-storage:VolumeSize',
      resource_id: `\${aws_msk_cluster.${clusterId}.arn}`,
      min_capacity: 1,
      max_capacity: 1000,
    });
    expect(only(tf, 'aws_appautoscaling_policy')[1]).toMatchObject({
      policy_type: 'TargetTrackingScaling',
      target_tracking_scaling_policy_configuration: {
        predefined_metric_specification: { predefined_metric_type: 'KafkaBrokerStorageUtilization' },
        target_value: 60,
      },
    });

    const fixed = synthesize(offlineConfig({ kafka: { storageAutoscaling: { enabled: false } } }));
    expect(only(fixed, 'aws_msk_cluster')[1].lifecycle).toEqual({ prevent_destroy: true });
    expect(entries(fixed, 'aws_appautoscaling_target')).toEqual([]);
  });

  it('gives express brokers no storage block and no storage scaling', () => {
    const tf = synthesize(
      offlineConfig({
        availabilityZones: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
        subnetCidrs: ['10.20.0.0/24', '10.20.1.0/24', '10.20.2.0/24'],
        kafka: { instanceType: 'express.m7g.large', brokerCount: 3 },
      }),
    );
    const cluster = only(tf, 'aws_msk_cluster')[1] as Record<string, Record<string, unknown>>;
    expect(cluster.broker_node_group_info).not.toHaveProperty('storage_info');
    expect(cluster.broker_node_group_info.client_subnets).toHaveLength(3);
    expect(entries(tf, 'aws_appautoscaling_target')).toEqual([]);
    // MSK fixes express brokers' replication; their configuration may not set it.
    expect(String(only(tf, 'aws_msk_configuration')[1].server_properties).split('\n')).toEqual([
      'auto.create.topics.enable=false',
      'allow.everyone.if.no.acl.found=false',
    ]);
  });

  it('appends the extra broker properties after the ones the stack owns', () => {
    const tf = synthesize(
      offlineConfig({ kafka: { brokerProperties: { 'log.retention.hours': 168, 'compression.type': 'zstd' } } }),
    );
    expect(String(only(tf, 'aws_msk_configuration')[1].server_properties).split('\n')).toEqual([
      'auto.create.topics.enable=false',
      'allow.everyone.if.no.acl.found=false',
      'default.replication.factor=2',
      'min.insync.replicas=1',
      'compression.type=zstd',
      'log.retention.hours=168',
    ]);
  });

  it("encrypts the broker log group with the stack's key, which lets CloudWatch Logs use it for that group only", () => {
    const tf = synthesize(offlineConfig());
    const [keyId] = only(tf, 'aws_kms_key');
    const [policyId, policy] = only(tf, 'aws_kms_key_policy');
    const [, logGroup] = only(tf, 'aws_cloudwatch_log_group');
    expect(logGroup).toMatchObject({
      name: '/aws/msk/msk-gitops/brokers',
      kms_key_id: `\${aws_kms_key.${keyId}.arn}`,
      depends_on: [`aws_kms_key_policy.${policyId}`],
    });
    const document = String(policy.policy);
    expect(policy.key_id).toBe(`\${aws_kms_key.${keyId}.key_id}`);
    expect(document).toContain('"Service" = "logs.eu-west-1.amazonaws.com"');
    expect(document).toMatch(
      /"kms:EncryptionContext:aws:logs:arn" = "arn:aws:logs:eu-west-1:\$\{element\(split\(":", aws_kms_key\.[^)]+\.arn\), 4\)\}:log-group:\/aws\/msk\/msk-gitops\/brokers"/,
    );
    expect(document).toMatch(/"AWS" = "arn:aws:iam::\$\{element\(split\(":", aws_kms_key\.[^)]+\.arn\), 4\)\}:root"/);
  });

  it('outputs the cluster name and ARN, the configuration ARN and revision, and the security group ids', () => {
    const tf = synthesize(offlineConfig());
    expect(Object.keys(tf.output)).toEqual(
      expect.arrayContaining([
        'cluster_name',
        'cluster_arn',
        'configuration_arn',
        'configuration_revision',
        'brokers_security_group_id',
        'jumper_security_group_id',
        'app_services_security_group_id',
      ]),
    );
    expect(tf.output.configuration_revision.value).toMatch(/^\$\{aws_msk_configuration\..+\.latest_revision\}$/);
  });
});

describe('cdktf.json', () => {
  const cdktf = JSON.parse(readFileSync(join(__dirname, '../../cdktf.json'), 'utf8')) as {
    app: string;
    context: { mskGitops: unknown };
  };

  it("runs the app with the repository's own tsx, and its example settings are a valid, pinned deploy", () => {
    expect(cdktf.app).toBe('npx tsx stacks/main.ts');
    const config = loadStackConfig(cdktf.context.mskGitops);
    expect(config.jumper.reconcilerRef).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(config.jumper.desiredStateRepo).toMatch(/^https:\/\//);
  });
});
