/**
 * The jumper: a small EC2 instance that runs the reconciler under systemd with an instance-profile role. It is reached
 * through SSM Session Manager only (no SSH, no key pair), requires IMDSv2, and its root volume is encrypted with the
 * stack's key. Its role holds exactly what the reconciler does, on this cluster only.
 */
import { Construct } from 'constructs';
import { Fn, Token } from 'cdktf';
import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { IamInstanceProfile } from '@cdktf/provider-aws/lib/iam-instance-profile';
import { DataAwsIamPolicyDocument } from '@cdktf/provider-aws/lib/data-aws-iam-policy-document';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { RECONCILER_IAM_ACTIONS } from '../../reconciler/connection/iam-actions';
import { connectionProfile, daemonConfig, daemonEnvironment, jumperUserData } from './jumper-user-data';

/** Where Amazon publishes the current Amazon Linux 2023 AMI id, per region. */
export const AL2023_AMI_PARAMETER = '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64';

/** The only AWS managed policy the stack attaches: what the SSM agent needs for Session Manager. */
export const SSM_CORE_POLICY = 'AmazonSSMManagedInstanceCore';

export interface PolicyStatement {
  sid: string;
  actions: string[];
  resources: string[];
  condition?: Array<{ test: string; variable: string; values: string[] }>;
}

/**
 * The topic and group ARN patterns of one cluster: arn:P:kafka:R:A:cluster/NAME/UUID → arn:P:kafka:R:A:topic/NAME/UUID/*.
 * `replace` is String.replace for plain strings and terraform's replace() for a token.
 */
export function kafkaResourceArns(
  clusterArn: string,
  replace: (text: string, search: string, replacement: string) => string = (text, search, replacement) =>
    text.replace(search, replacement),
) {
  return {
    cluster: clusterArn,
    topic: `${replace(clusterArn, ':cluster/', ':topic/')}/*`,
    group: `${replace(clusterArn, ':cluster/', ':group/')}/*`,
  };
}

/** The jumper role's whole grant. Pure, so the tests read the same statements the stack deploys. */
export function jumperPolicyStatements(props: {
  clusterArn: string;
  topicArns: string;
  groupArns: string;
  /** arn:P:secretsmanager:R:A:secret:AmazonMSK_* */
  scramSecretArns: string;
  ownSecretArns: string[];
  kmsKeyArn: string;
  region: string;
}): PolicyStatement[] {
  return [
    { sid: 'KafkaCluster', actions: [...RECONCILER_IAM_ACTIONS.cluster], resources: [props.clusterArn] },
    { sid: 'KafkaTopics', actions: [...RECONCILER_IAM_ACTIONS.topic], resources: [props.topicArns] },
    { sid: 'KafkaGroups', actions: [...RECONCILER_IAM_ACTIONS.group], resources: [props.groupArns] },
    {
      // The reconciler owns the SCRAM users: it associates their secrets and reads the listeners of this cluster.
      sid: 'MskScramUsers',
      actions: [
        'kafka:BatchAssociateScramSecret',
        'kafka:BatchDisassociateScramSecret',
        'kafka:ListScramSecrets',
        'kafka:DescribeCluster',
        'kafka:DescribeClusterV2',
        'kafka:GetBootstrapBrokers',
      ],
      resources: [props.clusterArn],
    },
    {
      // MSK only reads secrets named AmazonMSK_*; the reconciler creates and fills one per SCRAM user.
      sid: 'ScramUserSecrets',
      actions: [
        'secretsmanager:CreateSecret',
        'secretsmanager:PutSecretValue',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
        'secretsmanager:TagResource',
      ],
      resources: [props.scramSecretArns],
    },
    {
      sid: 'ReconcilerSecrets',
      actions: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
      resources: props.ownSecretArns,
    },
    {
      // Secrets Manager encrypts and decrypts with the caller's permissions on the key (MSK refuses the default key);
      // the condition keeps the key usable through Secrets Manager only, not for direct decryption of anything else.
      sid: 'SecretsKeyViaSecretsManager',
      actions: ['kms:Decrypt', 'kms:GenerateDataKey', 'kms:Encrypt'],
      resources: [props.kmsKeyArn],
      condition: [
        { test: 'StringEquals', variable: 'kms:ViaService', values: [`secretsmanager.${props.region}.amazonaws.com`] },
      ],
    },
    { sid: 'SecretsKeyDescribe', actions: ['kms:DescribeKey'], resources: [props.kmsKeyArn] },
  ];
}

