/**
 * The synthesized stack made appliable to moto, for the apply suite only. Three changes, each because of the emulator,
 * none to the stack itself:
 *
 * 1. moto has no MSK configurations, no bootstrap brokers and no SCRAM association: the `aws_msk_*` resources are removed
 *    and every reference to one of their attributes becomes a fixed value of the same shape (mskStandIn). Everything
 *    that depends on the cluster (the jumper's policy ARNs, its config file, outputs) is still applied. The storage
 *    autoscaling target and policy go with the cluster: they scale a cluster moto does not have, and the provider's
 *    create of the kafka scalable target did not complete against moto 5.2.1 (still creating after 7 minutes).
 * 2. The AWS provider talks to moto: every service the stack uses is pointed at the endpoint, with moto's fake keys.
 * 3. `prevent_destroy` is lifted, because the suite ends with `terraform destroy` to prove the stack can be torn down
 *    cleanly in moto; a real stack keeps it (the suite also asserts it was there before lifting it).
 *
 * The cluster-loss suite (policy-cluster-loss-terraform.test.ts) uses the same pieces (pointAtMoto, liftPreventDestroy,
 * mskStandIn, synthStack) but keeps the real `aws_msk_*` resources, to plan against a state that holds them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'cdktf';
import type { StackConfig } from '../../stacks/config';
import { MskGitopsStack } from '../../stacks/stack';
import { MOTO_CREDENTIALS } from '../support/moto';
import { terraformEnvironment } from '../support/terraform';

export const MOTO_ACCOUNT = '123456789012';

/** The services the stack calls, by every endpoint name the provider knows them by. */
export const STACK_SERVICES = [
  'appautoscaling',
  'applicationautoscaling',
  'cloudwatchlogs',
  'logs',
  'ec2',
  'iam',
  'kms',
  'secretsmanager',
  'ssm',
  'sts',
] as const;

type Json = unknown;
export interface TerraformJson {
  provider: { aws: Array<Record<string, Json>> };
  resource: Record<string, Record<string, Record<string, Json>>>;
  data?: Record<string, Record<string, Record<string, Json>>>;
  output?: Record<string, Record<string, Json>>;
  [key: string]: Json;
}

/** What the MSK resources would answer, with moto's account, for a cluster called `name` in `region`. */
export function mskStandIn(name: string, region: string) {
  const cluster = `arn:aws:kafka:${region}:${MOTO_ACCOUNT}:cluster/${name}/0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-2`;
  const brokers = (port: number, prefix = 'b') =>
    [1, 2].map((n) => `${prefix}-${n}.${name}.abc123.c2.kafka.${region}.amazonaws.com:${port}`).join(',');
  return {
    aws_msk_cluster: {
      arn: cluster,
      id: cluster,
      cluster_name: name,
      cluster_uuid: '0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0-2',
      current_version: 'K3AEGXETSR30VB',
      bootstrap_brokers_sasl_iam: brokers(9098),
      bootstrap_brokers_sasl_scram: brokers(9096),
      bootstrap_brokers_public_sasl_iam: brokers(9198, 'b-public'),
      bootstrap_brokers_public_sasl_scram: brokers(9196, 'b-public'),
    } as Record<string, Json>,
    aws_msk_configuration: {
      arn: `arn:aws:kafka:${region}:${MOTO_ACCOUNT}:configuration/${name}-brokers/6a7b8c9d-0e1f-4a2b-8c3d-4e5f6a7b8c9d-2`,
      latest_revision: 1,
    } as Record<string, Json>,
  };
}

const MSK_REFERENCE = /\b(aws_msk_[a-z_]+)\.([A-Za-z0-9_-]+)\.([a-z_]+)\b/g;

function mapStrings(node: Json, map: (text: string) => string): Json {
  if (typeof node === 'string') return map(node);
  if (Array.isArray(node)) return node.map((item) => mapStrings(item, map));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, mapStrings(value, map)]));
  }
  return node;
}

export interface ForMotoResult {
  tf: TerraformJson;
  /** Addresses that had prevent_destroy before it was lifted. */
  preventDestroy: string[];
  /** The MSK resources replaced by stand-ins. */
  standIns: string[];
}

export function forMoto(original: TerraformJson, endpoint: string, name: string, region: string): ForMotoResult {
  const standIn = mskStandIn(name, region) as Record<string, Record<string, Json>>;
  const standIns: string[] = [];
  const resource: TerraformJson['resource'] = {};
  for (const [type, instances] of Object.entries(original.resource)) {
    if (type.startsWith('aws_appautoscaling_')) {
      standIns.push(...Object.keys(instances).map((id) => `${type}.${id}`));
    } else if (type.startsWith('aws_msk_')) {
      if (!(type in standIn)) throw new Error(`${type} has no stand-in for moto; add one to mskStandIn`);
      standIns.push(...Object.keys(instances).map((id) => `${type}.${id}`));
    } else {
      resource[type] = instances;
    }
  }

  // Inside "${...}" an HCL literal replaces the reference: "${aws_msk_cluster.x.arn}" becomes "${"arn:..."}".
  const replaced = mapStrings({ ...original, resource }, (text) =>
    text.replace(MSK_REFERENCE, (_whole, type: string, _id: string, attribute: string) => {
      const value = standIn[type]?.[attribute];
      if (value === undefined) throw new Error(`${type}.${attribute} is referenced but has no stand-in value for moto`);
      return JSON.stringify(value);
    }),
  ) as TerraformJson;

  for (const instances of Object.values(replaced.resource)) {
    for (const body of Object.values(instances)) {
      // A bare reference (no attribute) in depends_on is not caught by MSK_REFERENCE.
      if (Array.isArray(body.depends_on)) {
        body.depends_on = body.depends_on.filter((item) => !String(item).startsWith('aws_msk_'));
      }
    }
  }
  const preventDestroy = liftPreventDestroy(replaced);
  return { tf: pointAtMoto(replaced, endpoint), preventDestroy, standIns };
}

