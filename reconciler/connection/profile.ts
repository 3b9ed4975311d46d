/**
 * The connection profile: how the reconciler reaches a cluster. One zod schema for flags, env and config file, so
 * every source is validated the same way and every error names the setting it is about.
 */
import { z } from 'zod';
import { SCRAM_MECHANISMS } from '../model/schema';
import { ConnectionSettingError } from '../shared/errors';

/**
 * Where a secret lives. The value itself never enters a profile: only its reference does, and it is resolved at
 * connect time (see secrets.ts). A Secrets Manager secret that holds JSON (the AmazonMSK_* SCRAM secrets hold
 * `{"username": …, "password": …}`) names its field either as `field` or as the shorthand `"id#field"`.
 */
export const SecretRefSchema = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ secretsManager: z.string().min(1), field: z.string().min(1).optional() }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

export const AUTH_MODES = ['iam', 'scram', 'plaintext'] as const;
export type AuthMode = (typeof AUTH_MODES)[number];

/** `expected iam, scram or plaintext, got "iamm"`; undefined (a missing value) keeps zod's "required" wording. */
function expectedOneOf(values: readonly string[], input: unknown): string {
  const choices = values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}` : values[0];
  return `expected ${choices}, got ${JSON.stringify(input)}`;
}

const ServerSchema = z.string().regex(/^[^\s:,]+:\d+$/, 'expected host:port');

/** Every setting, all optional: the shape of one source (a config file, the env, the flags) before they combine. */
export const ConnectionSettingsSchema = z
  .object({
    bootstrapServers: z.array(ServerSchema).min(1, 'expected at least one host:port'),
    auth: z.enum(AUTH_MODES, { error: (issue) => expectedOneOf(AUTH_MODES, issue.input) }),
    /** MSK's IAM and SCRAM listeners are TLS-only; a local broker usually is not. */
    tls: z.boolean(),
    /** A PEM bundle that replaces Node's trusted CAs (a private CA, or a test broker's self-signed certificate). */
    caFile: z.string().min(1),
    rejectUnauthorized: z.boolean(),
    /** The AWS region the IAM auth token is signed for (the cluster's region). */
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'expected an AWS region such as eu-west-1'),
    clientId: z.string().min(1),
    scram: z
      .object({
        mechanism: z.enum(SCRAM_MECHANISMS, { error: (issue) => expectedOneOf(SCRAM_MECHANISMS, issue.input) }),
        username: z.string().min(1),
        password: SecretRefSchema,
      })
      .partial()
      .strict(),
    /** Set when the cluster is AWS MSK: users then live as AmazonMSK_* secrets associated with this cluster. */
    msk: z
      .object({
        clusterArn: z.string().regex(/^arn:aws[a-z-]*:kafka:/, 'expected an MSK cluster ARN'),
        /** The customer-managed KMS key for the AmazonMSK_* secrets (MSK refuses the default key). */
        secretsKmsKeyId: z.string().min(1),
      })
      .strict(),
    /**
     * Test-only: lets auth "iam" run without TLS, so the OAUTHBEARER code path can be proven against a local
     * broker's plaintext OAUTHBEARER listener. MSK's IAM listeners accept TLS only.
     */
    allowInsecureIam: z.boolean(),
  })
  .partial()
  .strict();
export type ConnectionSettings = z.infer<typeof ConnectionSettingsSchema>;

/** The complete, checked profile every adapter takes. Cross-setting rules live here, once, for every source. */
export const ConnectionProfileSchema = z
  .object({
    bootstrapServers: z.array(ServerSchema).min(1, 'expected at least one host:port'),
    auth: z.enum(AUTH_MODES, { error: (issue) => expectedOneOf(AUTH_MODES, issue.input) }),
    /** Defaults to on for auth "iam" (MSK's IAM listeners are TLS-only) and off otherwise. */
    tls: z.boolean().optional(),
    caFile: z.string().min(1).optional(),
    rejectUnauthorized: z.boolean().default(true),
    region: ConnectionSettingsSchema.shape.region,
    clientId: z.string().min(1).default('msk-gitops'),
    scram: z
      .object({
        mechanism: z
          .enum(SCRAM_MECHANISMS, { error: (issue) => expectedOneOf(SCRAM_MECHANISMS, issue.input) })
          .default('SCRAM-SHA-512'),
        username: z.string().min(1),
        password: SecretRefSchema,
      })
      .strict()
      .optional(),
    msk: ConnectionSettingsSchema.shape.msk,
    allowInsecureIam: z.boolean().optional(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    const tls = profile.tls ?? profile.auth === 'iam';
    if (profile.auth === 'iam') {
      if (!profile.region)
        ctx.addIssue({ code: 'custom', path: ['region'], message: 'is required when auth is "iam"' });
      if (!tls && !profile.allowInsecureIam)
        ctx.addIssue({
          code: 'custom',
          path: ['tls'],
          message: 'must be on when auth is "iam": MSK IAM listeners (ports 9098/9198) accept TLS only',
        });
    }
    if (profile.auth === 'scram') {
      if (!profile.scram?.username)
        ctx.addIssue({ code: 'custom', path: ['scram', 'username'], message: 'is required when auth is "scram"' });
      if (!profile.scram?.password)
        ctx.addIssue({ code: 'custom', path: ['scram', 'password'], message: 'is required when auth is "scram"' });
    }
    if (profile.caFile && !tls)
      ctx.addIssue({ code: 'custom', path: ['caFile'], message: 'is set but tls is off (a CA is only used over TLS)' });
  })
  .transform((profile) => ({ ...profile, tls: profile.tls ?? profile.auth === 'iam' }));
export type ConnectionProfile = z.output<typeof ConnectionProfileSchema>;

/** How a setting is spelled in a given source, so an error says `--region` to a flag user and `AWS_REGION` to env. */
export type SettingNamer = (path: readonly PropertyKey[]) => string;

const quotedPath: SettingNamer = (path) =>
  `"${path.map((part, i) => (typeof part === 'number' ? `[${part}]` : `${i ? '.' : ''}${String(part)}`)).join('')}"`;

/** Turns zod issues into one line per problem, each naming the setting as the source spells it. */
export function describeIssues(issues: readonly z.core.$ZodIssue[], nameOf: SettingNamer = quotedPath): string[] {
  return issues.map((issue) => {
    const name = nameOf(issue.path);
    if (issue.code === 'unrecognized_keys')
      return issue.keys.map((key) => `${nameOf([...issue.path, key])}: unknown setting`).join('; ');
    if (issue.code === 'custom') return `${name} ${issue.message}`;
    if ('input' in issue && issue.input === undefined) return `${name} is required`;
    if (issue.code === 'invalid_union' && issue.path.at(-1) === 'password')
      return `${name}: expected {env: VAR}, {file: PATH} or {secretsManager: ID} (optionally with field)`;
    // Secrets never reach a profile (only their references do), so echoing the bad value is safe and helpful.
    if (issue.code === 'invalid_format' && typeof issue.input === 'string')
      return `${name}: ${issue.message}, got ${JSON.stringify(issue.input)}`;
    return `${name}: ${issue.message}`;
  });
}

/** Parses one source with `schema`; every problem is a line naming the source and the setting as it spells it. */
function parseSource<S extends z.ZodType>(
  schema: S,
  input: unknown,
  source: string,
  nameOf: SettingNamer,
): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw new ConnectionSettingError(
    describeIssues(result.error.issues, nameOf)
      .map((line) => `connection profile ${source}: ${line}`)
      .join('\n'),
  );
}

/** Validates a complete profile; `source` says where it came from (a file path, "flags and environment"). */
export function parseConnectionProfile(
  input: unknown,
  source: string,
  nameOf: SettingNamer = quotedPath,
): ConnectionProfile {
  return parseSource(ConnectionProfileSchema, input, source, nameOf);
}

/** Combines sources, later ones winning setting by setting (the scram block merges field by field). */
export function mergeSettings(...layers: ConnectionSettings[]): ConnectionSettings {
  const merged: ConnectionSettings = {};
  for (const layer of layers) {
    const { scram, ...rest } = layer;
    for (const [key, value] of Object.entries(rest)) if (value !== undefined) Object.assign(merged, { [key]: value });
    if (scram) merged.scram = { ...merged.scram, ...dropUndefined(scram) };
  }
  // A SCRAM username in the environment must not break a run that chose IAM on the command line.
  if (merged.auth !== 'scram' && merged.auth !== undefined) delete merged.scram;
  return merged;
}

function dropUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** The env variables a profile reads, by setting: one table for parsing, error messages and the docs. */
export const ENV_SETTINGS = {
  bootstrapServers: 'KAFKA_BOOTSTRAP_SERVERS',
  auth: 'KAFKA_AUTH',
  tls: 'KAFKA_TLS',
  caFile: 'KAFKA_CA_FILE',
  rejectUnauthorized: 'KAFKA_TLS_REJECT_UNAUTHORIZED',
  region: 'AWS_REGION',
  clientId: 'KAFKA_CLIENT_ID',
  'scram.mechanism': 'KAFKA_SASL_MECHANISM',
  'scram.username': 'KAFKA_SASL_USERNAME',
  'scram.password': 'KAFKA_SASL_PASSWORD (or KAFKA_SASL_PASSWORD_FILE, KAFKA_SASL_PASSWORD_SECRET)',
} as const;

const envName: SettingNamer = (path) => {
  for (const length of [2, 1]) {
    const key = path.slice(0, length).map(String).join('.');
    if (key in ENV_SETTINGS) return ENV_SETTINGS[key as keyof typeof ENV_SETTINGS];
  }
  return quotedPath(path);
};

function envBoolean(env: NodeJS.ProcessEnv, name: string): boolean | undefined {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return undefined;
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off'].includes(raw)) return false;
  throw new ConnectionSettingError(`${name}: expected true or false, got "${env[name]}"`);
}

/**
 * The settings the environment names. Only variables that are set contribute, so env can fill in what a config file
 * leaves out. KAFKA_SASL_MECHANISM also picks the auth mode when KAFKA_AUTH is unset: NONE → plaintext,
 * OAUTHBEARER/AWS_MSK_IAM → iam, SCRAM-* → scram (the tests' global setup relies on this).
 */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionSettings {
  const text = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const settings: Record<string, unknown> = {};
  const scram: Record<string, unknown> = {};
  const servers = text('KAFKA_BOOTSTRAP_SERVERS');
  if (servers) settings.bootstrapServers = servers.split(',').map((s) => s.trim());
  const mechanism = text('KAFKA_SASL_MECHANISM')?.toUpperCase();
  const auth = text('KAFKA_AUTH')?.toLowerCase();
  if (auth) settings.auth = auth;
  else if (mechanism === 'NONE') settings.auth = 'plaintext';
  else if (mechanism === 'OAUTHBEARER' || mechanism === 'AWS_MSK_IAM') settings.auth = 'iam';
  else if (mechanism?.startsWith('SCRAM')) settings.auth = 'scram';
  if (mechanism?.startsWith('SCRAM')) scram.mechanism = mechanism;
  else if (mechanism && !['NONE', 'OAUTHBEARER', 'AWS_MSK_IAM'].includes(mechanism))
    throw new ConnectionSettingError(
      `connection profile from the environment: KAFKA_SASL_MECHANISM: expected SCRAM-SHA-512, SCRAM-SHA-256, ` +
        `OAUTHBEARER, AWS_MSK_IAM or NONE, got "${env.KAFKA_SASL_MECHANISM}"`,
    );
  settings.tls = envBoolean(env, 'KAFKA_TLS');
  settings.caFile = text('KAFKA_CA_FILE');
  settings.rejectUnauthorized = envBoolean(env, 'KAFKA_TLS_REJECT_UNAUTHORIZED');
  settings.region = text('AWS_REGION') ?? text('AWS_DEFAULT_REGION');
  settings.clientId = text('KAFKA_CLIENT_ID');
  scram.username = text('KAFKA_SASL_USERNAME');
  const secret = text('KAFKA_SASL_PASSWORD_SECRET');
  const file = text('KAFKA_SASL_PASSWORD_FILE');
  if (secret) scram.password = { secretsManager: secret };
  else if (file) scram.password = { file };
  else if (env.KAFKA_SASL_PASSWORD) scram.password = { env: 'KAFKA_SASL_PASSWORD' };
  if (Object.values(scram).some((v) => v !== undefined)) settings.scram = dropUndefined(scram);
  return checkSettings(dropUndefined(settings), 'from the environment', envName);
}

/** Validates one source's settings; errors name the setting as that source spells it. */
export function checkSettings(input: unknown, source: string, nameOf: SettingNamer = quotedPath): ConnectionSettings {
  return parseSource(ConnectionSettingsSchema, input, source, nameOf);
}

/** Completes merged settings into a profile: a SCRAM username alone implies auth "scram". */
export function profileFromSettings(
  settings: ConnectionSettings,
  source: string,
  nameOf?: SettingNamer,
): ConnectionProfile {
  const auth = settings.auth ?? (settings.scram?.username ? 'scram' : undefined);
  return parseConnectionProfile({ ...settings, auth }, source, nameOf);
}

/**
 * The profile named by the environment alone, for users who bring their own broker (and for the tests):
 * undefined when KAFKA_BOOTSTRAP_SERVERS is unset. The password is read through its reference, never copied.
 */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionProfile | undefined {
  const settings = settingsFromEnv(env);
  if (!settings.bootstrapServers) return undefined;
  return profileFromSettings(settings, 'from the environment', envName);
}
