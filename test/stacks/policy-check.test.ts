import { checkPlanPolicy, DEFAULT_POLICY_CHECK_OPTIONS, LIST_SECRETS_STATEMENT } from '../../stacks/policy-check';

/** A resource in `terraform show -json` shape: planned values, what is unknown, and its configuration references. */
interface FixtureResource {
  type: string;
  name?: string;
  mode?: 'managed' | 'data';
  after: Record<string, unknown>;
  afterUnknown?: Record<string, unknown>;
  /** The configuration's expressions, as terraform writes them: { argument: { references: [...] } }, blocks as lists. */
  expressions?: Record<string, unknown>;
}

function planOf(resources: FixtureResource[]) {
  const addressOf = (resource: FixtureResource) =>
    `${resource.mode === 'data' ? 'data.' : ''}${resource.type}.${resource.name ?? 'this'}`;
  return {
    format_version: '1.2',
    resource_changes: resources.map((resource) => ({
      address: addressOf(resource),
      mode: resource.mode ?? 'managed',
      type: resource.type,
      name: resource.name ?? 'this',
      change: {
        actions: [resource.mode === 'data' ? 'read' : 'create'],
        after: resource.after,
        after_unknown: resource.afterUnknown ?? {},
      },
    })),
    configuration: {
      root_module: {
        resources: resources.map((resource) => ({
          address: addressOf(resource),
          type: resource.type,
          expressions: resource.expressions ?? {},
        })),
      },
    },
  };
}

const KEY_ARN = 'arn:aws:kms:eu-west-1:123456789012:key/0b0c0d0e-1111-2222-3333-444455556666';

/** A plan that follows every rule: the baseline each bad case changes one thing of. */
function goodResources(): FixtureResource[] {
  return [
    {
      type: 'aws_msk_cluster',
      after: {
        encryption_info: [{ encryption_in_transit: [{ client_broker: 'TLS', in_cluster: true }] }],
        client_authentication: [{ unauthenticated: false, sasl: [{ iam: true, scram: true }], tls: [] }],
      },
      afterUnknown: { encryption_info: [{ encryption_at_rest_kms_key_arn: true }] },
      expressions: {
        encryption_info: [
          { encryption_at_rest_kms_key_arn: { references: ['aws_kms_key.this.arn', 'aws_kms_key.this'] } },
        ],
      },
    },
    {
      type: 'aws_msk_configuration',
      after: { server_properties: 'auto.create.topics.enable=false\nallow.everyone.if.no.acl.found=false\n' },
    },
    {
      type: 'aws_vpc_security_group_ingress_rule',
      name: 'from_jumper',
      after: { ip_protocol: 'tcp', from_port: 9098, to_port: 9098 },
      afterUnknown: { referenced_security_group_id: true, security_group_id: true },
    },
    {
      type: 'aws_vpc_security_group_ingress_rule',
      name: 'public',
      after: { ip_protocol: 'tcp', from_port: 9196, to_port: 9196, cidr_ipv4: '203.0.113.0/24' },
    },
    { type: 'aws_security_group', name: 'jumper', after: { ingress: [] } },
    {
      type: 'aws_instance',
      after: {
        metadata_options: [{ http_tokens: 'required', http_endpoint: 'enabled' }],
        root_block_device: [{ encrypted: true }],
        ebs_block_device: [],
      },
    },
    { type: 'aws_kms_key', after: { enable_key_rotation: true } },
    {
      type: 'aws_secretsmanager_secret',
      after: { name: 'x/slack' },
      afterUnknown: { kms_key_id: true },
      expressions: { kms_key_id: { references: ['aws_kms_key.this.arn', 'aws_kms_key.this'] } },
    },
    {
      type: 'aws_iam_policy_document',
      mode: 'data',
      name: 'jumper',
      after: {
        statement: [
          { sid: 'KafkaCluster', effect: 'Allow', actions: ['kafka-cluster:Connect'], resources: [null] },
          {
            sid: 'Secrets',
            effect: 'Allow',
            actions: ['secretsmanager:GetSecretValue'],
            resources: ['arn:aws:secretsmanager:eu-west-1:123456789012:secret:AmazonMSK_*'],
          },
        ],
      },
      afterUnknown: { statement: [{ resources: [true] }, { resources: [false] }], json: true },
    },
    {
      type: 'aws_iam_role_policy',
      after: { name: 'reconciler' },
      afterUnknown: { policy: true },
      expressions: {
        policy: { references: ['data.aws_iam_policy_document.jumper.json', 'data.aws_iam_policy_document.jumper'] },
      },
    },
    {
      type: 'aws_iam_role',
      after: {
        assume_role_policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      },
    },
    {
      type: 'aws_iam_role_policy_attachment',
      after: { policy_arn: 'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore' },
    },
  ];
}

