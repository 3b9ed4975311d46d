import { readFileSync } from 'node:fs';
import path from 'node:path';
import 'cdktf/lib/testing/adapters/jest';
import { Testing } from 'cdktf';
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { Vpc } from '@cdktf/provider-aws/lib/vpc';
import { InternetGateway } from '@cdktf/provider-aws/lib/internet-gateway';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { MskCluster } from '@cdktf/provider-aws/lib/msk-cluster';
import { CloudwatchLogGroup } from '@cdktf/provider-aws/lib/cloudwatch-log-group';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { IamRolePolicyAttachment } from '@cdktf/provider-aws/lib/iam-role-policy-attachment';
import { Instance } from '@cdktf/provider-aws/lib/instance';
import { DataAwsSsmParameter } from '@cdktf/provider-aws/lib/data-aws-ssm-parameter';
import { RECONCILER_IAM_ACTIONS } from '../../reconciler/connection/iam-actions';
import { DaemonConfigSchema } from '../../reconciler/daemon/config';
import { loadStackConfig, type StackConfig } from '../../stacks/config';
import { MskGitopsStack } from '../../stacks/stack';
import { brokerProperties } from '../../stacks/constructs/msk';
import { MSK_PORTS } from '../../stacks/constructs/security';
import { LIST_SECRETS_STATEMENT } from '../../stacks/policy-check';
import { AL2023_AMI_PARAMETER, jumperPolicyStatements, kafkaResourceArns } from '../../stacks/constructs/jumper';
import { connectionProfile, daemonConfig, UNIT_PATH, jumperUserData } from '../../stacks/constructs/jumper-user-data';
import { offlineConfig, requiredSettings, TEST_AMI } from './offline-config';

type Resource = Record<string, unknown> & { lifecycle?: Record<string, unknown> };
interface Synthesized {
  provider: { aws: Array<Record<string, unknown>> };
  resource: Record<string, Record<string, Resource>>;
  data?: Record<string, Record<string, Resource>>;
  output: Record<string, { value: string }>;
}

function synthesize(config: StackConfig): { json: string; tf: Synthesized } {
  const stack = new MskGitopsStack(Testing.app(), 'msk-gitops', config);
  const json = Testing.synth(stack);
  return { json, tf: JSON.parse(json) as Synthesized };
}

const all = (tf: Synthesized, type: string): Resource[] => Object.values(tf.resource[type] ?? {});
const only = (tf: Synthesized, type: string): Resource => {
  const found = all(tf, type);
  expect(found).toHaveLength(1);
  return found[0];
};
/** The terraform address a synthesized "${aws_x.name.attr}" reference points at. */
const referenceTo = (tf: Synthesized, type: string, match: (resource: Resource) => boolean, attribute: string) => {
  const entry = Object.entries(tf.resource[type] ?? {}).find(([, resource]) => match(resource));
  if (!entry) throw new Error(`no ${type} matches`);
  return `\${${type}.${entry[0]}.${attribute}}`;
};

const CLUSTER_ARN = 'arn:aws:kafka:eu-west-1:123456789012:cluster/msk-gitops/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-2';

