/**
 * SASL/OAUTHBEARER (RFC 7628) for kafkajs, as a custom authentication provider for the `OAUTHBEARER` mechanism.
 *
 * Why not kafkajs 2.2.4's built-in: it sends the token and ignores the server's reply. A Kafka broker that rejects an
 * OAUTHBEARER token does not answer with an error code; it answers with an error *challenge*
 * (`{"status":"invalid_token"}`) and waits for the client's %x01 before failing. kafkajs takes that challenge for
 * success, the broker then drops the connection, and the user sees "No brokers in the broker pool" or "Connection
 * closed" instead of "your token was refused". This provider reads the reply and fails authentication with the
 * server's status. The wire format of the client's message is the same as kafkajs's (`n,,^Aauth=Bearer T^A^A`).
 */
import { KafkaJSSASLAuthenticationError, type Mechanism } from 'kafkajs';
import type { OAuthBearerProvider } from './iam-token';
import { errorMessage } from '../shared/errors';

const SOH = '\u0001';

// kafkajs's typings declare this error's constructor without the message its JavaScript takes.
const SaslAuthenticationError = KafkaJSSASLAuthenticationError as unknown as new (message: string) => Error;

/** The GS2 client-first message, length-prefixed as the SaslAuthenticate request's BYTES field expects it. */
export function oauthBearerClientMessage(token: string): Buffer {
  const message = Buffer.from(`n,,${SOH}auth=Bearer ${token}${SOH}${SOH}`, 'utf8');
  const length = Buffer.alloc(4);
  length.writeInt32BE(message.length);
  return Buffer.concat([length, message]);
}

/** The BYTES field of the reply: an int32 length, then the bytes (-1: null). */
export function lengthPrefixedBytes(raw: Buffer): Buffer {
  if (raw.length < 4) return raw;
  const length = raw.readInt32BE(0);
  return length <= 0 ? Buffer.alloc(0) : raw.subarray(4, 4 + length);
}

/** What the server's error challenge says, shortened; it never contains the token. */
export function describeServerChallenge(challenge: Buffer): string {
  const text = challenge.toString('utf8');
  try {
    const parsed = JSON.parse(text) as { status?: unknown; scope?: unknown };
    if (typeof parsed.status === 'string') return `the broker refused the token (status "${parsed.status}")`;
  } catch {
    // not JSON: fall through to the raw (printable, truncated) text
  }
  return `the broker refused the token (${text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200)})`;
}

export function oauthBearerMechanism(
  provider: OAuthBearerProvider,
): Mechanism & { oauthBearerProvider: OAuthBearerProvider } {
  return {
    mechanism: 'oauthbearer',
    // Kept for callers that inspect the config; kafkajs uses authenticationProvider when it is present.
    oauthBearerProvider: provider,
    authenticationProvider: ({ host, port, logger, saslAuthenticate }) => ({
      authenticate: async () => {
        const { value } = await provider();
        if (!value) throw new SaslAuthenticationError('SASL OAUTHBEARER: the token provider returned no token');
        try {
          await saslAuthenticate({
            request: { encode: () => oauthBearerClientMessage(value) },
            response: {
              decode: (raw: Buffer) => lengthPrefixedBytes(raw),
              parse: (reply: Buffer) => {
                // Success is an empty server-final message; anything else is RFC 7628's error challenge.
                if (reply.length > 0) throw new Error(describeServerChallenge(reply));
              },
            },
          });
          logger.debug('SASL OAUTHBEARER authentication successful', { broker: `${host}:${port}` });
        } catch (error) {
          throw new SaslAuthenticationError(`SASL OAUTHBEARER authentication failed: ${errorMessage(error)}`);
        }
      },
    }),
  };
}
