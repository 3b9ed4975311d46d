/**
 * The stack's settings: one zod schema, read from cdktf.json's `context.mskGitops` and overridden by MSK_GITOPS_*
 * environment variables. Defaults reproduce the seed's setup (two public subnets in AZs a and b, two brokers, SCRAM for
 * the apps and IAM for the admin jumper). Every error names the setting, and the env variable when one was used.
 */
import { z } from 'zod';

/** MSK's version strings for the Kafka line this project pins locally (Kafka 3.9.1 → MSK "3.9.x"). */
export const DEFAULT_KAFKA_VERSION = '3.9.x';

/** The retention values CloudWatch Logs accepts; anything else is rejected by the API at apply time, so reject it here. */
const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const ipv4Cidr = z
  .string()
  .regex(/^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/, 'expected an IPv4 CIDR such as 10.20.0.0/16')
  .refine((cidr) => {
    const [address, bits] = cidr.split('/');
    return Number(bits) <= 32 && address.split('.').every((octet) => Number(octet) <= 255);
  }, 'expected an IPv4 CIDR such as 10.20.0.0/16');

/** A CIDR allowed to reach the public broker endpoints: never the whole internet, whatever its spelling. */
const publicClientCidr = z
  .string()
  .refine((cidr) => !/\/0$/.test(cidr.trim()), 'the whole internet (/0) may not reach the brokers; list your own CIDRs')
  .pipe(z.union([ipv4Cidr, z.string().regex(/^[0-9a-fA-F:]+\/\d{1,3}$/, 'expected an IPv4 or IPv6 CIDR')]));

const name = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9-]{0,39}$/, 'letters, digits and dashes, starting with a letter, at most 40 characters');

