/**
 * The no-cluster-loss plan rule over plans that real terraform made against a state file holding a cluster.
 *
 * The state: the cluster's dependencies (VPC, subnets, security groups, key, log group) applied with
 * `terraform apply -target` against moto, then the `aws_msk_configuration` and `aws_msk_cluster` moto cannot create
 * written into that state (serial bumped, lineage kept) with the values terraform planned for them, and the ids MSK
 * would have given them (mskStandIn). Then each edit is synthesized and planned with `terraform plan -refresh=false`
 * (moto knows no MSK), `terraform show -json` of that plan goes through the plan check, as a deploy's would.
 *
 * For each dangerous edit, two plans: the stack as it is (terraform accepts the plan, or its own prevent_destroy
 * stops it), and the stack without the guard that fix added (the check must refuse, naming the resource and the
 * attribute that forces its replacement). An innocent edit (a tag) must pass.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadStackConfig } from '../../stacks/config';
import { configurationName } from '../../stacks/constructs/msk';
import type { MskGitopsStack } from '../../stacks/stack';
import { checkPlanPolicy } from '../../stacks/policy-check';
import { startMoto, type MotoServer } from '../support/moto';
import { TF_PLUGIN_MIRROR, terraformIn } from '../support/terraform';
import { requiredSettings, type ConfigOverrides } from './offline-config';
import {
  changedAttributes,
  liftPreventDestroy,
  motoTerraformEnvironment,
  mskStandIn,
  pointAtMoto,
  synthStack,
  type TerraformJson,
} from './moto-stack';

const mirror = TF_PLUGIN_MIRROR;
if (!mirror)
  process.stderr.write(
    '\n!!! TF_PLUGIN_MIRROR is not set: the cluster-loss plans of real terraform are SKIPPED. !!!\n\n',
  );
const describeWithTerraform = mirror ? describe : describe.skip;

const REGION = 'eu-west-1';
const NAME = 'msk-loss';
const FROM_VERSION = '3.9.x';
const TO_VERSION = '4.1.x';
const STEP_MS = 420_000;
const PROVIDER = 'provider["registry.terraform.io/hashicorp/aws"]';

type Json = unknown;
interface PlannedChange {
  address: string;
  type: string;
  mode: string;
  change: { actions: string[]; before: Json; after: Json; after_unknown?: Json; replace_paths?: Json };
}
interface PlanJson {
  resource_changes?: PlannedChange[];
  planned_values: { root_module: { resources: Array<{ address: string; type: string; name: string; values: Json }> } };
}

const settings = (overrides: ConfigOverrides = {}) =>
  loadStackConfig(
    requiredSettings({
      name: NAME,
      region: REGION,
      ...overrides,
      kafka: { version: FROM_VERSION, ...overrides.kafka },
    }),
  );

/** `${aws_subnet.x.id}` → aws_subnet.x: the resources a body refers to. */
function referencesOf(body: Json): string[] {
  const found = new Set<string>();
  for (const match of JSON.stringify(body).matchAll(/\$\{([a-z0-9_]+\.[A-Za-z0-9_-]+)\.[a-z_]+/g)) found.add(match[1]);
  return [...found];
}

describeWithTerraform('the no-cluster-loss rule over plans of real terraform against a state with a cluster', () => {
  const work = mkdtempSync(join(tmpdir(), 'msk-gitops-loss-'));
  let moto: MotoServer;
  let terraform: ReturnType<typeof terraformIn>;
  let dir: string;
  let file: string;
  let cluster = '';
  let configuration = '';
  let brokersGroup = '';

  /** Synthesizes the stack with the settings and the edit, points it at moto, and writes it where the state is. */
  let synths = 0;
  const write = (overrides: ConfigOverrides, edit?: (stack: MskGitopsStack) => void, lift = false): TerraformJson => {
    // Each edit in its own outdir; only its terraform JSON goes to the folder that holds the state.
    const made = synthStack(join(work, `synth-${++synths}`), NAME, settings(overrides), edit);
    if (lift) liftPreventDestroy(made.tf);
    writeFileSync(file, JSON.stringify(pointAtMoto(made.tf, moto.endpoint), null, 2));
    return made.tf;
  };

  /**
   * `terraform plan -refresh=false` of what `write` wrote, as `terraform show -json`. Targeted at the cluster: the plan
   * holds it and all it stands on (configuration, security group, subnets, key), not the jumper, which changes nothing
   * here and would only make each plan slower.
   */
  const plan = async (label: string): Promise<PlanJson> => {
    const out = `${label}.tfplan`;
    await terraform(['plan', '-input=false', '-no-color', '-refresh=false', `-target=${cluster}`, `-out=${out}`], {
      timeoutMs: STEP_MS,
    });
    return JSON.parse((await terraform(['show', '-json', out])).stdout) as PlanJson;
  };

  const lossOf = (planned: PlanJson) => checkPlanPolicy(planned).filter((item) => item.rule === 'no-cluster-loss');
  const changeOf = (planned: PlanJson, address: string) => {
    const change = planned.resource_changes?.find((item) => item.address === address);
    if (!change) throw new Error(`${address} is not in the plan`);
    return change;
  };

  beforeAll(async () => {
    moto = await startMoto();
    const env = motoTerraformEnvironment(work, mirror as string, moto.endpoint, REGION);
    const synthesized = synthStack(join(work, 'state'), NAME, settings());
    ({ dir, file } = synthesized);
    const tf = synthesized.tf;
    terraform = terraformIn(dir, env);
    cluster = `aws_msk_cluster.${Object.keys(tf.resource.aws_msk_cluster)[0]}`;
    configuration = `aws_msk_configuration.${Object.keys(tf.resource.aws_msk_configuration)[0]}`;
    brokersGroup = referencesOf(tf.resource.aws_msk_cluster[cluster.split('.')[1]].broker_node_group_info).find(
      (address) => address.startsWith('aws_security_group.'),
    ) as string;

    // 1. What the cluster stands on, applied for real: everything the two MSK resources refer to (and what that needs).
    const targets = [cluster, configuration]
      .flatMap((address) => referencesOf(tf.resource[address.split('.')[0]][address.split('.')[1]]))
      .filter((address) => !address.startsWith('aws_msk_'));
    writeFileSync(file, JSON.stringify(pointAtMoto(tf, moto.endpoint), null, 2));
    await terraform(['init', '-input=false', '-no-color']);
    await terraform(
      ['apply', '-input=false', '-auto-approve', '-no-color', ...targets.map((target) => `-target=${target}`)],
      { timeoutMs: STEP_MS },
    );

    // 2. The MSK resources as terraform plans them over that state, with the ids MSK would have given them.
    const first = await plan('first');
    const standIn = mskStandIn(NAME, REGION);
    const values = (address: string) => {
      const resource = first.planned_values.root_module.resources.find((item) => item.address === address);
      if (!resource) throw new Error(`${address} is not in the planned values`);
      return { ...(resource.values as Record<string, Json>) };
    };
    const configurationValues = {
      ...values(configuration),
      ...standIn.aws_msk_configuration,
      id: standIn.aws_msk_configuration.arn,
    };
    const clusterValues = {
      ...values(cluster),
      ...standIn.aws_msk_cluster,
      configuration_info: [
        { arn: standIn.aws_msk_configuration.arn, revision: standIn.aws_msk_configuration.latest_revision },
      ],
    };
    const schema = JSON.parse((await terraform(['providers', 'schema', '-json'])).stdout) as {
      provider_schemas: Record<string, { resource_schemas: Record<string, { version: number }> }>;
    };
    const versionOf = (type: string) =>
      schema.provider_schemas['registry.terraform.io/hashicorp/aws'].resource_schemas[type].version;

    // 3. Written into the state file as terraform would have: same lineage, next serial.
    const statePath = join(dir, 'terraform.tfstate');
    const state = JSON.parse(readFileSync(statePath, 'utf8')) as {
      serial: number;
      resources: Array<Record<string, Json>>;
    };
    for (const [address, attributes] of [
      [configuration, configurationValues],
      [cluster, clusterValues],
    ] as const) {
      const [type, name] = address.split('.');
      state.resources.push({
        mode: 'managed',
        type,
        name,
        provider: PROVIDER,
        instances: [{ schema_version: versionOf(type), attributes, sensitive_attributes: [] }],
      });
    }
    state.serial += 1;
    writeFileSync(statePath, JSON.stringify(state, null, 2));
  }, 3 * STEP_MS);

  afterAll(async () => {
    await moto?.stop();
    // MSK_GITOPS_KEEP_APPLY_WORK=true keeps the state, each plan and terraform.log for a look.
    if (process.env.MSK_GITOPS_KEEP_APPLY_WORK === 'true') process.stderr.write(`cluster-loss files kept in ${work}\n`);
    else rmSync(work, { recursive: true, force: true });
  });

  it(
    'passes an innocent edit (a tag): the cluster is updated in place, nothing replaced',
    async () => {
      write({ tags: { CostCenter: '4711' } });
      const planned = await plan('tag');
      expect(lossOf(planned)).toEqual([]);
      // The state written above matches the stack: the only change to the cluster is the new tag.
      const change = changeOf(planned, cluster);
      expect(change.change.actions).toEqual(['update']);
      expect(changedAttributes(change.change)).toEqual(['tags_all']);
      expect(changeOf(planned, configuration).change.actions).toEqual(['no-op']);
    },
    STEP_MS + 30_000,
  );

  it(
    'a security-group description edit: ignored by the stack; without that, it replaces the cluster and is refused',
    async () => {
      const editDescription = (stack: MskGitopsStack) =>
        stack.securityGroups.brokers.addOverride('description', 'MSK brokers (edited description)');
      write({}, editDescription);
      const ignored = await plan('sg-description');
      expect(changeOf(ignored, brokersGroup).change.actions).toEqual(['no-op']);
      expect(changeOf(ignored, cluster).change.actions).toEqual(['no-op']);
      expect(lossOf(ignored)).toEqual([]);

      write(
        {},
        (stack) => {
          editDescription(stack);
          // The group as it was before the fix: replaced before it is destroyed, its description not ignored.
          stack.securityGroups.brokers.lifecycle = { createBeforeDestroy: true };
        },
        true,
      );
      const replaced = await plan('sg-description-unguarded');
      expect(changeOf(replaced, brokersGroup).change).toMatchObject({
        actions: ['create', 'delete'],
        replace_paths: [['description']],
      });
      expect(lossOf(replaced)).toEqual([
        {
          rule: 'no-cluster-loss',
          address: cluster,
          message: expect.stringMatching(
            /^the plan replaces aws_msk_cluster\.\S+, forced by broker_node_group_info\[0\]\.security_groups: a new cluster starts empty/,
          ),
        },
      ]);
    },
    2 * STEP_MS + 30_000,
  );

  it(
    'a Kafka upgrade: the versioned configuration is created before the old one goes; a fixed name is refused',
    async () => {
      write({ kafka: { version: TO_VERSION } });
      const upgrade = await plan('upgrade');
      expect(changeOf(upgrade, configuration).change.actions).toEqual(['create', 'delete']);
      expect(changeOf(upgrade, cluster).change.actions).toEqual(['update']);
      expect(changedAttributes(changeOf(upgrade, cluster).change)).toEqual(
        expect.arrayContaining(['configuration_info', 'kafka_version']),
      );
      expect(lossOf(upgrade)).toEqual([]);

      // The configuration as it was before the fix: one name for every version, destroyed before it is created.
      write({ kafka: { version: TO_VERSION } }, (stack) => {
        stack.kafka.configuration.addOverride('name', configurationName(NAME, FROM_VERSION));
        stack.kafka.configuration.addOverride('lifecycle.create_before_destroy', false);
      });
      const fixedName = await plan('upgrade-fixed-name');
      expect(changeOf(fixedName, configuration).change).toMatchObject({
        actions: ['delete', 'create'],
        replace_paths: [['kafka_versions']],
      });
      expect(lossOf(fixedName)).toEqual([
        {
          rule: 'no-cluster-loss',
          address: configuration,
          message: expect.stringMatching(
            /^the plan replaces aws_msk_configuration\.\S+, forced by kafka_versions while the cluster runs with it/,
          ),
        },
      ]);
    },
    2 * STEP_MS + 30_000,
  );

  it(
    "a subnet change: terraform's prevent_destroy stops it; without that, the check refuses it",
    async () => {
      const moved = { subnetCidrs: ['10.20.0.0/24', '10.20.2.0/24'] };
      write(moved);
      await expect(plan('subnet')).rejects.toThrow(
        new RegExp(`Instance cannot be destroyed[\\s\\S]*${cluster.replace(/[.]/g, '\\.')}`),
      );

      write(moved, undefined, true);
      const replaced = await plan('subnet-unguarded');
      expect(lossOf(replaced)).toEqual([
        {
          rule: 'no-cluster-loss',
          address: cluster,
          message: expect.stringMatching(
            /^the plan replaces aws_msk_cluster\.\S+, forced by broker_node_group_info\[0\]\.client_subnets: a new cluster starts empty/,
          ),
        },
      ]);
    },
    2 * STEP_MS + 30_000,
  );
});
