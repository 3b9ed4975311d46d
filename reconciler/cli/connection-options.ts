/**
 * The connection flags every cluster-facing command shares, and how a config file, env and flags combine into one
 * profile (lowest to highest precedence: config file < environment < flags).
 *
 * Commands spread `connectionOptions` into their `parseArgs` options and hand the parsed values to
 * `profileFromArgs(values, ctx.env)`.
 */
import { localAdminProfile, runningLayout } from '../localkafka/broker';
import {
  checkSettings,
  mergeSettings,
  profileFromSettings,
  settingsFromEnv,
  type ConnectionProfile,
  type ConnectionSettings,
  type SecretRef,
  type SettingNamer,
} from '../connection/profile';
import { ConnectionSettingError, UsageError, UserFacingError } from '../shared/errors';

export const connectionOptions = {
  local: { type: 'boolean' },
  config: { type: 'string' },
  'bootstrap-servers': { type: 'string' },
  auth: { type: 'string' },
  tls: { type: 'boolean' },
  // Declared explicitly so `--no-tls` works whether or not the command's parseArgs sets allowNegative.
  'no-tls': { type: 'boolean' },
  'ca-file': { type: 'string' },
  'tls-insecure': { type: 'boolean' },
  region: { type: 'string' },
  'client-id': { type: 'string' },
  'scram-mechanism': { type: 'string' },
  'scram-username': { type: 'string' },
  'scram-password-env': { type: 'string' },
  'scram-password-file': { type: 'string' },
  'scram-password-secret': { type: 'string' },
} as const;

export interface ConnectionFlags {
  local?: boolean;
  config?: string;
  'bootstrap-servers'?: string;
  auth?: string;
  tls?: boolean;
  'no-tls'?: boolean;
  'ca-file'?: string;
  'tls-insecure'?: boolean;
  region?: string;
  'client-id'?: string;
  'scram-mechanism'?: string;
  'scram-username'?: string;
  'scram-password-env'?: string;
  'scram-password-file'?: string;
  'scram-password-secret'?: string;
}

/** The usage line fragment commands can append to their own `usage`. */
export const CONNECTION_USAGE =
  '[--local | --config FILE] [--bootstrap-servers HOST:PORT,...] [--auth iam|scram|plaintext] [--tls|--no-tls] [--ca-file PEM] ' +
  '[--region REGION] [--scram-username NAME (--scram-password-env VAR|--scram-password-file PATH|--scram-password-secret ID[#FIELD])]';

/** The flag that sets each setting, so errors speak the user's language. */
const FLAG_FOR: Record<string, string> = {
  bootstrapServers: '--bootstrap-servers',
  auth: '--auth',
  tls: '--tls/--no-tls',
  caFile: '--ca-file',
  rejectUnauthorized: '--tls-insecure',
  region: '--region',
  clientId: '--client-id',
  'scram.mechanism': '--scram-mechanism',
  'scram.username': '--scram-username',
  'scram.password': '--scram-password-env/-file/-secret',
};

const flagName: SettingNamer = (path) => {
  for (const length of [2, 1]) {
    const key = path.slice(0, length).map(String).join('.');
    if (key in FLAG_FOR) return FLAG_FOR[key];
  }
  return `"${path.map(String).join('.')}"`;
};

/** The settings named on the command line; only flags that were passed contribute. */
export function settingsFromFlags(flags: ConnectionFlags): ConnectionSettings {
  const passwordRefs: SecretRef[] = [];
  if (flags['scram-password-env']) passwordRefs.push({ env: flags['scram-password-env'] });
  if (flags['scram-password-file']) passwordRefs.push({ file: flags['scram-password-file'] });
  if (flags['scram-password-secret']) passwordRefs.push({ secretsManager: flags['scram-password-secret'] });
  if (passwordRefs.length > 1)
    throw new UsageError('--scram-password-env, --scram-password-file and --scram-password-secret: pass only one');
  if (flags.tls && flags['no-tls']) throw new UsageError('--tls and --no-tls: pass only one');
  const scram = {
    mechanism: flags['scram-mechanism']?.toUpperCase(),
    username: flags['scram-username'],
    password: passwordRefs[0],
  };
  const raw = {
    bootstrapServers: flags['bootstrap-servers']?.split(',').map((s) => s.trim()),
    auth: flags.auth,
    tls: flags['no-tls'] ? false : flags.tls,
    caFile: flags['ca-file'],
    rejectUnauthorized: flags['tls-insecure'] ? false : undefined,
    region: flags.region,
    clientId: flags['client-id'],
    scram: Object.values(scram).some((v) => v !== undefined) ? withoutUndefined(scram) : undefined,
  };
  try {
    return checkSettings(withoutUndefined(raw), 'from the command line', flagName);
  } catch (error) {
    // Bad flag values are usage errors (exit 1 with the usage); drop the profile prefix so it reads `--auth: expected …`.
    if (error instanceof ConnectionSettingError)
      throw new UsageError(error.message.replace(/connection profile from the command line: /g, ''));
    throw error;
  }
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * The profile for a command: `--local` (the local broker's admin, port from MSK_GITOPS_BROKER_PORT), or `--config FILE` (a profile file, or a daemon config with a `connection:` section),
 * then the environment, then flags. Errors name the setting and where it came from; bad flag values are usage errors.
 */
export async function profileFromArgs(flags: ConnectionFlags, env: NodeJS.ProcessEnv): Promise<ConnectionProfile> {
  if (flags.local) {
    const others = Object.keys(connectionOptions).filter(
      (key) => key !== 'local' && flags[key as keyof ConnectionFlags] !== undefined,
    );
    if (others.length) throw new UsageError(`--local names the local broker: drop --${others.join(', --')}`);
    const layout = runningLayout();
    if (!layout)
      throw new UserFacingError('--local: the local broker is not running (start it: msk-gitops broker start)');
    return localAdminProfile(layout, env);
  }
  const fromFlags = settingsFromFlags(flags);
  try {
    // Loaded only for --config: the profile file's parser (the `yaml` package) is not needed otherwise.
    const fromFile = flags.config
      ? (await import('../connection/profile-file')).loadConnectionSettingsFile(flags.config)
      : {};
    const merged = mergeSettings(fromFile, settingsFromEnv(env), fromFlags);
    if (!merged.bootstrapServers)
      throw new UsageError(
        'no cluster named: pass --bootstrap-servers, set KAFKA_BOOTSTRAP_SERVERS, or pass --config FILE with "bootstrapServers"',
      );
    const source = flags.config ? `${flags.config} (with environment and flags)` : '(flags and environment)';
    return profileFromSettings(merged, source, flagOrSettingName);
  } catch (error) {
    if (error instanceof ConnectionSettingError) throw new UserFacingError(error.message, { cause: error });
    throw error;
  }
}

/** A merged profile's problems name the flag and the file key: `--region ("region")`. */
const flagOrSettingName: SettingNamer = (path) => {
  const key = `"${path.map(String).join('.')}"`;
  const flag = flagName(path);
  return flag === key ? key : `${key} (${flag})`;
};