/** The baseline with one resource's planned values changed. */
function withChange(type: string, change: (resource: FixtureResource) => void, name?: string) {
  const resources = goodResources();
  const target = resources.find((resource) => resource.type === type && (name === undefined || resource.name === name));
  if (!target) throw new Error(`no ${type} in the baseline`);
  change(target);
  return planOf(resources);
}

const rulesOf = (plan: unknown) => checkPlanPolicy(plan).map((violation) => violation.rule);

describe('checkPlanPolicy', () => {
  it('accepts a plan that follows every rule, unknown ARNs included', () => {
    expect(checkPlanPolicy(planOf(goodResources()))).toEqual([]);
  });

  it('accepts an at-rest key that is known to be a customer-managed key ARN', () => {
    const plan = withChange('aws_msk_cluster', (cluster) => {
      cluster.after.encryption_info = [
        {
          encryption_at_rest_kms_key_arn: KEY_ARN,
          encryption_in_transit: [{ client_broker: 'TLS', in_cluster: true }],
        },
      ];
      cluster.afterUnknown = {};
    });
    expect(checkPlanPolicy(plan)).toEqual([]);
  });

  it('refuses MSK encryption at rest without a customer-managed key (the AWS managed aws/msk key)', () => {
    const plan = withChange('aws_msk_cluster', (cluster) => {
      cluster.afterUnknown = {};
    });
    expect(rulesOf(plan)).toEqual(['msk-encryption-at-rest-cmk']);
  });

  it('refuses an unknown at-rest key that does not come from an aws_kms_key of the stack', () => {
    const plan = withChange('aws_msk_cluster', (cluster) => {
      cluster.expressions = {};
    });
    expect(rulesOf(plan)).toEqual(['msk-encryption-at-rest-cmk']);
  });

  it('refuses TLS_PLAINTEXT or PLAINTEXT between clients and brokers, and plaintext between brokers', () => {
    for (const clientBroker of ['TLS_PLAINTEXT', 'PLAINTEXT']) {
      const plan = withChange('aws_msk_cluster', (cluster) => {
        cluster.after.encryption_info = [
          { encryption_in_transit: [{ client_broker: clientBroker, in_cluster: true }] },
        ];
      });
      expect(rulesOf(plan)).toContain('msk-tls-only');
    }
    const plan = withChange('aws_msk_cluster', (cluster) => {
      cluster.after.encryption_info = [{ encryption_in_transit: [{ client_broker: 'TLS', in_cluster: false }] }];
    });
    expect(rulesOf(plan)).toContain('msk-tls-only');
  });

  it('refuses unauthenticated access, and SCRAM or IAM off', () => {
    const cases = [
      { unauthenticated: true, sasl: [{ iam: true, scram: true }] },
      { unauthenticated: false, sasl: [{ iam: false, scram: true }] },
      { unauthenticated: false, sasl: [{ iam: true, scram: false }] },
      { sasl: [{ iam: true, scram: true }] },
    ];
    for (const clientAuthentication of cases) {
      const plan = withChange('aws_msk_cluster', (cluster) => {
        cluster.after.client_authentication = [clientAuthentication];
      });
      expect(rulesOf(plan)).toEqual(['msk-auth']);
    }
  });

  it('refuses a broker configuration that allows everyone without ACLs or auto-creates topics', () => {
    const plan = withChange('aws_msk_configuration', (configuration) => {
      configuration.after.server_properties = 'auto.create.topics.enable=true\nallow.everyone.if.no.acl.found=true';
    });
    expect(rulesOf(plan)).toEqual(['msk-acl-default-deny', 'msk-acl-default-deny']);
  });

  it('refuses ingress from the whole internet, IPv4 or IPv6, in every rule spelling', () => {
    const inline = withChange(
      'aws_security_group',
      (group) => {
        group.after.ingress = [{ cidr_blocks: ['0.0.0.0/0'], from_port: 9096, to_port: 9096, protocol: 'tcp' }];
      },
      'jumper',
    );
    expect(rulesOf(inline)).toEqual(['no-world-ingress']);
    const vpcRule = withChange(
      'aws_vpc_security_group_ingress_rule',
      (rule) => {
        rule.after.cidr_ipv4 = undefined;
        rule.after.cidr_ipv6 = '::/0';
      },
      'public',
    );
    expect(rulesOf(vpcRule)).toEqual(['no-world-ingress']);
    const legacy = planOf([
      ...goodResources(),
      {
        type: 'aws_security_group_rule',
        after: { type: 'ingress', cidr_blocks: ['0.0.0.0/0'], from_port: 9198, to_port: 9198, protocol: 'tcp' },
      },
    ]);
    expect(rulesOf(legacy)).toEqual(['no-world-ingress']);
  });

  it('refuses SSH from anywhere: a CIDR, a security group, or an all-protocols rule', () => {
    const fromCidr = withChange(
      'aws_vpc_security_group_ingress_rule',
      (rule) => {
        Object.assign(rule.after, { from_port: 22, to_port: 22 });
      },
      'public',
    );
    expect(rulesOf(fromCidr)).toEqual(['no-ssh-ingress']);
    const fromGroup = withChange(
      'aws_vpc_security_group_ingress_rule',
      (rule) => {
        Object.assign(rule.after, { from_port: 0, to_port: 1024 });
      },
      'from_jumper',
    );
    expect(rulesOf(fromGroup)).toEqual(['no-ssh-ingress']);
    const allTraffic = withChange(
      'aws_security_group',
      (group) => {
        group.after.ingress = [{ cidr_blocks: ['10.0.0.0/8'], from_port: 0, to_port: 0, protocol: '-1' }];
      },
      'jumper',
    );
    expect(rulesOf(allTraffic)).toEqual(['no-ssh-ingress']);
  });

  it('refuses an ingress rule with no source at all', () => {
    const plan = withChange(
      'aws_vpc_security_group_ingress_rule',
      (rule) => {
        rule.afterUnknown = {};
      },
      'from_jumper',
    );
    expect(rulesOf(plan)).toEqual(['no-world-ingress']);
  });

  it('refuses IMDSv1 and unencrypted volumes', () => {
    const imdsv1 = withChange('aws_instance', (instance) => {
      instance.after.metadata_options = [{ http_tokens: 'optional' }];
    });
    expect(rulesOf(imdsv1)).toEqual(['imdsv2-required']);
    const plainRoot = withChange('aws_instance', (instance) => {
      instance.after.root_block_device = [{ encrypted: false }];
    });
    expect(rulesOf(plainRoot)).toEqual(['root-volume-encrypted']);
    const plainData = withChange('aws_instance', (instance) => {
      instance.after.ebs_block_device = [{ encrypted: false }];
    });
    expect(rulesOf(plainData)).toEqual(['root-volume-encrypted']);
  });

  it('refuses a key without rotation and a secret without the key', () => {
    expect(rulesOf(withChange('aws_kms_key', (key) => void (key.after.enable_key_rotation = false)))).toEqual([
      'kms-rotation',
    ]);
    const secret = withChange('aws_secretsmanager_secret', (item) => {
      item.afterUnknown = {};
    });
    expect(rulesOf(secret)).toEqual(['secrets-cmk']);
  });

  it('refuses secret values and SCRAM associations in terraform', () => {
    const plan = planOf([
      ...goodResources(),
      { type: 'aws_secretsmanager_secret_version', after: {}, afterUnknown: { secret_string: true } },
      { type: 'aws_msk_scram_secret_association', after: {} },
    ]);
    expect(rulesOf(plan)).toEqual(['no-secret-values-in-state', 'no-secret-values-in-state']);
  });

  it('refuses wildcard IAM actions and resources, in policy documents and JSON policies', () => {
    const wildcardAction = withChange(
      'aws_iam_policy_document',
      (document) => {
        (document.after.statement as Array<Record<string, unknown>>)[0].actions = ['kafka-cluster:*'];
      },
      'jumper',
    );
    expect(checkPlanPolicy(wildcardAction)).toEqual([
      expect.objectContaining({ rule: 'iam-no-wildcards', message: expect.stringContaining('kafka-cluster:*') }),
    ]);
    const wildcardResource = withChange(
      'aws_iam_policy_document',
      (document) => {
        (document.after.statement as Array<Record<string, unknown>>)[1].resources = ['*'];
      },
      'jumper',
    );
    expect(rulesOf(wildcardResource)).toEqual(['iam-no-wildcards']);
    const anyKafka = withChange(
      'aws_iam_policy_document',
      (document) => {
        (document.after.statement as Array<Record<string, unknown>>)[1].resources = ['arn:aws:kafka:*:*:*'];
      },
      'jumper',
    );
    expect(rulesOf(anyKafka)).toEqual(['iam-no-wildcards']);
    const admin = withChange('aws_iam_role_policy', (policy) => {
      policy.after.policy = JSON.stringify({ Statement: { Effect: 'Allow', Action: '*', Resource: '*' } });
      policy.afterUnknown = {};
    });
    expect(rulesOf(admin)).toEqual(['iam-no-wildcards', 'iam-no-wildcards']);
  });

  it('allows Resource "*" only for a statement listed as an exception, and only for its actions', () => {
    const plan = withChange(
      'aws_iam_policy_document',
      (document) => {
        (document.after.statement as Array<Record<string, unknown>>)[1].resources = ['*'];
      },
      'jumper',
    );
    const exception = { actions: ['secretsmanager:GetSecretValue'], reason: 'for the test' };
    expect(checkPlanPolicy(plan, { wildcardResourceStatements: { Secrets: exception } })).toEqual([]);
    expect(checkPlanPolicy(plan).map((violation) => violation.message)).toEqual([
      'data.aws_iam_policy_document.jumper statement Secrets: wildcard resource *',
    ]);
    const more = { actions: ['secretsmanager:ListSecrets'], reason: 'for the test' };
    expect(checkPlanPolicy(plan, { wildcardResourceStatements: { Secrets: more } })).toEqual([
      {
        rule: 'iam-no-wildcards',
        address: 'data.aws_iam_policy_document.jumper',
        message:
          'data.aws_iam_policy_document.jumper statement Secrets: wildcard resource * ' +
          '(the exception for Secrets covers secretsmanager:ListSecrets only)',
      },
    ]);
    expect(DEFAULT_POLICY_CHECK_OPTIONS.wildcardResourceStatements[LIST_SECRETS_STATEMENT].actions).toEqual([
      'secretsmanager:ListSecrets',
    ]);
  });

  it('refuses a policy it cannot read at plan time, and managed policies beyond Session Manager', () => {
    const opaque = withChange('aws_iam_role_policy', (policy) => {
      policy.expressions = {};
    });
    expect(rulesOf(opaque)).toEqual(['iam-no-wildcards']);
    const adminAttached = withChange('aws_iam_role_policy_attachment', (attachment) => {
      attachment.after.policy_arn = 'arn:aws:iam::aws:policy/AdministratorAccess';
    });
    expect(rulesOf(adminAttached)).toEqual(['iam-managed-policies']);
  });

  it('reports every problem of a deliberately bad plan at once, each with its resource address', () => {
    const bad = planOf([
      {
        type: 'aws_msk_cluster',
        after: {
          encryption_info: [{ encryption_in_transit: [{ client_broker: 'TLS_PLAINTEXT', in_cluster: true }] }],
          client_authentication: [{ unauthenticated: true, sasl: [{ iam: false, scram: false }] }],
        },
      },
      {
        type: 'aws_security_group',
        after: { ingress: [{ cidr_blocks: ['0.0.0.0/0'], from_port: 22, to_port: 22, protocol: 'tcp' }] },
      },
      {
        type: 'aws_instance',
        after: { metadata_options: [{ http_tokens: 'optional' }], root_block_device: [{ encrypted: false }] },
      },
      {
        type: 'aws_iam_policy',
        after: { policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Action: ['kafka:*'], Resource: '*' }] }) },
      },
    ]);
    const violations = checkPlanPolicy(bad);
    expect(new Set(violations.map((violation) => violation.rule))).toEqual(
      new Set([
        'msk-encryption-at-rest-cmk',
        'msk-tls-only',
        'msk-auth',
        'no-world-ingress',
        'no-ssh-ingress',
        'imdsv2-required',
        'root-volume-encrypted',
        'iam-no-wildcards',
      ]),
    );
    expect(violations.find((violation) => violation.rule === 'imdsv2-required')?.address).toBe('aws_instance.this');
  });

  it('says so when given something that is not a plan', () => {
    expect(() => checkPlanPolicy({ resources: [] })).toThrow(/not a terraform plan/);
  });
});