/**
 * Lifts prevent_destroy (in place) and returns the addresses that had it: the apply suite ends with `terraform destroy`,
 * and the cluster-loss suite shows what the plan check refuses once terraform's own guard is gone.
 */
export function liftPreventDestroy(tf: TerraformJson): string[] {
  const preventDestroy: string[] = [];
  for (const [type, instances] of Object.entries(tf.resource)) {
    for (const [id, body] of Object.entries(instances)) {
      const lifecycle = body.lifecycle as Record<string, Json> | undefined;
      if (lifecycle?.prevent_destroy === true) {
        preventDestroy.push(`${type}.${id}`);
        lifecycle.prevent_destroy = false;
      }
    }
  }
  return preventDestroy;
}

/** The stack's terraform pointed at moto: every service at the endpoint, moto's fake keys, the state in its folder. */
export function pointAtMoto(tf: TerraformJson, endpoint: string): TerraformJson {
  return {
    ...tf,
    // cdktf's local backend writes the state next to cdktf.json (the repository); keep it with this stack's files.
    terraform: { ...(tf.terraform as object), backend: { local: { path: 'terraform.tfstate' } } },
    provider: {
      aws: tf.provider.aws.map((provider) => ({
        ...provider,
        access_key: MOTO_CREDENTIALS.accessKeyId,
        secret_key: MOTO_CREDENTIALS.secretAccessKey,
        skip_credentials_validation: true,
        skip_metadata_api_check: 'true',
        skip_region_validation: true,
        endpoints: [Object.fromEntries(STACK_SERVICES.map((service) => [service, endpoint]))],
      })),
    },
  };
}

/** The environment terraform runs with against moto: the mirror's CLI config, fake keys, and moto as a second net. */
export function motoTerraformEnvironment(work: string, mirror: string, endpoint: string, region: string) {
  const env: NodeJS.ProcessEnv = {
    ...terraformEnvironment(work, mirror),
    AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
    AWS_REGION: region,
    // A safety net under the provider's endpoints block: nothing of these suites may reach real AWS.
    AWS_ENDPOINT_URL: endpoint,
  };
  delete env.AWS_PROFILE;
  return env;
}

/** Synthesizes one stack into `outdir` (with an optional edit of its constructs) and reads its terraform JSON. */
export function synthStack(outdir: string, name: string, config: StackConfig, edit?: (stack: MskGitopsStack) => void) {
  const app = new App({ outdir });
  const stack = new MskGitopsStack(app, name, config);
  edit?.(stack);
  app.synth();
  const dir = join(outdir, 'stacks', name);
  const file = join(dir, 'cdk.tf.json');
  return { dir, file, tf: JSON.parse(readFileSync(file, 'utf8')) as TerraformJson };
}

interface PlannedChange {
  address: string;
  mode: string;
  type: string;
  change: { actions: string[]; before: Json; after: Json; after_unknown?: Json };
}

/** A difference between the applied stack and its configuration that comes from moto, not from the stack. */
export interface EmulatorGap {
  gap: string;
  /** Why moto answers differently from AWS. */
  because: string;
  matches(change: PlannedChange, changed: string[]): boolean;
}

const asObject = (node: Json): Record<string, Json> =>
  typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, Json>) : {};

export const EMULATOR_GAPS: EmulatorGap[] = [
  {
    gap: 'sg-rule-description-of-group-reference',
    because:
      'moto does not return the description of a security-group rule whose source is another group, so terraform plans to set it again',
    matches: (change, changed) =>
      ['aws_vpc_security_group_ingress_rule', 'aws_vpc_security_group_egress_rule'].includes(change.type) &&
      !!asObject(change.change.before).referenced_security_group_id &&
      changed.every((attribute) => attribute === 'description'),
  },
  {
    gap: 'instance-security-groups-with-public-ip',
    because:
      'moto does not report the security groups of an instance launched with associate_public_ip_address, so terraform plans to set vpc_security_group_ids again',
    matches: (change, changed) =>
      change.type === 'aws_instance' &&
      asObject(change.change.before).associate_public_ip_address === true &&
      changed.every((attribute) => attribute === 'vpc_security_group_ids'),
  },
];

/** The top-level attributes a change would set to something else (or to a value unknown until apply). */
export function changedAttributes(change: PlannedChange['change']): string[] {
  const before = asObject(change.before);
  const after = asObject(change.after);
  const unknown = asObject(change.after_unknown);
  const keys = new Set([...Object.keys(before), ...Object.keys(after), ...Object.keys(unknown)]);
  return [...keys]
    .filter((key) => unknown[key] === true || JSON.stringify(before[key]) !== JSON.stringify(after[key]))
    .sort();
}

/** Every change of a second plan, sorted into the named emulator gaps and the rest (which must be empty). */
export function sortSecondPlan(plan: { resource_changes?: PlannedChange[] }) {
  const gaps: Array<{ address: string; gap: string; changed: string[] }> = [];
  const unexpected: Array<{ address: string; actions: string[]; changed: string[] }> = [];
  for (const change of plan.resource_changes ?? []) {
    const actions = change.change.actions;
    if (actions.join() === 'no-op' || (change.mode === 'data' && actions.join() === 'read')) continue;
    const changed = changedAttributes(change.change);
    const gap = actions.join() === 'update' ? EMULATOR_GAPS.find((item) => item.matches(change, changed)) : undefined;
    if (gap) gaps.push({ address: change.address, gap: gap.gap, changed });
    else unexpected.push({ address: change.address, actions, changed });
  }
  return { gaps, unexpected };
}
