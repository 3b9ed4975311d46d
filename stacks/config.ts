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

/**
 * The Kafka properties a custom MSK configuration may set, as AWS documents them (checked December 2026 against):
 * - standard brokers: "Custom Amazon MSK configurations",
 *   https://docs.aws.amazon.com/msk/latest/developerguide/msk-configuration-properties.html
 * - express brokers, the static properties of "Custom MSK Express broker configurations (Read/Write access)",
 *   https://docs.aws.amazon.com/msk/latest/developerguide/msk-configuration-express-read-write.html
 * MSK refuses any other at apply time, after the rest of the stack was created; here it is refused at synth.
 *
 * Kafka 4.x (brokerPropertyProblem): there is no ZooKeeper, so the zookeeper.* properties (documented for "ZooKeeper
 * mode clusters") do not apply, and Kafka 4.0 removed log.message.timestamp.difference.max.ms (KIP-937; Apache Kafka's
 * 4.0 upgrade notes, https://kafka.apache.org/documentation/#upgrade_servers_4_0_0). Its replacements
 * log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms are named by the standard page (in that
 * property's row) and listed for express brokers; they are allowed for both.
 */
export const MSK_CONFIGURABLE_PROPERTIES: readonly string[] = [
  'allow.everyone.if.no.acl.found',
  'auto.create.topics.enable',
  'compression.type',
  'connections.max.idle.ms',
  'default.replication.factor',
  'delete.topic.enable',
  'group.initial.rebalance.delay.ms',
  'group.max.session.timeout.ms',
  'group.min.session.timeout.ms',
  'leader.imbalance.per.broker.percentage',
  'log.cleaner.delete.retention.ms',
  'log.cleaner.min.cleanable.ratio',
  'log.cleanup.policy',
  'log.flush.interval.messages',
  'log.flush.interval.ms',
  'log.message.timestamp.after.max.ms',
  'log.message.timestamp.before.max.ms',
  'log.message.timestamp.difference.max.ms',
  'log.message.timestamp.type',
  'log.retention.bytes',
  'log.retention.hours',
  'log.retention.minutes',
  'log.retention.ms',
  'log.roll.ms',
  'log.segment.bytes',
  'max.incremental.fetch.session.cache.slots',
  'message.max.bytes',
  'min.insync.replicas',
  'num.io.threads',
  'num.network.threads',
  'num.partitions',
  'num.recovery.threads.per.data.dir',
  'num.replica.fetchers',
  'offsets.retention.minutes',
  'offsets.topic.replication.factor',
  'replica.fetch.max.bytes',
  'replica.fetch.response.max.bytes',
  'replica.lag.time.max.ms',
  'replica.selector.class',
  'replica.socket.receive.buffer.bytes',
  'socket.receive.buffer.bytes',
  'socket.request.max.bytes',
  'socket.send.buffer.bytes',
  'transaction.max.timeout.ms',
  'transaction.state.log.min.isr',
  'transaction.state.log.replication.factor',
  'transactional.id.expiration.ms',
  'unclean.leader.election.enable',
  'zookeeper.connection.timeout.ms',
  'zookeeper.session.timeout.ms',
];

/** The static properties an express brokers' configuration may set (the second page above). */
export const MSK_EXPRESS_CONFIGURABLE_PROPERTIES: readonly string[] = [
  'allow.everyone.if.no.acl.found',
  'auto.create.topics.enable',
  'compression.type',
  'connections.max.idle.ms',
  'delete.topic.enable',
  'group.initial.rebalance.delay.ms',
  'group.max.session.timeout.ms',
  'leader.imbalance.per.broker.percentage',
  'log.cleanup.policy',
  'log.message.timestamp.after.max.ms',
  'log.message.timestamp.before.max.ms',
  'log.message.timestamp.type',
  'log.retention.bytes',
  'log.retention.ms',
  'max.connections.per.ip',
  'max.incremental.fetch.session.cache.slots',
  'message.max.bytes',
  'num.partitions',
  'offsets.retention.minutes',
  'replica.fetch.max.bytes',
  'replica.selector.class',
  'socket.receive.buffer.bytes',
  'socket.request.max.bytes',
  'socket.send.buffer.bytes',
  'transaction.max.timeout.ms',
  'transactional.id.expiration.ms',
];