export const StackConfigSchema = z
  .object({
    /** Prefix of every resource name, and the MSK cluster's name. */
    name: name.default('msk-gitops'),
    region: z
      .string()
      .regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, 'expected an AWS region such as eu-west-1')
      .default('eu-west-1'),
    /** Names, not looked up: a lookup would need AWS credentials at synth and plan time. Defaults to REGIONa, REGIONb. */
    availabilityZones: z.array(z.string().min(1)).min(2).optional(),
    vpcCidr: ipv4Cidr.default('10.20.0.0/16'),
    /** One public subnet per availability zone, in the same order. */
    subnetCidrs: z.array(ipv4Cidr).min(2).default(['10.20.0.0/24', '10.20.1.0/24']),
    kafka: z
      .object({
        version: z.string().min(1).default(DEFAULT_KAFKA_VERSION),
        brokerCount: z.number().int().min(2).default(2),
        instanceType: z
          .string()
          .regex(/^(kafka|express)\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an MSK broker type such as kafka.m5.large')
          .default('kafka.t3.small'),
        volumeSizeGiB: z.number().int().min(1).max(16384).default(100),
        /** Left unset, derived from the broker count: min(3, brokers) replicas, one fewer in-sync replica required. */
        defaultReplicationFactor: z.number().int().min(1).optional(),
        minInsyncReplicas: z.number().int().min(1).optional(),
        enhancedMonitoring: z
          .enum(['DEFAULT', 'PER_BROKER', 'PER_TOPIC_PER_BROKER', 'PER_TOPIC_PER_PARTITION'])
          .default('DEFAULT'),
        /** Prometheus JMX and node exporters on the brokers (ports 11001, 11002), reachable from the app services SG. */
        openMonitoring: z.boolean().default(false),
        logRetentionDays: z
          .number()
          .int()
          .refine((days) => (LOG_RETENTION_DAYS as readonly number[]).includes(days), {
            message: `one of ${LOG_RETENTION_DAYS.join(', ')}`,
          })
          .default(30),
      })
      .strict()
      .prefault({}),
    /**
     * Opt-in public endpoints (ports 9196 SCRAM, 9198 IAM). MSK refuses public access when the cluster is created, so
     * turn it on in a second deploy; the stack always keeps the other prerequisites (TLS only, no unauthenticated
     * access, SCRAM and IAM on, allow.everyone.if.no.acl.found=false).
     */
    publicAccess: z
      .object({
        enabled: z.boolean().default(false),
        allowedCidrs: z.array(publicClientCidr).default([]),
      })
      .strict()
      .prefault({}),
    jumper: z
      .object({
        instanceType: z.string().min(1).default('t3.small'),
        /**
         * Pinned AMI (recommended: reproducible, and the jumper is not replaced when Amazon publishes a new image).
         * Unset, the stack reads the latest Amazon Linux 2023 AMI from the public SSM parameter at plan time.
         */
        amiId: z
          .string()
          .regex(/^ami-[0-9a-f]{8,17}$/, 'expected an AMI id such as ami-0123456789abcdef0')
          .optional(),
        rootVolumeSizeGiB: z.number().int().min(8).default(20),
        /** Where the jumper gets the reconciler from: a git URL it can clone over HTTPS, and a branch, tag or commit. */
        reconcilerRepo: z
          .string()
          .regex(/^https:\/\/\S+$/, 'expected an https:// git URL')
          .default('https://github.com/msk-gitops/msk-gitops.git'),
        reconcilerRef: z
          .string()
          .regex(/^[A-Za-z0-9._/-]+$/, 'expected a branch, tag or commit')
          .default('main'),
        /**
         * The manifests the daemon applies. Unset: the reconciler's own repository (its desired-state/). HTTPS only:
         * the jumper's security group lets HTTPS out, not SSH.
         */
        desiredStateRepo: z
          .string()
          .regex(/^https:\/\/\S+$/, 'expected an https:// git URL')
          .optional(),
        desiredStateBranch: z.string().min(1).default('main'),
        desiredStatePath: z.string().min(1).default('desired-state'),
        /** Fetch the manifests with the token in the git-credentials secret (a private repository). */
        useGitCredentials: z.boolean().default(false),
        /** Report plans and drift to Slack through the webhook URL in the slack-webhook-url secret. */
        slackReports: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    /**
     * Where terraform keeps its state. Unset: a local file under cdktf.out (fine for a trial, not for a team). Set: an
     * S3 bucket you created beforehand, encrypted, locked with S3's lock file (Terraform 1.10+) or a DynamoDB table.
     */
    stateBackend: z
      .object({
        bucket: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'expected an S3 bucket name'),
        key: z.string().min(1).default('msk-gitops/terraform.tfstate'),
        /** Defaults to the stack's region. */
        region: z.string().min(1).optional(),
        dynamodbTable: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    /** Days Secrets Manager keeps a deleted secret recoverable (0 deletes at once). */
    secretRecoveryWindowDays: z
      .number()
      .int()
      .refine((days) => days === 0 || (days >= 7 && days <= 30), { message: '0, or 7 to 30' })
      .default(7),
    tags: z.record(z.string(), z.string()).default({}),
    /**
     * For tests and CI only: dummy credentials, no account or metadata look-ups, and no data sources that call AWS, so
     * `terraform plan` runs without an AWS account. Never for a real deploy.
     */
    offlinePlan: z.boolean().default(false),
  })
  .strict()
  .superRefine((config, ctx) => {
    const zones = config.availabilityZones ?? defaultZones(config.region);
    if (config.availabilityZones) {
      config.availabilityZones.forEach((zone, index) => {
        if (!zone.startsWith(config.region)) {
          ctx.addIssue({
            code: 'custom',
            path: ['availabilityZones', index],
            message: `${zone} is not in region ${config.region}`,
          });
        }
      });
    }
    if (config.subnetCidrs.length !== zones.length) {
      ctx.addIssue({
        code: 'custom',
        path: ['subnetCidrs'],
        message: `one subnet per availability zone: ${zones.length} zones, ${config.subnetCidrs.length} CIDRs`,
      });
    }
    if (config.kafka.brokerCount % zones.length !== 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'brokerCount'],
        message: `MSK needs a multiple of the ${zones.length} availability zones`,
      });
    }
    const { replicationFactor, minInsync } = replicationOf(config.kafka);
    if (replicationFactor > config.kafka.brokerCount) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'defaultReplicationFactor'],
        message: `${replicationFactor} replicas need at least as many brokers (have ${config.kafka.brokerCount})`,
      });
    }
    if (minInsync > replicationFactor) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'minInsyncReplicas'],
        message: `cannot exceed the replication factor ${replicationFactor}`,
      });
    }
    if (config.publicAccess.enabled) {
      if (config.publicAccess.allowedCidrs.length === 0) {
        ctx.addIssue({
          code: 'custom',
          path: ['publicAccess', 'allowedCidrs'],
          message: 'public access needs at least one client CIDR; the brokers are never open to the world',
        });
      }
    }
    if (config.offlinePlan && config.stateBackend) {
      ctx.addIssue({
        code: 'custom',
        path: ['stateBackend'],
        message: 'an offline plan keeps its state locally; unset stateBackend (or offlinePlan)',
      });
    }
    if (config.offlinePlan && !config.jumper.amiId) {
      ctx.addIssue({
        code: 'custom',
        path: ['jumper', 'amiId'],
        message: 'offlinePlan cannot look the AMI up; pin jumper.amiId',
      });
    }
  });

