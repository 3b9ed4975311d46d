/**
 * MSK IAM auth tokens for SASL/OAUTHBEARER: AWS's signer presigns a `kafka-cluster:Connect` request with the
 * caller's credentials (default chain: env, SSO/shared profile, the jumper's instance profile), and the broker
 * verifies that signature. The token lives 15 minutes (shorter if the credentials expire first).
 */
import type { generateAuthTokenFromCredentialsProvider } from 'aws-msk-iam-sasl-signer-js';
import { IamTokenError, errorMessage } from '../shared/errors';

/** The AWS SDK's credential provider type, as the signer declares it (no direct dependency on @aws-sdk/types). */
export type CredentialsProvider = Parameters<
  typeof generateAuthTokenFromCredentialsProvider
>[0]['awsCredentialsProvider'];

/** A bearer token and when it stops being valid (ms since the epoch), as the signer returns it. */
export interface BearerToken {
  token: string;
  expiryTime: number;
}

/** Something that mints a fresh token on every call (the signer, or a test's unsecured JWT). */
export type TokenSource = () => Promise<BearerToken>;

/** What kafkajs's `sasl.oauthBearerProvider` must return. */
export type OAuthBearerProvider = () => Promise<{ value: string }>;

/**
 * The signer for one region. `credentials` is for tests (known static keys); in production it stays unset and the
 * default AWS credential chain is used — the signer's own (`getDefaultCredentials`), created once so the SDK's
 * memoization refreshes rotated instance-profile credentials before they expire.
 *
 * The credentials' expiry is kept out of the signer: given credentials that expire within 15 minutes, signer 1.0.3
 * presigns with a fractional `X-Amz-Expires` (e.g. `119.999`), which is not valid SigV4. Signed without it, the URL
 * says 900 s like AWS's Java library; MSK bounds the session by the credentials' real expiry anyway, and the token's
 * `expiryTime` here is capped at that expiry so the cache re-signs before the credentials lapse.
 */
export function mskIamTokenSource(options: { region: string; credentials?: CredentialsProvider }): TokenSource {
  const { region } = options;
  // The signer (and the AWS SDK under it) is loaded on the first token, not by every command; the default chain is
  // created once, so the SDK's credential cache serves every refresh.
  let signer: Promise<{ sign: typeof generateAuthTokenFromCredentialsProvider; credentials: CredentialsProvider }>;
  const loadSigner = () =>
    (signer ??= (async () => {
      const { generateAuthTokenFromCredentialsProvider: sign } = await import('aws-msk-iam-sasl-signer-js');
      if (options.credentials) return { sign, credentials: options.credentials };
      // The signer's default chain (fixed role session name, 3 retries); its index does not re-export it.
      const { getDefaultCredentials } = await import('aws-msk-iam-sasl-signer-js/dist/mskCredentialProvider');
      return { sign, credentials: getDefaultCredentials({ region }) };
    })());
  return async () => {
    let credentialsExpireAt = Number.POSITIVE_INFINITY;
    const withoutExpiry: CredentialsProvider = async () => {
      const { credentials } = await loadSigner();
      const { expiration, ...identity } = await credentials();
      if (expiration) credentialsExpireAt = expiration.getTime();
      return identity;
    };
    try {
      const { sign } = await loadSigner();
      const token = await sign({ region, awsCredentialsProvider: withoutExpiry });
      return { token: token.token, expiryTime: Math.min(token.expiryTime, credentialsExpireAt) };
    } catch (error) {
      // Typically "Could not load credentials from any providers": say which step failed and where to look.
      throw new IamTokenError(
        `MSK IAM auth (region ${region}): cannot sign the auth token: ${errorMessage(error)}. ` +
          'The default AWS credential chain is used: AWS_* env vars, AWS_PROFILE/SSO, or the instance profile.',
      );
    }
  };
}

export interface RefreshOptions {
  /** The clock; injected by tests. */
  now?: () => number;
  /** Refresh when the cached token has less than this left (ms); leaves room for a slow handshake and clock skew. */
  refreshBeforeMs?: number;
}

export const DEFAULT_REFRESH_BEFORE_MS = 60_000;

/**
 * Wraps a token source in kafkajs's provider contract. kafkajs calls the provider on every SASL (re)authentication
 * of every broker connection and leaves caching to us (see its oauthBearer.js): the token is reused until it is within
 * `refreshBeforeMs` of expiry, and concurrent connections share one in-flight signing instead of each signing anew.
 */
export function refreshingOAuthBearerProvider(source: TokenSource, options: RefreshOptions = {}): OAuthBearerProvider {
  const now = options.now ?? Date.now;
  const refreshBeforeMs = options.refreshBeforeMs ?? DEFAULT_REFRESH_BEFORE_MS;
  let cached: BearerToken | undefined;
  let inFlight: Promise<BearerToken> | undefined;
  return async () => {
    if (cached && cached.expiryTime - now() > refreshBeforeMs) return { value: cached.token };
    inFlight ??= source().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return { value: cached.token };
  };
}

/**
 * An unsecured JWT (`alg: none`) as Kafka's OAuthBearerUnsecuredValidatorCallbackHandler accepts it: the local
 * broker's OAUTHBEARER listener uses that validator to stand in for MSK's IAM validation, so tests exercise the same
 * client path (profile → kafkaConfigFor → kafkajs oauthbearer → provider) without AWS. Never valid on MSK.
 */
export function unsecuredJwtSource(
  subject: string,
  options: { lifetimeMs?: number; now?: () => number } = {},
): TokenSource {
  const now = options.now ?? Date.now;
  const lifetimeMs = options.lifetimeMs ?? 15 * 60_000;
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return async () => {
    const issuedAt = now();
    const expiryTime = issuedAt + lifetimeMs;
    const claims = { sub: subject, iat: Math.floor(issuedAt / 1000), exp: Math.floor(expiryTime / 1000) };
    return { token: `${encode({ alg: 'none' })}.${encode(claims)}.`, expiryTime };
  };
}