/** Express brokers: MSK fixes replication (three replicas, two in sync), so a configuration may not set it. */
export function isExpress(instanceType: string): boolean {
  return instanceType.startsWith('express.');
}

/** Kafka 4.x and later: KRaft only, and the 4.0 removals apply. */
function isKafka4OrLater(version: string): boolean {
  const major = Number(/^(\d+)\./.exec(version)?.[1]);
  return Number.isFinite(major) && major >= 4;
}

/** Why an extra broker property may not be set on this cluster, or undefined when it may. */
export function brokerPropertyProblem(
  key: string,
  kafka: { version: string; instanceType: string },
): string | undefined {
  const owned = STACK_OWNED_PROPERTIES[key];
  if (owned) return `owned by the stack: ${owned}`;
  if (isExpress(kafka.instanceType)) {
    if (!MSK_EXPRESS_CONFIGURABLE_PROPERTIES.includes(key)) {
      return `not a property MSK lets an express brokers' configuration set (see MSK_EXPRESS_CONFIGURABLE_PROPERTIES in stacks/config.ts)`;
    }
  } else if (!MSK_CONFIGURABLE_PROPERTIES.includes(key)) {
    return 'not a property MSK lets a configuration set (see MSK_CONFIGURABLE_PROPERTIES in stacks/config.ts)';
  }
  if (isKafka4OrLater(kafka.version)) {
    if (key === 'log.message.timestamp.difference.max.ms') {
      return `removed in Kafka 4.0 (kafka.version is ${kafka.version}); set log.message.timestamp.before.max.ms and log.message.timestamp.after.max.ms instead`;
    }
    if (key.startsWith('zookeeper.')) {
      return `Kafka ${kafka.version} runs without ZooKeeper (KRaft); the property does not apply`;
    }
  }
  return undefined;
}

/** Properties the stack sets itself: each has its own setting, or is a safety rule the stack never gives up. */
export const STACK_OWNED_PROPERTIES: Readonly<Record<string, string>> = {
  'allow.everyone.if.no.acl.found': 'always false: a user without ACLs may do nothing',
  'auto.create.topics.enable': 'always false: topics exist because the manifests say so',
  'default.replication.factor': 'set kafka.defaultReplicationFactor instead',
  'min.insync.replicas': 'set kafka.minInsyncReplicas instead',
};

const brokerPropertyValue = z.union([z.string().min(1), z.number(), z.boolean()]);

/** A tag (v1.2.3, refs/tags/NAME) or a full commit SHA: what the jumper runs must not move when someone pushes. */
export function pinnedRefProblem(ref: string): string | undefined {
  if (/^[0-9a-f]{40}$/.test(ref)) return undefined;
  if (/^refs\/tags\/[A-Za-z0-9._/-]+$/.test(ref)) return undefined;
  if (/^v?\d+\.\d+(\.\d+)?([-+][0-9A-Za-z.-]+)?$/.test(ref)) return undefined;
  if (/^[0-9a-f]{7,39}$/.test(ref)) return `${ref} is a short commit SHA; give all 40 characters`;
  return (
    `${ref} is a branch (or not a release tag): the jumper would run whatever is pushed to it next. ` +
    'Give a tag (v1.2.3, or refs/tags/NAME for any other tag name) or a full 40-character commit SHA'
  );
}