export type StackConfigInput = z.input<typeof StackConfigSchema>;
type ParsedConfig = z.output<typeof StackConfigSchema>;

/** The validated settings, with the derived values filled in so the constructs never re-derive them. */
export type StackConfig = ParsedConfig & {
  availabilityZones: string[];
  kafka: ParsedConfig['kafka'] & { defaultReplicationFactor: number; minInsyncReplicas: number };
};

/** The ARN partition of a region, known without asking AWS (the offline plan cannot). */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  return 'aws';
}

function defaultZones(region: string): string[] {
  return [`${region}a`, `${region}b`];
}

function replicationOf(kafka: { brokerCount: number; defaultReplicationFactor?: number; minInsyncReplicas?: number }) {
  const replicationFactor = kafka.defaultReplicationFactor ?? Math.min(3, kafka.brokerCount);
  // One replica may be down (MSK patches brokers one at a time) without producers using acks=all failing.
  const minInsync = kafka.minInsyncReplicas ?? Math.max(1, replicationFactor - 1);
  return { replicationFactor, minInsync };
}

/** Each environment override, the setting it replaces, and how its text becomes a value. */
export const ENV_OVERRIDES: ReadonlyArray<{ env: string; path: string[]; parse: (text: string) => unknown }> = [
  { env: 'MSK_GITOPS_NAME', path: ['name'], parse: String },
  { env: 'MSK_GITOPS_REGION', path: ['region'], parse: String },
  { env: 'MSK_GITOPS_AVAILABILITY_ZONES', path: ['availabilityZones'], parse: list },
  { env: 'MSK_GITOPS_VPC_CIDR', path: ['vpcCidr'], parse: String },
  { env: 'MSK_GITOPS_SUBNET_CIDRS', path: ['subnetCidrs'], parse: list },
  { env: 'MSK_GITOPS_KAFKA_VERSION', path: ['kafka', 'version'], parse: String },
  { env: 'MSK_GITOPS_BROKER_COUNT', path: ['kafka', 'brokerCount'], parse: number },
  { env: 'MSK_GITOPS_BROKER_INSTANCE_TYPE', path: ['kafka', 'instanceType'], parse: String },
  { env: 'MSK_GITOPS_BROKER_VOLUME_GIB', path: ['kafka', 'volumeSizeGiB'], parse: number },
  { env: 'MSK_GITOPS_ENHANCED_MONITORING', path: ['kafka', 'enhancedMonitoring'], parse: String },
  { env: 'MSK_GITOPS_OPEN_MONITORING', path: ['kafka', 'openMonitoring'], parse: boolean },
  { env: 'MSK_GITOPS_PUBLIC_ACCESS', path: ['publicAccess', 'enabled'], parse: boolean },
  { env: 'MSK_GITOPS_PUBLIC_ACCESS_CIDRS', path: ['publicAccess', 'allowedCidrs'], parse: list },
  { env: 'MSK_GITOPS_JUMPER_INSTANCE_TYPE', path: ['jumper', 'instanceType'], parse: String },
  { env: 'MSK_GITOPS_JUMPER_AMI_ID', path: ['jumper', 'amiId'], parse: String },
  { env: 'MSK_GITOPS_RECONCILER_REPO', path: ['jumper', 'reconcilerRepo'], parse: String },
  { env: 'MSK_GITOPS_RECONCILER_REF', path: ['jumper', 'reconcilerRef'], parse: String },
  { env: 'MSK_GITOPS_DESIRED_STATE_REPO', path: ['jumper', 'desiredStateRepo'], parse: String },
  { env: 'MSK_GITOPS_DESIRED_STATE_BRANCH', path: ['jumper', 'desiredStateBranch'], parse: String },
  { env: 'MSK_GITOPS_DESIRED_STATE_PATH', path: ['jumper', 'desiredStatePath'], parse: String },
  { env: 'MSK_GITOPS_USE_GIT_CREDENTIALS', path: ['jumper', 'useGitCredentials'], parse: boolean },
  { env: 'MSK_GITOPS_SLACK_REPORTS', path: ['jumper', 'slackReports'], parse: boolean },
  { env: 'MSK_GITOPS_STATE_BUCKET', path: ['stateBackend', 'bucket'], parse: String },
  { env: 'MSK_GITOPS_STATE_KEY', path: ['stateBackend', 'key'], parse: String },
  { env: 'MSK_GITOPS_STATE_REGION', path: ['stateBackend', 'region'], parse: String },
  { env: 'MSK_GITOPS_STATE_LOCK_TABLE', path: ['stateBackend', 'dynamodbTable'], parse: String },
  { env: 'MSK_GITOPS_OFFLINE_PLAN', path: ['offlinePlan'], parse: boolean },
];

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** Unparseable text is passed through so the schema reports it against the setting, not as a crash here. */
function number(text: string): unknown {
  return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
}