describe('the synthesized stack (defaults)', () => {
  const { json, tf } = synthesize(offlineConfig());
  const groupId = (name: string) =>
    referenceTo(tf, 'aws_security_group', (group) => group.name_prefix === `msk-gitops-${name}-`, 'id');

  it('builds the network: brokers in private subnets in AZs a and b, the jumper alone in a public subnet', () => {
    expect(json).toHaveResourceWithProperties(Vpc, {
      cidr_block: '10.20.0.0/16',
      enable_dns_support: true,
      enable_dns_hostnames: true,
    });
    const subnets = Object.entries(tf.resource.aws_subnet);
    const brokerSubnets = subnets.filter(([id]) => id.includes('brokers'));
    expect(brokerSubnets.map(([, subnet]) => [subnet.availability_zone, subnet.cidr_block])).toEqual([
      ['eu-west-1a', '10.20.0.0/24'],
      ['eu-west-1b', '10.20.1.0/24'],
    ]);
    const jumperSubnet = referenceTo(tf, 'aws_subnet', (subnet) => subnet.cidr_block === '10.20.255.0/24', 'id');
    expect(only(tf, 'aws_instance').subnet_id).toBe(jumperSubnet);
    expect(all(tf, 'aws_subnet').every((subnet) => subnet.map_public_ip_on_launch === false)).toBe(true);
    expect(json).toHaveResource(InternetGateway);
    expect(all(tf, 'aws_nat_gateway')).toEqual([]);

    // Which route table each subnet uses, and whether that table reaches the internet.
    const routeOf = (subnet: string) => {
      const association = all(tf, 'aws_route_table_association').find((item) => item.subnet_id === subnet);
      const table = Object.entries(tf.resource.aws_route_table).find(
        ([id]) => association?.route_table_id === `\${aws_route_table.${id}.id}`,
      )?.[1];
      return table?.route;
    };
    expect(routeOf(jumperSubnet)).toEqual([
      expect.objectContaining({ cidr_block: '0.0.0.0/0', gateway_id: expect.stringContaining('aws_internet_gateway') }),
    ]);
    for (const [id] of brokerSubnets) expect(routeOf(`\${aws_subnet.${id}.id}`)).toEqual([]);
    expect(brokerSubnets.map(([id]) => `\${aws_subnet.${id}.id}`)).toEqual(
      (only(tf, 'aws_msk_cluster') as Record<string, Record<string, unknown>>).broker_node_group_info.client_subnets,
    );
    expect(only(tf, 'aws_default_security_group')).not.toHaveProperty('ingress');
  });

  it('lets the jumper reach the brokers on IAM (9098) only and the app services on SCRAM (9096) only', () => {
    const ingress = all(tf, 'aws_vpc_security_group_ingress_rule');
    const brokers = groupId('brokers');
    expect(ingress.every((rule) => rule.security_group_id === brokers)).toBe(true);
    expect(ingress.map((rule) => [rule.referenced_security_group_id, rule.from_port, rule.to_port])).toEqual([
      [groupId('app-services'), MSK_PORTS.scram, MSK_PORTS.scram],
      [groupId('jumper'), MSK_PORTS.iam, MSK_PORTS.iam],
    ]);
    const egress = all(tf, 'aws_vpc_security_group_egress_rule').filter(
      (rule) => rule.referenced_security_group_id === brokers,
    );
    expect(egress.map((rule) => [rule.security_group_id, rule.from_port, rule.to_port])).toEqual([
      [groupId('app-services'), MSK_PORTS.scram, MSK_PORTS.scram],
      [groupId('jumper'), MSK_PORTS.iam, MSK_PORTS.iam],
    ]);
    expect(ingress.some((rule) => 'cidr_ipv4' in rule || 'cidr_ipv6' in rule)).toBe(false);
  });

  it('gives the jumper no ingress at all (Session Manager, no SSH) and no key pair', () => {
    const jumperGroup = groupId('jumper');
    expect(all(tf, 'aws_vpc_security_group_ingress_rule').some((rule) => rule.security_group_id === jumperGroup)).toBe(
      false,
    );
    for (const group of all(tf, 'aws_security_group')) {
      expect(group).not.toHaveProperty('ingress');
      expect(group).not.toHaveProperty('egress');
    }
    expect(only(tf, 'aws_instance')).not.toHaveProperty('key_name');
    expect(json).toHaveResourceWithProperties(IamRolePolicyAttachment, {
      policy_arn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    });
  });

  it('creates a customer-managed key with rotation on', () => {
    expect(json).toHaveResourceWithProperties(KmsKey, { enable_key_rotation: true });
    expect(only(tf, 'aws_kms_key')).not.toHaveProperty('policy');
  });

  it('runs MSK TLS-only, encrypted with the key, SCRAM and IAM on, unauthenticated off', () => {
    const keyArn = referenceTo(tf, 'aws_kms_key', () => true, 'arn');
    expect(json).toHaveResourceWithProperties(MskCluster, {
      cluster_name: 'msk-gitops',
      kafka_version: '3.9.x',
      number_of_broker_nodes: 2,
      encryption_info: {
        encryption_at_rest_kms_key_arn: keyArn,
        encryption_in_transit: { client_broker: 'TLS', in_cluster: true },
      },
      client_authentication: { unauthenticated: false, sasl: { scram: true, iam: true } },
      enhanced_monitoring: 'DEFAULT',
    });
    const cluster = only(tf, 'aws_msk_cluster') as Record<string, Record<string, unknown>>;
    expect(cluster.broker_node_group_info).toMatchObject({
      instance_type: 'kafka.t3.small',
      security_groups: [groupId('brokers')],
      connectivity_info: { public_access: { type: 'DISABLED' } },
    });
    expect(cluster.broker_node_group_info.client_subnets).toHaveLength(2);
    expect(cluster.open_monitoring).toEqual({
      prometheus: { jmx_exporter: { enabled_in_broker: false }, node_exporter: { enabled_in_broker: false } },
    });
  });

  it('configures the brokers to deny by default and not auto-create topics, sized for two brokers', () => {
    const configuration = only(tf, 'aws_msk_configuration');
    expect(configuration.kafka_versions).toEqual(['3.9.x']);
    expect(String(configuration.server_properties).split('\n')).toEqual([
      'auto.create.topics.enable=false',
      'allow.everyone.if.no.acl.found=false',
      'default.replication.factor=2',
      'min.insync.replicas=1',
    ]);
    const cluster = only(tf, 'aws_msk_cluster') as Record<string, Record<string, unknown>>;
    expect(cluster.configuration_info).toEqual({
      arn: expect.stringMatching(/^\$\{aws_msk_configuration\..+\.arn\}$/),
      revision: expect.stringMatching(/^\$\{aws_msk_configuration\..+\.latest_revision\}$/),
    });
  });

  it('sends broker logs to a CloudWatch log group with a retention', () => {
    expect(json).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: '/aws/msk/msk-gitops/brokers',
      retention_in_days: 30,
    });
    const cluster = only(tf, 'aws_msk_cluster') as Record<string, Record<string, unknown>>;
    expect(cluster.logging_info).toEqual({
      broker_logs: {
        cloudwatch_logs: { enabled: true, log_group: expect.stringContaining('aws_cloudwatch_log_group') },
      },
    });
  });

  it("declares the reconciler's secrets with the key and never their values or the SCRAM associations", () => {
    const keyArn = referenceTo(tf, 'aws_kms_key', () => true, 'arn');
    expect(json).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'msk-gitops/slack-webhook-url',
      kms_key_id: keyArn,
    });
    expect(json).toHaveResourceWithProperties(SecretsmanagerSecret, {
      name: 'msk-gitops/git-credentials',
      kms_key_id: keyArn,
    });
    expect(tf.resource).not.toHaveProperty('aws_secretsmanager_secret_version');
    expect(tf.resource).not.toHaveProperty('aws_msk_scram_secret_association');
    expect(tf.resource).not.toHaveProperty('aws_msk_single_scram_secret_association');
  });

  it("grants the jumper exactly the reconciler's kafka-cluster actions, on this cluster, its topics and groups", () => {
    const document = Object.values(tf.data?.aws_iam_policy_document ?? {})[0] as {
      statement: Array<{ sid: string; actions: string[]; resources: string[] }>;
    };
    const bySid = new Map(document.statement.map((statement) => [statement.sid, statement]));
    const clusterArn = referenceTo(tf, 'aws_msk_cluster', () => true, 'arn');
    expect(bySid.get('KafkaCluster')).toMatchObject({
      actions: RECONCILER_IAM_ACTIONS.cluster,
      resources: [clusterArn],
    });
    expect(bySid.get('KafkaTopics')?.actions).toEqual(RECONCILER_IAM_ACTIONS.topic);
    expect(bySid.get('KafkaTopics')?.resources).toEqual([
      `\${replace(${clusterArn.slice(2, -1)}, ":cluster/", ":topic/")}/*`,
    ]);
    expect(bySid.has('KafkaGroups')).toBe(false);
    expect(bySid.get('MskScramUsers')?.resources).toEqual([clusterArn]);
    for (const sid of ['CreateScramSecrets', 'TagScramSecrets', 'ManageScramSecrets']) {
      expect(bySid.get(sid)?.resources).toEqual([
        expect.stringMatching(
          /^arn:aws:secretsmanager:eu-west-1:\$\{element\(split\(":", .*\), 4\)\}:secret:AmazonMSK_msk-gitops_\*$/,
        ),
      ]);
    }
    for (const statement of document.statement) {
      expect(statement.actions.every((action) => !action.includes('*'))).toBe(true);
      // The one statement on "*" is the policy checker's named exception (ListSecrets).
      if (statement.sid !== LIST_SECRETS_STATEMENT) expect(statement.resources).not.toContain('*');
    }
    expect(bySid.get(LIST_SECRETS_STATEMENT)).toMatchObject({
      actions: ['secretsmanager:ListSecrets'],
      resources: ['*'],
    });
    const policy = only(tf, 'aws_iam_role_policy');
    expect(policy.policy).toMatch(/^\$\{data\.aws_iam_policy_document\..+\.json\}$/);
    expect(JSON.parse(String(only(tf, 'aws_iam_role').assume_role_policy))).toEqual({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
    });
  });

  it('requires IMDSv2 and encrypts the root volume with the key; the AMI is the pinned one', () => {
    expect(json).toHaveResourceWithProperties(Instance, {
      ami: TEST_AMI,
      associate_public_ip_address: true,
      metadata_options: { http_endpoint: 'enabled', http_tokens: 'required', http_put_response_hop_limit: 1 },
      // The jest adapter compares nested blocks whole; objectContaining keeps this to the rule under test.
      root_block_device: expect.objectContaining({
        encrypted: true,
        kms_key_id: referenceTo(tf, 'aws_kms_key', () => true, 'arn'),
      }),
      user_data_replace_on_change: true,
    });
    expect(tf.data ?? {}).not.toHaveProperty('aws_ssm_parameter');
    expect(only(tf, 'aws_instance')).not.toHaveProperty('lifecycle');
  });

  it('bootstraps the reconciler: Node 20, git checkout, npm ci, its config with the IAM brokers, a systemd unit', () => {
    const userData = String(only(tf, 'aws_instance').user_data);
    expect(userData).toMatch(/^#!\/bin\/bash\n/);
    expect(userData).toContain('dnf install -y nodejs20');
    expect(userData).toContain(`git -C "$APP_DIR" fetch -q --depth 1 origin "$REF"`);
    // npm ci with the dev dependencies builds dist/ (the prepare script), which bin/msk-gitops.js runs.
    expect(userData).toContain('"$NPM" ci --no-audit --no-fund && "$NPM" prune --omit=dev');
    expect(userData).toMatch(/"bootstrapServers" = split\(",", aws_msk_cluster\.[^.]+\.bootstrap_brokers_sasl_iam\)/);
    expect(userData).toContain('systemctl enable --now msk-gitops.service');
    // Every interpolation in the script is one the stack put there, not bash's.
    const interpolations = userData.match(/\$\{[^}]*/g) ?? [];
    expect(interpolations).toHaveLength(1);
    expect(interpolations[0]).toMatch(/^\$\{jsonencode\(/);
  });

  it('outputs bootstrap brokers per auth mode, the cluster ARN, the jumper id and the key ARN', () => {
    expect(Object.keys(tf.output)).toEqual(
      expect.arrayContaining([
        'bootstrap_brokers_sasl_scram',
        'bootstrap_brokers_sasl_iam',
        'cluster_arn',
        'jumper_instance_id',
        'kms_key_arn',
        'app_services_security_group_id',
      ]),
    );
    expect(tf.output).not.toHaveProperty('bootstrap_brokers_public_sasl_scram');
  });

  it('configures the provider for an offline plan only when asked', () => {
    expect(json).toHaveProviderWithProperties(AwsProvider, {
      region: 'eu-west-1',
      skip_credentials_validation: true,
      skip_requesting_account_id: true,
    });
    const deployed = synthesize(loadStackConfig(requiredSettings({ jumper: { amiId: TEST_AMI } })));
    const provider = deployed.tf.provider.aws[0];
    expect(provider).not.toHaveProperty('access_key');
    expect(provider).not.toHaveProperty('skip_credentials_validation');
    expect(provider).not.toHaveProperty('skip_requesting_account_id');
  });
});

describe('the synthesized stack (options)', () => {
  it('with public access on: SERVICE_PROVIDED_EIPS, public ports only from the listed CIDRs, public outputs', () => {
    const { tf } = synthesize(
      offlineConfig({
        kafka: { instanceType: 'kafka.m5.large' },
        publicAccess: { enabled: true, allowedCidrs: ['203.0.113.0/24', '2001:db8::/32'] },
      }),
    );
    const cluster = only(tf, 'aws_msk_cluster') as Record<string, Record<string, unknown>>;
    expect(cluster.broker_node_group_info.connectivity_info).toEqual({
      public_access: { type: 'SERVICE_PROVIDED_EIPS' },
    });
    expect(cluster.client_authentication).toEqual({ unauthenticated: false, sasl: { scram: true, iam: true } });
    // The same broker subnets as without public access (no replacement when it is turned on), now routed to the internet.
    const brokerRoutes = Object.entries(tf.resource.aws_route_table).find(([id]) => id.includes('broker-routes'))?.[1];
    expect(brokerRoutes?.route).toEqual([
      expect.objectContaining({ cidr_block: '0.0.0.0/0', gateway_id: expect.stringContaining('aws_internet_gateway') }),
    ]);
    const privateCluster = only(synthesize(offlineConfig()).tf, 'aws_msk_cluster') as typeof cluster;
    expect(cluster.broker_node_group_info.client_subnets).toEqual(privateCluster.broker_node_group_info.client_subnets);
    const publicRules = all(tf, 'aws_vpc_security_group_ingress_rule').filter(
      (rule) => 'cidr_ipv4' in rule || 'cidr_ipv6' in rule,
    );
    expect(publicRules).toHaveLength(4);
    expect(publicRules.map((rule) => [rule.cidr_ipv4 ?? rule.cidr_ipv6, rule.from_port])).toEqual(
      expect.arrayContaining([
        ['203.0.113.0/24', MSK_PORTS.publicScram],
        ['203.0.113.0/24', MSK_PORTS.publicIam],
        ['2001:db8::/32', MSK_PORTS.publicScram],
        ['2001:db8::/32', MSK_PORTS.publicIam],
      ]),
    );
    expect(Object.keys(tf.output)).toEqual(
      expect.arrayContaining(['bootstrap_brokers_public_sasl_scram', 'bootstrap_brokers_public_sasl_iam']),
    );
  });

  it('with open monitoring and enhanced monitoring: exporters on, scraped from the app services group only', () => {
    const { tf } = synthesize(
      offlineConfig({ kafka: { openMonitoring: true, enhancedMonitoring: 'PER_TOPIC_PER_BROKER' } }),
    );
    const cluster = only(tf, 'aws_msk_cluster') as Record<string, unknown>;
    expect(cluster.enhanced_monitoring).toBe('PER_TOPIC_PER_BROKER');
    expect(cluster.open_monitoring).toEqual({
      prometheus: { jmx_exporter: { enabled_in_broker: true }, node_exporter: { enabled_in_broker: true } },
    });
    const prometheus = all(tf, 'aws_vpc_security_group_ingress_rule').filter(
      (rule) => rule.from_port === MSK_PORTS.jmxExporter,
    );
    expect(prometheus).toEqual([
      expect.objectContaining({
        to_port: MSK_PORTS.nodeExporter,
        referenced_security_group_id: expect.stringContaining('app-services'),
      }),
    ]);
  });

  it('with a state bucket: an encrypted, locked S3 backend; without one, local state', () => {
    const stack = new MskGitopsStack(
      Testing.app(),
      'msk-gitops',
      loadStackConfig(requiredSettings({ stateBackend: { bucket: 'acme-terraform-state' } })),
    );
    const backend = (JSON.parse(Testing.synth(stack)) as { terraform: { backend: Record<string, unknown> } }).terraform
      .backend;
    expect(backend).toEqual({
      s3: {
        bucket: 'acme-terraform-state',
        key: 'msk-gitops/terraform.tfstate',
        region: 'eu-west-1',
        encrypt: true,
        use_lockfile: true,
      },
    });
    const local = JSON.parse(Testing.synth(new MskGitopsStack(Testing.app(), 'local', offlineConfig()))) as {
      terraform: { backend?: Record<string, unknown> };
    };
    expect(Object.keys(local.terraform.backend ?? { local: {} })).toEqual(['local']);
  });

  it('with a private manifests repository and Slack: both secrets referenced by ARN in the daemon config', () => {
    const { tf } = synthesize(
      offlineConfig({
        jumper: {
          desiredStateRepo: 'https://github.com/example/kafka-manifests.git',
          useGitCredentials: true,
          slackReports: true,
        },
      }),
    );
    const userData = String(only(tf, 'aws_instance').user_data);
    expect(userData).toContain('"url" = "https://github.com/example/kafka-manifests.git"');
    expect(userData).toMatch(
      /"tokenRef" = \{"secretsManager" = aws_secretsmanager_secret\.secrets_git-credentials[^.]*\.arn\}/,
    );
    expect(userData).toMatch(
      /"webhookUrlRef" = \{"secretsManager" = aws_secretsmanager_secret\.secrets_slack-webhook-url[^.]*\.arn\}/,
    );
  });

  it('with four brokers: three replicas, two in sync', () => {
    expect(brokerProperties(loadStackConfig(requiredSettings({ kafka: { brokerCount: 4 } })).kafka)).toContain(
      'default.replication.factor=3\nmin.insync.replicas=2',
    );
  });

  it('without a pinned AMI (real deploys): the latest Amazon Linux 2023 from SSM, and AMI releases do not replace it', () => {
    const { json, tf } = synthesize(loadStackConfig(requiredSettings()));
    expect(json).toHaveDataSourceWithProperties(DataAwsSsmParameter, { name: AL2023_AMI_PARAMETER });
    expect(only(tf, 'aws_instance').lifecycle).toEqual({ ignore_changes: ['ami'] });
  });
});

describe('the jumper, as plain values', () => {
  it("derives this cluster's topic and group ARN patterns from its ARN", () => {
    expect(kafkaResourceArns(CLUSTER_ARN)).toEqual({
      cluster: CLUSTER_ARN,
      topic: 'arn:aws:kafka:eu-west-1:123456789012:topic/msk-gitops/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-2/*',
      group: 'arn:aws:kafka:eu-west-1:123456789012:group/msk-gitops/1a2b3c4d-5e6f-7a8b-9c0d-1e2f3a4b5c6d-2/*',
    });
  });

  it('grants only named actions on named resources', () => {
    const arns = kafkaResourceArns(CLUSTER_ARN);
    const statements = jumperPolicyStatements({
      clusterArn: arns.cluster,
      topicArns: arns.topic,
      stackName: 'msk-gitops',
      secretArnPrefix: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:',
      ownSecretArns: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:msk-gitops/slack-webhook-url-AbCdEf'],
      kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0b0c0d0e-1111-2222-3333-444455556666',
      region: 'eu-west-1',
    });
    const actions = statements.flatMap((statement) => statement.actions);
    expect(statements.find((statement) => statement.actions.includes('kms:Decrypt'))?.condition).toEqual([
      { test: 'StringEquals', variable: 'kms:ViaService', values: ['secretsmanager.eu-west-1.amazonaws.com'] },
    ]);
    expect(actions).toEqual(
      expect.arrayContaining([
        ...RECONCILER_IAM_ACTIONS.cluster,
        ...RECONCILER_IAM_ACTIONS.topic,
        'kafka:BatchAssociateScramSecret',
        'kafka:BatchDisassociateScramSecret',
        'kms:Decrypt',
        'kms:GenerateDataKey',
      ]),
    );
    expect(actions.filter((action) => action.includes('*'))).toEqual([]);
    expect(statements.filter((statement) => statement.resources.includes('*')).map((s) => s.actions)).toEqual([
      ['secretsmanager:ListSecrets'],
    ]);
  });

  it('writes a daemon config the reconciler accepts: IAM over TLS to the private IAM brokers', () => {
    const config = daemonConfig({
      connection: connectionProfile({
        bootstrapServers: [
          'b-1.msk.example.kafka.eu-west-1.amazonaws.com:9098',
          'b-2.msk.example.kafka.eu-west-1.amazonaws.com:9098',
        ],
        region: 'eu-west-1',
        clusterArn: CLUSTER_ARN,
        kmsKeyArn: 'arn:aws:kms:eu-west-1:123456789012:key/0b0c0d0e-1111-2222-3333-444455556666',
      }),
      desiredState: { repo: 'https://github.com/example/manifests.git', branch: 'main', path: 'desired-state' },
      gitTokenSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:msk-gitops/git-credentials-AbCdEf',
      slackWebhookSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:msk-gitops/slack-webhook-url-AbCdEf',
    });
    const parsed = DaemonConfigSchema.parse(config);
    expect(parsed.connection).toMatchObject({ auth: 'iam', tls: true, region: 'eu-west-1' });
    expect(parsed.source.git?.auth.tokenRef).toEqual({ secretsManager: expect.stringContaining('git-credentials') });
    expect(parsed.slack?.webhookUrlRef).toEqual({ secretsManager: expect.stringContaining('slack-webhook-url') });
    const minimal = daemonConfig({
      connection: config.connection,
      desiredState: { repo: 'https://github.com/example/manifests.git', branch: 'main', path: '.' },
    });
    expect(minimal).not.toHaveProperty('slack');
    expect(DaemonConfigSchema.parse(minimal).source.git?.auth.tokenRef).toBeUndefined();
  });

  it("installs the reconciler's own systemd unit, which runs the config the user data writes", () => {
    const unit = readFileSync(path.join(__dirname, '../..', UNIT_PATH), 'utf8');
    expect(unit).toContain('User=msk-gitops\n');
    expect(unit).toContain('Restart=always\n');
    expect(unit).toContain('EnvironmentFile=-/etc/msk-gitops/env\n');
    expect(unit).toContain('ExecStart=/usr/bin/env msk-gitops run --config /etc/msk-gitops/config.json\n');
    const script = jumperUserData({
      reconcilerRepo: 'https://x/y.git',
      reconcilerRef: 'v1',
      configJson: '{}',
      environment: {},
    });
    expect(script).toContain(`install -m 0644 "$APP_DIR/${UNIT_PATH}" /etc/systemd/system/msk-gitops.service`);
    expect(script).toContain('ln -sf "$APP_DIR/bin/msk-gitops.js" /usr/local/bin/msk-gitops');
    expect(script).toContain(`cat >"$CONFIG_DIR/config.json"`);
  });
});
