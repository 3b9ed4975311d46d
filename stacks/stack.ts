/** The whole AWS side of msk-gitops in one stack: network, security groups, key, MSK, secrets and the jumper. */
import { Construct } from 'constructs';
import { S3Backend, TerraformOutput, TerraformStack } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { partitionOf, type StackConfig } from './config';
import { Network } from './constructs/network';
import { SecurityGroups } from './constructs/security';
import { Key } from './constructs/kms';
import { brokerLogGroupName, KafkaCluster } from './constructs/msk';
import { ReconcilerSecrets } from './constructs/secrets';
import { Jumper } from './constructs/jumper';

export class MskGitopsStack extends TerraformStack {
  readonly network: Network;
  readonly securityGroups: SecurityGroups;
  readonly key: Key;
  readonly kafka: KafkaCluster;
  readonly secrets: ReconcilerSecrets;
  readonly jumper: Jumper;

  constructor(scope: Construct, id: string, config: StackConfig) {
    super(scope, id);
    if (config.stateBackend) {
      const backend = config.stateBackend;
      new S3Backend(this, {
        bucket: backend.bucket,
        key: backend.key,
        region: backend.region ?? config.region,
        encrypt: true,
        dynamodbTable: backend.dynamodbTable,
      });
      // S3's own lock file (Terraform 1.10+) when no DynamoDB table is named; cdktf 0.21 has no typed field for it.
      if (!backend.dynamodbTable) this.addOverride('terraform.backend.s3.use_lockfile', true);
    }
    new AwsProvider(this, 'aws', {
      region: config.region,
      defaultTags: [{ tags: { Project: 'msk-gitops', Stack: config.name, ...config.tags } }],
      // Only for tests and CI: lets `terraform plan` run with no AWS account. Dummy keys are never valid.
      ...(config.offlinePlan && {
        accessKey: 'offline-plan',
        secretKey: 'offline-plan',
        skipCredentialsValidation: true,
        skipRequestingAccountId: true,
        skipMetadataApiCheck: 'true',
      }),
    });

    this.network = new Network(this, 'network', {
      name: config.name,
      vpcCidr: config.vpcCidr,
      availabilityZones: config.availabilityZones,
      subnetCidrs: config.subnetCidrs,
      jumperSubnetCidr: config.jumperSubnetCidr,
      brokersReachInternet: config.publicAccess.enabled,
    });
    this.securityGroups = new SecurityGroups(this, 'security-groups', {
      name: config.name,
      vpcId: this.network.vpc.id,
      publicAccessCidrs: config.publicAccess.enabled ? config.publicAccess.allowedCidrs : [],
      openMonitoring: config.kafka.openMonitoring,
    });
    const partition = partitionOf(config.region);
    this.key = new Key(this, 'kms', {
      name: config.name,
      region: config.region,
      partition,
      logGroupName: brokerLogGroupName(config.name),
    });
    this.kafka = new KafkaCluster(this, 'msk', {
      name: config.name,
      kafka: config.kafka,
      publicAccess: config.publicAccess.enabled,
      subnetIds: this.network.brokerSubnets.map((subnet) => subnet.id),
      securityGroupId: this.securityGroups.brokers.id,
      kmsKeyArn: this.key.key.arn,
      kmsKeyPolicy: this.key.policy,
    });
    this.secrets = new ReconcilerSecrets(this, 'secrets', {
      name: config.name,
      kmsKeyArn: this.key.key.arn,
      recoveryWindowDays: config.secretRecoveryWindowDays,
    });
    const cluster = this.kafka.cluster;
    this.jumper = new Jumper(this, 'jumper', {
      name: config.name,
      region: config.region,
      partition,
      subnetId: this.network.jumperSubnet.id,
      securityGroupId: this.securityGroups.jumper.id,
      kmsKeyArn: this.key.key.arn,
      clusterArn: cluster.arn,
      bootstrapBrokersSaslIam: cluster.bootstrapBrokersSaslIam,
      slackWebhookSecretArn: this.secrets.slackWebhookUrl.arn,
      gitCredentialsSecretArn: this.secrets.gitCredentials.arn,
      instanceType: config.jumper.instanceType,
      amiId: config.jumper.amiId,
      rootVolumeSizeGiB: config.jumper.rootVolumeSizeGiB,
      reconcilerRepo: config.jumper.reconcilerRepo,
      reconcilerRef: config.jumper.reconcilerRef,
      desiredState: {
        repo: config.jumper.desiredStateRepo,
        branch: config.jumper.desiredStateBranch,
        path: config.jumper.desiredStatePath,
      },
      useGitCredentials: config.jumper.useGitCredentials,
      slackReports: config.jumper.slackReports,
    });

    const output = (id: string, value: string | number, description: string) =>
      new TerraformOutput(this, id, { value, description });
    output('cluster_name', cluster.clusterName, 'MSK cluster name');
    output('cluster_arn', cluster.arn, 'MSK cluster ARN');
    output('configuration_arn', this.kafka.configuration.arn, 'MSK configuration the brokers run with');
    output('configuration_revision', this.kafka.configuration.latestRevision, 'its revision in use');
    output('bootstrap_brokers_sasl_scram', cluster.bootstrapBrokersSaslScram, 'SCRAM (apps), port 9096, in the VPC');
    output('bootstrap_brokers_sasl_iam', cluster.bootstrapBrokersSaslIam, 'IAM (reconciler), port 9098, in the VPC');
    if (config.publicAccess.enabled) {
      output('bootstrap_brokers_public_sasl_scram', cluster.bootstrapBrokersPublicSaslScram, 'SCRAM, public, 9196');
      output('bootstrap_brokers_public_sasl_iam', cluster.bootstrapBrokersPublicSaslIam, 'IAM, public, 9198');
    }
    output('jumper_instance_id', this.jumper.instance.id, 'aws ssm start-session --target <this>');
    output('jumper_role_arn', this.jumper.role.arn, 'the reconciler identity (IAM principal of the admin)');
    output('kms_key_arn', this.key.key.arn, 'customer-managed key for AmazonMSK_* secrets and encryption at rest');
    output('app_services_security_group_id', this.securityGroups.appServices.id, 'attach to Kafka client services');
    output('brokers_security_group_id', this.securityGroups.brokers.id, 'the brokers (ingress by group only)');
    output('jumper_security_group_id', this.securityGroups.jumper.id, 'the jumper (no ingress)');
    output('slack_webhook_secret_arn', this.secrets.slackWebhookUrl.arn, 'put the webhook URL here');
    output('git_credentials_secret_arn', this.secrets.gitCredentials.arn, 'put the git HTTPS token here');
    output('broker_log_group', this.kafka.logGroup.name, 'CloudWatch log group of the broker logs');
  }
}
