/**
 * The plan rule that keeps a deploy from losing the cluster, over plans in `terraform show -json` shape as terraform
 * writes them for an existing stack (prior_state, actions, replace_paths): a security-group description edit, a Kafka
 * version upgrade and a subnet change, each before and after the stack's fixes.
 */
import { checkPlanPolicy } from '../../stacks/policy-check';

const CLUSTER = 'aws_msk_cluster.msk_cluster_5A8F1F4B';
const CONFIGURATION = 'aws_msk_configuration.msk_configuration_7D3E2C11';
const CONFIGURATION_ARN = 'arn:aws:kafka:eu-west-1:123456789012:configuration/msk-gitops-brokers/6a7b8c9d-2';

interface Change {
  address: string;
  actions: string[];
  replacePaths?: Array<Array<string | number>>;
  before?: Record<string, unknown>;
}

/** A plan against a state holding a cluster that runs with CONFIGURATION_ARN. */
function planAgainstState(changes: Change[]) {
  return {
    format_version: '1.2',
    prior_state: {
      values: {
        root_module: {
          resources: [
            {
              address: CLUSTER,
              type: 'aws_msk_cluster',
              values: { configuration_info: [{ arn: CONFIGURATION_ARN, revision: 1 }] },
            },
          ],
        },
      },
    },
    resource_changes: changes.map((change) => ({
      address: change.address,
      mode: 'managed',
      type: change.address.split('.')[0],
      name: change.address.split('.')[1],
      change: {
        actions: change.actions,
        before: change.before ?? {},
        after: {},
        after_unknown: {},
        ...(change.replacePaths && { replace_paths: change.replacePaths }),
      },
    })),
  };
}

const lossOf = (plan: unknown) => checkPlanPolicy(plan).filter((violation) => violation.rule === 'no-cluster-loss');

describe('the no-cluster-loss plan rule', () => {
  it('fails a security-group description edit that replaces the group and so the cluster, naming both causes', () => {
    const plan = planAgainstState([
      {
        address: 'aws_security_group.security-groups_brokers_FD16F613',
        actions: ['create', 'delete'],
        replacePaths: [['description']],
      },
      {
        address: CLUSTER,
        actions: ['delete', 'create'],
        replacePaths: [['broker_node_group_info', 0, 'security_groups']],
      },
    ]);
    expect(lossOf(plan)).toEqual([
      {
        rule: 'no-cluster-loss',
        address: CLUSTER,
        message: expect.stringMatching(
          /^the plan replaces aws_msk_cluster\.\S+, forced by broker_node_group_info\[0\]\.security_groups: a new cluster starts empty/,
        ),
      },
    ]);
    // With the fix the description edit is ignored: the plan has no change at all, and passes.
    expect(lossOf(planAgainstState([]))).toEqual([]);
  });

  it('fails an upgrade that deletes the configuration in use first, and passes the create-before-destroy upgrade', () => {
    const fixedName = planAgainstState([
      {
        address: CONFIGURATION,
        actions: ['delete', 'create'],
        replacePaths: [['kafka_versions']],
        before: { arn: CONFIGURATION_ARN },
      },
      { address: CLUSTER, actions: ['update'] },
    ]);
    expect(lossOf(fixedName)).toEqual([
      {
        rule: 'no-cluster-loss',
        address: CONFIGURATION,
        message: expect.stringMatching(
          /replaces aws_msk_configuration\.\S+, forced by kafka_versions while the cluster runs with it/,
        ),
      },
    ]);
    const versioned = planAgainstState([
      {
        address: CONFIGURATION,
        actions: ['create', 'delete'],
        replacePaths: [['name']],
        before: { arn: CONFIGURATION_ARN },
      },
      { address: CLUSTER, actions: ['update'] },
    ]);
    expect(lossOf(versioned)).toEqual([]);
    // A configuration no cluster uses may go.
    const unused = planAgainstState([
      { address: CONFIGURATION, actions: ['delete'], before: { arn: `${CONFIGURATION_ARN}-old` } },
    ]);
    expect(lossOf(unused)).toEqual([]);
  });

  it('fails a subnet change that replaces the cluster, and any plan that destroys the cluster or the key', () => {
    const subnet = planAgainstState([
      {
        address: 'aws_subnet.network_brokers-0_31477D4B',
        actions: ['delete', 'create'],
        replacePaths: [['cidr_block']],
      },
      {
        address: CLUSTER,
        actions: ['delete', 'create'],
        replacePaths: [['broker_node_group_info', 0, 'client_subnets']],
      },
    ]);
    expect(lossOf(subnet).map((violation) => violation.message)).toEqual([
      expect.stringContaining('forced by broker_node_group_info[0].client_subnets'),
    ]);
    const teardown = planAgainstState([
      { address: CLUSTER, actions: ['delete'] },
      { address: 'aws_kms_key.kms_key_28C05A0F', actions: ['delete'] },
    ]);
    expect(lossOf(teardown).map((violation) => violation.message)).toEqual([
      expect.stringMatching(/^the plan destroys aws_msk_cluster\./),
      expect.stringMatching(/^the plan destroys aws_kms_key\.\S+: everything encrypted with it/),
    ]);
  });
});