const required = (what: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? `required: ${what}` : undefined),
});

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
    /**
     * Names, not looked up: a lookup would need AWS credentials at synth and plan time. Defaults to REGIONa, REGIONb.
     * MSK spreads the brokers over 2 or 3 zones (express brokers: exactly 3).
     */
    availabilityZones: z
      .array(z.string().min(1))
      .min(2, 'MSK needs 2 or 3 availability zones')
      .max(3, 'MSK needs 2 or 3 availability zones')
      .optional(),
    vpcCidr: ipv4Cidr.default('10.20.0.0/16'),
    /**
     * The brokers' subnets, one per availability zone, in the same order. Private (no route to the internet) unless
     * public access is on, when MSK needs them to route to the internet gateway.
     */
    subnetCidrs: z.array(ipv4Cidr).min(2).default(['10.20.0.0/24', '10.20.1.0/24']),
    /** The jumper's own public subnet, in the first zone: its way to SSM, git and npm without a NAT gateway. */
    jumperSubnetCidr: ipv4Cidr.default('10.20.255.0/24'),
    kafka: z
      .object({
        version: z.string().min(1).default(DEFAULT_KAFKA_VERSION),
        brokerCount: z.number().int().min(2).default(2),
        instanceType: z
          .string()
          .regex(/^(kafka|express)\.[a-z0-9]+\.[a-z0-9]+$/, 'expected an MSK broker type such as kafka.m5.large')
          .default('kafka.t3.small'),
        /** EBS per broker at creation (standard brokers; express brokers have no storage to size). Default 100. */
        volumeSizeGiB: z.number().int().min(1).max(16384).optional(),
        /**
         * Standard brokers' storage grows by itself (Application Auto Scaling) when its use passes the target, up to the
         * maximum; MSK never shrinks it. The stack then ignores the volume size AWS reports, so growth is not undone.
         */
        storageAutoscaling: z
          .object({
            enabled: z.boolean().default(true),
            /** Default: 250 GiB, or twice the volume size when that is more. */
            maxVolumeSizeGiB: z.number().int().min(2).max(16384).optional(),
            targetUtilizationPercent: z.number().int().min(10).max(80).default(60),
          })
          .strict()
          .optional(),
        /**
         * More broker properties for the MSK configuration, e.g. { "log.retention.hours": 168 }. Only the properties
         * MSK accepts for the broker type and Kafka version, and none the stack owns (brokerPropertyProblem).
         */
        brokerProperties: z.record(z.string(), brokerPropertyValue).default({}),
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
      .object(
        {
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
          /** Where the jumper gets the reconciler from: a git URL it can clone over HTTPS. */
          reconcilerRepo: z
            .string()
            .regex(/^https:\/\/\S+$/, 'expected an https:// git URL')
            .default('https://github.com/msk-gitops/msk-gitops.git'),
          /** The reconciler's release the jumper runs: a tag or a full commit SHA, never a branch (pinnedRefProblem). */
          reconcilerRef: z
            .string(required('the tag (v1.2.3) or full commit SHA of the reconciler the jumper runs'))
            .superRefine((ref, ctx) => {
              const problem = pinnedRefProblem(ref);
              if (problem) ctx.addIssue({ code: 'custom', message: problem });
            }),
          /**
           * The manifests the daemon applies: your own repository, whose pushes you control, since whoever can push there
           * controls the cluster's users and ACLs. HTTPS only: the jumper's security group lets HTTPS out, not SSH.
           */
          desiredStateRepo: z
            .string(
              required(
                'the https:// git URL of your manifests repository (whoever can push there controls the cluster)',
              ),
            )
            .regex(/^https:\/\/\S+$/, 'expected an https:// git URL'),
          desiredStateBranch: z.string().min(1).default('main'),
          desiredStatePath: z.string().min(1).default('desired-state'),
          /** Fetch the manifests with the token in the git-credentials secret (a private repository). */
          useGitCredentials: z.boolean().default(false),
          /** Report plans and drift to Slack through the webhook URL in the slack-webhook-url secret. */
          slackReports: z.boolean().default(false),
        },
        required(
          'jumper.reconcilerRef (a tag or full commit SHA) and jumper.desiredStateRepo (your manifests repository)',
        ),
      )
      .strict(),
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
    if (isExpress(config.kafka.instanceType)) {
      if (zones.length !== 3) {
        ctx.addIssue({
          code: 'custom',
          path: config.availabilityZones ? ['availabilityZones'] : ['kafka', 'instanceType'],
          message: `express brokers (${config.kafka.instanceType}) need exactly 3 availabilityZones, ${zones.length} given`,
        });
      }
      for (const setting of ['defaultReplicationFactor', 'minInsyncReplicas'] as const) {
        if (config.kafka[setting] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['kafka', setting],
            message: `express brokers (${config.kafka.instanceType}) replicate as MSK fixes it (3 replicas, 2 in sync); unset it`,
          });
        }
      }
      for (const setting of ['volumeSizeGiB', 'storageAutoscaling'] as const) {
        if (config.kafka[setting] !== undefined) {
          ctx.addIssue({
            code: 'custom',
            path: ['kafka', setting],
            message: `express brokers (${config.kafka.instanceType}) have no storage to size or scale; unset it`,
          });
        }
      }
    }
    for (const key of Object.keys(config.kafka.brokerProperties)) {
      const problem = brokerPropertyProblem(key, config.kafka);
      if (problem) ctx.addIssue({ code: 'custom', path: ['kafka', 'brokerProperties', key], message: problem });
    }
    const autoscaling = config.kafka.storageAutoscaling;
    const volume = config.kafka.volumeSizeGiB ?? DEFAULT_VOLUME_GIB;
    if (autoscaling?.enabled && autoscaling.maxVolumeSizeGiB !== undefined && autoscaling.maxVolumeSizeGiB <= volume) {
      ctx.addIssue({
        code: 'custom',
        path: ['kafka', 'storageAutoscaling', 'maxVolumeSizeGiB'],
        message: `must exceed the volume size (${volume} GiB) storage grows from`,
      });
    }
    const subnets = [
      ...config.subnetCidrs.map((cidr, index) => ({ path: ['subnetCidrs', index], cidr })),
      { path: ['jumperSubnetCidr'], cidr: config.jumperSubnetCidr },
    ];
    subnets.forEach((subnet, index) => {
      if (!cidrContains(config.vpcCidr, subnet.cidr)) {
        ctx.addIssue({
          code: 'custom',
          path: subnet.path,
          message: `${subnet.cidr} is not inside vpcCidr ${config.vpcCidr}`,
        });
      }
      const clash = subnets.slice(0, index).find((other) => cidrsOverlap(other.cidr, subnet.cidr));
      if (clash) {
        ctx.addIssue({
          code: 'custom',
          path: subnet.path,
          message: `${subnet.cidr} overlaps ${clash.path.join('.')} ${clash.cidr}`,
        });
      }
    });
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