export interface JumperProps {
  name: string;
  region: string;
  partition: string;
  subnetId: string;
  securityGroupId: string;
  kmsKeyArn: string;
  clusterArn: string;
  bootstrapBrokersSaslIam: string;
  slackWebhookSecretArn: string;
  gitCredentialsSecretArn: string;
  instanceType: string;
  amiId?: string;
  rootVolumeSizeGiB: number;
  reconcilerRepo: string;
  reconcilerRef: string;
  desiredState: { repo: string; branch: string; path: string };
  useGitCredentials: boolean;
  slackReports: boolean;
}

export class Jumper extends Construct {
  readonly role: IamRole;
  readonly instance: Instance;

  constructor(scope: Construct, id: string, props: JumperProps) {
    super(scope, id);
    this.role = new IamRole(this, 'role', {
      name: `${props.name}-jumper`,
      description: 'msk-gitops reconciler on the jumper: admin of this MSK cluster through IAM',
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
      }),
    });

    // The account id is read from the cluster's ARN rather than looked up: no AWS call at plan time.
    const arnParts = Fn.split(':', props.clusterArn);
    const account = Token.asString(Fn.element(arnParts, 4));
    const kafkaArns = kafkaResourceArns(props.clusterArn, (text, search, replacement) =>
      Fn.replace(text, search, replacement),
    );
    const statements = jumperPolicyStatements({
      clusterArn: kafkaArns.cluster,
      topicArns: kafkaArns.topic,
      groupArns: kafkaArns.group,
      scramSecretArns: `arn:${props.partition}:secretsmanager:${props.region}:${account}:secret:AmazonMSK_*`,
      ownSecretArns: [props.slackWebhookSecretArn, props.gitCredentialsSecretArn],
      kmsKeyArn: props.kmsKeyArn,
      region: props.region,
    });
    // A policy document data source (computed locally, no AWS call) keeps the actions readable in the plan JSON even
    // while the ARNs are still unknown, so the plan's policy check can see them.
    const document = new DataAwsIamPolicyDocument(this, 'policy-document', {
      statement: statements.map((statement) => ({ effect: 'Allow', ...statement })),
    });
    new IamRolePolicy(this, 'policy', { name: 'msk-gitops-reconciler', role: this.role.id, policy: document.json });
    new IamRolePolicyAttachment(this, 'ssm-core', {
      role: this.role.name,
      policyArn: `arn:${props.partition}:iam::aws:policy/${SSM_CORE_POLICY}`,
    });
    const profile = new IamInstanceProfile(this, 'profile', { name: `${props.name}-jumper`, role: this.role.name });

    const ami =
      props.amiId ?? new DataAwsSsmParameter(this, 'al2023-ami', { name: AL2023_AMI_PARAMETER }).insecureValue;
    const config = daemonConfig({
      connection: connectionProfile({
        bootstrapServers: Fn.split(',', props.bootstrapBrokersSaslIam),
        region: props.region,
        clusterArn: props.clusterArn,
        kmsKeyArn: props.kmsKeyArn,
      }),
      desiredState: props.desiredState,
      gitTokenSecretArn: props.useGitCredentials ? props.gitCredentialsSecretArn : undefined,
      slackWebhookSecretArn: props.slackReports ? props.slackWebhookSecretArn : undefined,
    });
    const userData = jumperUserData({
      reconcilerRepo: props.reconcilerRepo,
      reconcilerRef: props.reconcilerRef,
      configJson: Fn.jsonencode(config),
      environment: daemonEnvironment({ region: props.region }),
    });

    this.instance = new Instance(this, 'instance', {
      ami,
      instanceType: props.instanceType,
      subnetId: props.subnetId,
      vpcSecurityGroupIds: [props.securityGroupId],
      // Public subnet without NAT: the public address is how it reaches SSM, git and npm. Nothing can come in (SG).
      associatePublicIpAddress: true,
      iamInstanceProfile: profile.name,
      metadataOptions: { httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 },
      rootBlockDevice: {
        encrypted: true,
        kmsKeyId: props.kmsKeyArn,
        volumeType: 'gp3',
        volumeSize: props.rootVolumeSizeGiB,
        deleteOnTermination: true,
      },
      userData,
      // The jumper keeps no state (git and the cluster hold it), so a new bootstrap script means a fresh instance.
      userDataReplaceOnChange: true,
      // An unpinned AMI follows Amazon's releases; without this every release would replace the jumper.
      lifecycle: props.amiId ? undefined : { ignoreChanges: ['ami'] },
      tags: { Name: `${props.name}-jumper` },
    });
  }
}
