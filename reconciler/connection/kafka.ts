/** Builds a kafkajs client from a connection profile: the one code path for CLI, daemon and tests. */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type Admin, type KafkaConfig, type Mechanism, type SASLOptions } from 'kafkajs';
import type { ConnectionOptions as TlsOptions } from 'node:tls';
import { mskIamTokenSource, refreshingOAuthBearerProvider, type RefreshOptions, type TokenSource } from './iam-token';
import { oauthBearerMechanism } from './oauthbearer';
import type { ConnectionProfile } from './profile';
import { resolveSecret, type SecretResolutionDeps } from './secrets';
import { UserFacingError, errorMessage } from '../shared/errors';

export interface KafkaConfigOptions {
  /**
   * Replaces the MSK IAM signer for auth "iam" (tests: an unsecured JWT for the local OAUTHBEARER listener). The
   * token still goes through the same refreshing provider and kafkajs mechanism as on MSK.
   */
  tokenProvider?: TokenSource;
  refresh?: RefreshOptions;
  env?: NodeJS.ProcessEnv;
  secrets?: SecretResolutionDeps;
}

/** The TLS part of the kafkajs config: `true` trusts Node's CAs; a caFile replaces them. */
export function sslConfigFor(profile: ConnectionProfile): KafkaConfig['ssl'] {
  if (!profile.tls) return false;
  if (!profile.caFile) return profile.rejectUnauthorized ? true : { rejectUnauthorized: false };
  let ca: Buffer;
  try {
    ca = readFileSync(profile.caFile);
  } catch (error) {
    throw new UserFacingError(
      `connection profile: "caFile" ${profile.caFile}: cannot read (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  }
  const tls: TlsOptions = { ca: [ca], rejectUnauthorized: profile.rejectUnauthorized };
  return tls;
}

export async function saslConfigFor(
  profile: ConnectionProfile,
  options: KafkaConfigOptions = {},
): Promise<SASLOptions | Mechanism | undefined> {
  if (profile.auth === 'plaintext') return undefined;
  if (profile.auth === 'scram') {
    if (!profile.scram)
      throw new UserFacingError('connection profile: auth "scram" needs "scram.username" and "scram.password"');
    let password: string;
    try {
      password = await resolveSecret(profile.scram.password, options.env, options.secrets);
    } catch (error) {
      throw new UserFacingError(`connection profile: "scram.password": ${errorMessage(error)}`, {
        cause: error,
      });
    }
    const { username } = profile.scram;
    return profile.scram.mechanism === 'SCRAM-SHA-512'
      ? { mechanism: 'scram-sha-512', username, password }
      : { mechanism: 'scram-sha-256', username, password };
  }
  if (!profile.region) throw new UserFacingError('connection profile: "region" is required when auth is "iam"');
  const source = options.tokenProvider ?? mskIamTokenSource({ region: profile.region });
  return oauthBearerMechanism(refreshingOAuthBearerProvider(source, options.refresh));
}

export async function kafkaConfigFor(
  profile: ConnectionProfile,
  options: KafkaConfigOptions = {},
): Promise<KafkaConfig> {
  return {
    clientId: profile.clientId,
    brokers: profile.bootstrapServers,
    ssl: sslConfigFor(profile),
    sasl: await saslConfigFor(profile, options),
    logLevel: logLevel.NOTHING,
  };
}

export async function createKafka(profile: ConnectionProfile, options: KafkaConfigOptions = {}): Promise<Kafka> {
  return new Kafka(await kafkaConfigFor(profile, options));
}

/** Who the profile authenticates as, for messages: never a secret. */
export function describeIdentity(profile: ConnectionProfile): string {
  if (profile.auth === 'scram')
    return `${profile.scram?.mechanism ?? 'SCRAM'} user "${profile.scram?.username ?? '?'}"`;
  if (profile.auth === 'iam') return `MSK IAM (OAUTHBEARER, region ${profile.region ?? '?'})`;
  return 'no authentication (plaintext)';
}

/**
 * Turns a kafkajs connection failure into one sentence that says what failed and what to check; kafkajs's own
 * messages name neither the identity nor the setting. Passwords and tokens are never part of these messages.
 */
export function explainConnectionError(error: unknown, profile: ConnectionProfile): UserFacingError {
  if (error instanceof UserFacingError) return error;
  const name = (error as { name?: string }).name ?? '';
  const message = errorMessage(error);
  const where = profile.bootstrapServers.join(',');
  if (name === 'KafkaJSSASLAuthenticationError') {
    const hint =
      profile.auth === 'scram'
        ? 'check the username and the password reference (--scram-password-env/-file/-secret)'
        : profile.auth === 'iam'
          ? 'check that the AWS identity is allowed kafka-cluster:Connect on this cluster and that the region matches'
          : 'the listener expects SASL: set --auth';
    return new UserFacingError(
      `authentication failed at ${where} as ${describeIdentity(profile)}: ${message}; ${hint}`,
    );
  }
  if (
    /ECONNREFUSED|ENOTFOUND|ETIMEDOUT|Connection timeout|Connection error/i.test(message) ||
    name === 'KafkaJSConnectionError'
  )
    return new UserFacingError(
      `cannot reach ${where} (${message}): check --bootstrap-servers, the security group, and that TLS ` +
        `(${profile.tls ? 'on' : 'off'}) matches the listener's port (MSK: IAM 9098, SCRAM 9096, TLS 9094; +100 for public access)`,
    );
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message))
    return new UserFacingError(`TLS handshake with ${where} failed: ${message}; check --ca-file`);
  return new UserFacingError(`cannot connect to ${where} as ${describeIdentity(profile)}: ${message}`);
}

/** A connected admin client, or a UserFacingError that explains why not. Callers disconnect it. */
export async function connectAdmin(profile: ConnectionProfile, options: KafkaConfigOptions = {}): Promise<Admin> {
  return (await connectBuilt(profile, options, (kafka) => ({ admin: kafka.admin() }))).admin;
}

/** An admin built by `build` (e.g. adminWithScram) on the profile's client, connected, or a user-facing error. */
export async function connectBuilt<T extends { admin: Admin }>(
  profile: ConnectionProfile,
  options: KafkaConfigOptions,
  build: (kafka: Kafka) => T,
): Promise<T> {
  const built = build(await createKafka(profile, options));
  try {
    await built.admin.connect();
    return built;
  } catch (error) {
    await built.admin.disconnect().catch(() => undefined);
    throw explainConnectionError(error, profile);
  }
}
