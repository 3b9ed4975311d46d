/**
 * The MSK cluster: TLS-only, encrypted at rest with the stack's key, SCRAM (apps) and IAM (the reconciler) with
 * unauthenticated access off, and a broker configuration that denies by default, so a user without ACLs can do
 * nothing and topics exist only because the manifests say so. Terraform refuses to destroy or replace the cluster
 * (prevent_destroy): a replacement is a new, empty cluster.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { MskConfiguration } from '@cdktf/provider-aws/lib/msk-configuration';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import { AppautoscalingTarget } from '@cdktf/provider-aws/lib/appautoscaling-target';
import { AppautoscalingPolicy } from '@cdktf/provider-aws/lib/appautoscaling-policy';
import type { ITerraformDependable } from 'cdktf';
import { isExpress, type StackConfig } from '../config';

export interface KafkaClusterProps {
  name: string;
  kafka: StackConfig['kafka'];
  publicAccess: boolean;
  subnetIds: string[];
  securityGroupId: string;
  kmsKeyArn: string;
  /** The key policy that lets CloudWatch Logs use the key: the log group is created after it. */
  kmsKeyPolicy: ITerraformDependable;
}

/** The broker log group's name, known before anything exists (the key policy names it). */
export function brokerLogGroupName(name: string): string {
  return `/aws/msk/${name}/brokers`;
}

/**
 * The configuration's name: one per Kafka version, so an upgrade creates the new version's configuration before the
 * old one goes (create_before_destroy), and the cluster moves from one to the other in the same apply.
 */
export function configurationName(name: string, kafkaVersion: string): string {
  return `${name}-kafka-${kafkaVersion.replace(/[^A-Za-z0-9]+/g, '-')}`;
}

/** The broker properties: the stack's own, then the validated extra ones (kafka.brokerProperties). */
export function brokerProperties(kafka: StackConfig['kafka']): string {
  return [
    'auto.create.topics.enable=false',
    // Required by MSK for public access with SCRAM, and the only safe default: no ACL means no access.
    'allow.everyone.if.no.acl.found=false',
    // Express brokers' replication is MSK's (3 replicas, 2 in sync): their configuration may not set it.
    ...(isExpress(kafka.instanceType)
      ? []
      : [
          `default.replication.factor=${kafka.defaultReplicationFactor}`,
          `min.insync.replicas=${kafka.minInsyncReplicas}`,
        ]),
    ...Object.entries(kafka.brokerProperties)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([key, value]) => `${key}=${String(value)}`),
  ].join('\n');
}

/** The attribute storage autoscaling changes behind terraform's back. */
export const VOLUME_SIZE_ATTRIBUTE = 'broker_node_group_info[0].storage_info[0].ebs_storage_info[0].volume_size';

export class KafkaCluster extends Construct {
  readonly cluster: MskCluster;
  readonly configuration: MskConfiguration;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    const { kafka } = props;
    this.logGroup = new CloudwatchLogGroup(this, 'broker-logs', {
      name: brokerLogGroupName(props.name),
      retentionInDays: kafka.logRetentionDays,
      kmsKeyId: props.kmsKeyArn,
      dependsOn: [props.kmsKeyPolicy],
    });

    this.configuration = new MskConfiguration(this, 'configuration', {
      name: configurationName(props.name, kafka.version),
      description: 'msk-gitops: deny by default, no auto-created topics',
      kafkaVersions: [kafka.version],
      serverProperties: brokerProperties(kafka),
      // No prevent_destroy here: an upgrade must delete the old version's configuration once the cluster has left it.
      // A plan deleting a configuration the cluster still uses is refused by the plan check (stacks/policy-check.ts).
      lifecycle: { createBeforeDestroy: true },
    });

    const monitoring = kafka.openMonitoring;
    this.cluster = new MskCluster(this, 'cluster', {
      clusterName: props.name,
      kafkaVersion: kafka.version,
      numberOfBrokerNodes: kafka.brokerCount,
      brokerNodeGroupInfo: {
        instanceType: kafka.instanceType,
        clientSubnets: props.subnetIds,
        securityGroups: [props.securityGroupId],
        // Express brokers have no storage to declare (MSK refuses storage_info for them).
        ...(kafka.storage && { storageInfo: { ebsStorageInfo: { volumeSize: kafka.storage.volumeSizeGiB } } }),
        // MSK refuses SERVICE_PROVIDED_EIPS on create: deploy once with it off, then turn it on (docs/deploy-aws.md).
        connectivityInfo: { publicAccess: { type: props.publicAccess ? 'SERVICE_PROVIDED_EIPS' : 'DISABLED' } },
      },
      clientAuthentication: { unauthenticated: false, sasl: { scram: true, iam: true } },
      encryptionInfo: {
        encryptionAtRestKmsKeyArn: props.kmsKeyArn,
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      configurationInfo: { arn: this.configuration.arn, revision: this.configuration.latestRevision },
      enhancedMonitoring: kafka.enhancedMonitoring,
      openMonitoring: {
        prometheus: { jmxExporter: { enabledInBroker: monitoring }, nodeExporter: { enabledInBroker: monitoring } },
      },
      loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: this.logGroup.name } } },
      // Creating or resizing a cluster routinely takes longer than the provider's defaults.
      timeouts: { create: '120m', update: '120m', delete: '120m' },
      lifecycle: {
        preventDestroy: true,
        // Autoscaling grows the volumes; without this the next deploy would plan to shrink them (which MSK refuses).
        ignoreChanges: kafka.storage?.autoscaling ? [VOLUME_SIZE_ATTRIBUTE] : undefined,
      },
    });

    const autoscaling = kafka.storage?.autoscaling;
    if (autoscaling) {
      const target = new AppautoscalingTarget(this, 'storage-scaling-target', {
        serviceNamespace: 'kafka',
        scalableDimension: 'kafka:broker-storage:VolumeSize',
        resourceId: this.cluster.arn,
        minCapacity: 1,
        maxCapacity: autoscaling.maxVolumeSizeGiB,
      });
      new AppautoscalingPolicy(this, 'storage-scaling-policy', {
        name: `${props.name}-broker-storage`,
        policyType: 'TargetTrackingScaling',
        serviceNamespace: target.serviceNamespace,
        scalableDimension: target.scalableDimension,
        resourceId: target.resourceId,
        targetTrackingScalingPolicyConfiguration: {
          predefinedMetricSpecification: { predefinedMetricType: 'KafkaBrokerStorageUtilization' },
          // MSK only ever grows storage; there is no scale-in to configure.
          targetValue: autoscaling.targetUtilizationPercent,
        },
      });
    }
  }
}
