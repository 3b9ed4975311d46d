/**
 * The MSK cluster: TLS-only, encrypted at rest with the stack's key, SCRAM (apps) and IAM (the reconciler) with
 * unauthenticated access off, and a broker configuration that denies by default, so a user without ACLs can do
 * nothing and topics exist only because the manifests say so.
 */
import { Construct } from 'constructs';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { MskConfiguration } from '@cdktf/provider-aws/lib/msk-configuration';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import type { StackConfig } from '../config';

export interface KafkaClusterProps {
  name: string;
  kafka: StackConfig['kafka'];
  publicAccess: boolean;
  subnetIds: string[];
  securityGroupId: string;
  kmsKeyArn: string;
}

/** The broker properties the stack owns. Everything else is the reconciler's (topic configs) or MSK's default. */
export function brokerProperties(kafka: StackConfig['kafka']): string {
  return [
    'auto.create.topics.enable=false',
    // Required by MSK for public access with SCRAM, and the only safe default: no ACL means no access.
    'allow.everyone.if.no.acl.found=false',
    `default.replication.factor=${kafka.defaultReplicationFactor}`,
    `min.insync.replicas=${kafka.minInsyncReplicas}`,
  ].join('\n');
}

export class KafkaCluster extends Construct {
  readonly cluster: MskCluster;
  readonly configuration: MskConfiguration;
  readonly logGroup: CloudwatchLogGroup;

  constructor(scope: Construct, id: string, props: KafkaClusterProps) {
    super(scope, id);
    // Not KMS-encrypted: a customer key for CloudWatch Logs needs a key policy naming logs.REGION.amazonaws.com and
    // the account id, which the offline plan cannot know. CloudWatch Logs still encrypts at rest with its own keys,
    // and broker logs carry no secrets (SCRAM credentials never reach them).
    this.logGroup = new CloudwatchLogGroup(this, 'broker-logs', {
      name: `/aws/msk/${props.name}/brokers`,
      retentionInDays: props.kafka.logRetentionDays,
    });

    this.configuration = new MskConfiguration(this, 'configuration', {
      name: `${props.name}-brokers`,
      description: 'msk-gitops: deny by default, no auto-created topics',
      kafkaVersions: [props.kafka.version],
      serverProperties: brokerProperties(props.kafka),
    });

    const monitoring = props.kafka.openMonitoring;
    this.cluster = new MskCluster(this, 'cluster', {
      clusterName: props.name,
      kafkaVersion: props.kafka.version,
      numberOfBrokerNodes: props.kafka.brokerCount,
      brokerNodeGroupInfo: {
        instanceType: props.kafka.instanceType,
        clientSubnets: props.subnetIds,
        securityGroups: [props.securityGroupId],
        storageInfo: { ebsStorageInfo: { volumeSize: props.kafka.volumeSizeGiB } },
        // MSK refuses SERVICE_PROVIDED_EIPS on create: deploy once with it off, then turn it on (see docs/deploy-aws.md).
        connectivityInfo: { publicAccess: { type: props.publicAccess ? 'SERVICE_PROVIDED_EIPS' : 'DISABLED' } },
      },
      clientAuthentication: { unauthenticated: false, sasl: { scram: true, iam: true } },
      encryptionInfo: {
        encryptionAtRestKmsKeyArn: props.kmsKeyArn,
        encryptionInTransit: { clientBroker: 'TLS', inCluster: true },
      },
      configurationInfo: { arn: this.configuration.arn, revision: this.configuration.latestRevision },
      enhancedMonitoring: props.kafka.enhancedMonitoring,
      openMonitoring: {
        prometheus: { jmxExporter: { enabledInBroker: monitoring }, nodeExporter: { enabledInBroker: monitoring } },
      },
      loggingInfo: { brokerLogs: { cloudwatchLogs: { enabled: true, logGroup: this.logGroup.name } } },
      // Creating or resizing a cluster routinely takes longer than the provider's defaults.
      timeouts: { create: '120m', update: '120m', delete: '120m' },
    });
  }
}