function boolean(text: string): unknown {
  const lower = text.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(lower)) return true;
  if (['false', '0', 'no', ''].includes(lower)) return false;
  return text;
}

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid stack configuration:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

/**
 * The settings from the cdktf.json context object (`context.mskGitops`) and the environment. Pure: the caller reads
 * cdktf.json and passes process.env, so tests give plain values.
 */
export function loadStackConfig(context: unknown, env: Record<string, string | undefined> = {}): StackConfig {
  if (context !== undefined && (typeof context !== 'object' || context === null || Array.isArray(context))) {
    throw new StackConfigError(['context.mskGitops: expected an object']);
  }
  const merged: Record<string, unknown> = structuredClone((context as Record<string, unknown> | undefined) ?? {});
  const fromEnv = new Map<string, string>();
  for (const override of ENV_OVERRIDES) {
    const text = env[override.env];
    if (text === undefined) continue;
    setPath(merged, override.path, override.parse(text));
    fromEnv.set(override.path.join('.'), override.env);
  }
  const result = StackConfigSchema.safeParse(merged);
  if (!result.success) {
    throw new StackConfigError(
      result.error.issues.map((issue) => {
        const setting = issue.path.map(String).join('.') || '(root)';
        const envName = [...fromEnv].find(([path]) => setting === path || setting.startsWith(`${path}.`))?.[1];
        return `mskGitops.${setting}${envName ? ` (from ${envName})` : ''}: ${issue.message}`;
      }),
    );
  }
  const parsed = result.data;
  const { replicationFactor, minInsync } = replicationOf(parsed.kafka);
  return {
    ...parsed,
    availabilityZones: parsed.availabilityZones ?? defaultZones(parsed.region),
    kafka: { ...parsed.kafka, defaultReplicationFactor: replicationFactor, minInsyncReplicas: minInsync },
  };
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]] = value;
}
