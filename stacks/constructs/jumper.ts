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
import { scramSecretPrefix, scramSecretTags, STACK_TAG_KEY } from '../../reconciler/users/msk-secret-names';
import { LIST_SECRETS_STATEMENT } from '../policy-check';
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
  /** The stack's (= the MSK cluster's) name: the SCRAM secrets' namespace and the value of their Stack tag. */
  stackName: string;
  /** arn:P:secretsmanager:R:A:secret: — the ARN prefix of this account's and region's secrets. */
  secretArnPrefix: string;
  ownSecretArns: string[];
  kmsKeyArn: string;
  region: string;
}): PolicyStatement[] {
  const scramSecrets = `${props.secretArnPrefix}${scramSecretPrefix(props.stackName)}*`;
  const secretsManager = `secretsmanager.${props.region}.amazonaws.com`;
  const msk = `kafka.${props.region}.amazonaws.com`;
  const viaService = (...services: string[]) => ({
    test: 'StringEquals',
    variable: 'kms:ViaService',
    values: services,
  });
  const stackTag = (variable: string) => ({ test: 'StringEquals', variable, values: [props.stackName] });
  const onlyOurTagKeys = {
    test: 'ForAllValues:StringEquals',
    variable: 'aws:TagKeys',
    values: scramSecretTags(props.stackName).map((tag) => tag.Key),
  };
  return [
    { sid: 'KafkaCluster', actions: [...RECONCILER_IAM_ACTIONS.cluster], resources: [props.clusterArn] },
    { sid: 'KafkaTopics', actions: [...RECONCILER_IAM_ACTIONS.topic], resources: [props.topicArns] },
    {
      // The reconciler owns the SCRAM users: it lists, associates and disassociates their secrets on this cluster.
      sid: 'MskScramUsers',
      actions: ['kafka:ListScramSecrets', 'kafka:BatchAssociateScramSecret', 'kafka:BatchDisassociateScramSecret'],
      resources: [props.clusterArn],
    },
    {
      // Named exception of the policy checker (stacks/policy-check.ts): ListSecrets is authorized on "*" only.
      sid: LIST_SECRETS_STATEMENT,
      actions: ['secretsmanager:ListSecrets'],
      resources: ['*'],
    },
    {
      // A new user's secret: only in this stack's namespace, only with this stack's key (MSK refuses the default
      // one), only tagged as this stack's. secretsmanager:KmsKeyArn exists for CreateSecret only.
      sid: 'CreateScramSecrets',
      actions: ['secretsmanager:CreateSecret'],
      resources: [scramSecrets],
      condition: [
        { test: 'StringEquals', variable: 'secretsmanager:KmsKeyArn', values: [props.kmsKeyArn] },
        stackTag(`aws:RequestTag/${STACK_TAG_KEY}`),
        onlyOurTagKeys,
      ],
    },
    {
      // CreateSecret with Tags is also authorized as TagResource, with the request's tags.
      sid: 'TagScramSecrets',
      actions: ['secretsmanager:TagResource'],
      resources: [scramSecrets],
      condition: [stackTag(`aws:RequestTag/${STACK_TAG_KEY}`), onlyOurTagKeys],
    },
    {
      // An existing user's secret: read (MSK's association reads it as the caller too), write a new version,
      // schedule its deletion (with a recovery window), restore it — only if it carries this stack's tag.
      sid: 'ManageScramSecrets',
      actions: [
        'secretsmanager:GetSecretValue',
        'secretsmanager:PutSecretValue',
        'secretsmanager:DeleteSecret',
        'secretsmanager:RestoreSecret',
      ],
      resources: [scramSecrets],
      condition: [stackTag(`aws:ResourceTag/${STACK_TAG_KEY}`)],
    },
    {
      sid: 'ReconcilerSecrets',
      actions: ['secretsmanager:GetSecretValue'],
      resources: props.ownSecretArns,
    },
    {
      // Secrets Manager encrypts (GenerateDataKey) and decrypts with the caller's permissions on the key; the
      // condition keeps the key usable through Secrets Manager only, not for direct decryption of anything else.
      sid: 'SecretsKeyViaSecretsManager',
      actions: ['kms:GenerateDataKey', 'kms:Decrypt'],
      resources: [props.kmsKeyArn],
      condition: [viaService(secretsManager)],
    },
    {
      // BatchAssociateScramSecret has MSK create a grant on the secrets' key for itself (CloudFormation's
      // AWS::MSK::BatchScramSecret lists kms:CreateGrant and kms:DescribeKey): through MSK, for an AWS resource only.
      sid: 'SecretsKeyGrantForMsk',
      actions: ['kms:CreateGrant'],
      resources: [props.kmsKeyArn],
      condition: [viaService(msk), { test: 'Bool', variable: 'kms:GrantIsForAWSResource', values: ['true'] }],
    },
    {
      sid: 'SecretsKeyDescribe',
      actions: ['kms:DescribeKey'],
      resources: [props.kmsKeyArn],
      condition: [viaService(msk, secretsManager)],
    },
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
      stackName: props.name,
      secretArnPrefix: `arn:${props.partition}:secretsmanager:${props.region}:${account}:secret:`,
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