function ipv4Range(cidr: string): [number, number] {
  const [address, bits] = cidr.split('/');
  const start = address.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  const first = start - (start % size);
  return [first, first + size - 1];
}

function cidrContains(outer: string, inner: string): boolean {
  const [outerFirst, outerLast] = ipv4Range(outer);
  const [innerFirst, innerLast] = ipv4Range(inner);
  return outerFirst <= innerFirst && innerLast <= outerLast;
}

function cidrsOverlap(a: string, b: string): boolean {
  const [aFirst, aLast] = ipv4Range(a);
  const [bFirst, bLast] = ipv4Range(b);
  return aFirst <= bLast && bFirst <= aLast;
}

/** Standard brokers' EBS size when kafka.volumeSizeGiB is unset. */
export const DEFAULT_VOLUME_GIB = 100;

export type StackConfigInput = z.input<typeof StackConfigSchema>;
type ParsedConfig = z.output<typeof StackConfigSchema>;

/** The validated settings, with the derived values filled in so the constructs never re-derive them. */
export type StackConfig = ParsedConfig & {
  availabilityZones: string[];
  kafka: Omit<ParsedConfig['kafka'], 'volumeSizeGiB' | 'storageAutoscaling'> & {
    defaultReplicationFactor: number;
    minInsyncReplicas: number;
    /** Express brokers: no storage (undefined). */
    storage?: {
      volumeSizeGiB: number;
      autoscaling?: { maxVolumeSizeGiB: number; targetUtilizationPercent: number };
    };
  };
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
  { env: 'MSK_GITOPS_JUMPER_SUBNET_CIDR', path: ['jumperSubnetCidr'], parse: String },
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
  const { volumeSizeGiB, storageAutoscaling, ...kafka } = parsed.kafka;
  const volume = volumeSizeGiB ?? DEFAULT_VOLUME_GIB;
  const autoscaling = { enabled: true, targetUtilizationPercent: 60, ...storageAutoscaling };
  const storage = parsed.kafka.instanceType.startsWith('express.')
    ? undefined
    : {
        volumeSizeGiB: volume,
        ...(autoscaling.enabled && {
          autoscaling: {
            maxVolumeSizeGiB: autoscaling.maxVolumeSizeGiB ?? Math.min(16384, Math.max(250, volume * 2)),
            targetUtilizationPercent: autoscaling.targetUtilizationPercent,
          },
        }),
      };
  return {
    ...parsed,
    availabilityZones: parsed.availabilityZones ?? defaultZones(parsed.region),
    kafka: { ...kafka, defaultReplicationFactor: replicationFactor, minInsyncReplicas: minInsync, storage },
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
