/**
 * The connection profile: how the reconciler reaches a cluster. One zod schema for flags, env and config file.
 * (Foundation version: plaintext and SCRAM. The IAM/TLS profile extends this schema; see issue 5.)
 */
import { z } from 'zod';

export const SecretRefSchema = z.union([
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
  z.object({ secretsManager: z.string().min(1) }).strict(),
]);
export type SecretRef = z.infer<typeof SecretRefSchema>;

export const ConnectionProfileSchema = z
  .object({
    bootstrapServers: z.array(z.string().regex(/^[^\s:,]+:\d+$/, 'expected host:port')).min(1),
    auth: z.enum(['iam', 'scram', 'plaintext']),
    tls: z.boolean().default(false),
    clientId: z.string().default('msk-gitops'),
    scram: z
      .object({
        mechanism: z.enum(['SCRAM-SHA-512', 'SCRAM-SHA-256']).default('SCRAM-SHA-512'),
        username: z.string().min(1),
        password: SecretRefSchema,
      })
      .strict()
      .optional(),
    /** Set when the cluster is AWS MSK: users then live as AmazonMSK_* secrets associated with this cluster. */
    msk: z
      .object({
        clusterArn: z.string().regex(/^arn:aws[a-z-]*:kafka:/, 'expected an MSK cluster ARN'),
        /** The customer-managed KMS key for the AmazonMSK_* secrets (MSK refuses the default key). */
        secretsKmsKeyId: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type ConnectionProfile = z.infer<typeof ConnectionProfileSchema>;

/**
 * The profile named by the environment, for users who bring their own broker (and for the tests):
 * KAFKA_BOOTSTRAP_SERVERS, KAFKA_SASL_MECHANISM (SCRAM-SHA-512 | SCRAM-SHA-256 | PLAIN-less: none), KAFKA_SASL_USERNAME,
 * KAFKA_SASL_PASSWORD (read through the env reference, never copied into the profile).
 */
export function profileFromEnv(env: NodeJS.ProcessEnv = process.env): ConnectionProfile | undefined {
  const servers = env.KAFKA_BOOTSTRAP_SERVERS;
  if (!servers) return undefined;
  const mechanism = (env.KAFKA_SASL_MECHANISM ?? 'SCRAM-SHA-512').toUpperCase();
  const base = { bootstrapServers: servers.split(',').map((s) => s.trim()), tls: env.KAFKA_TLS === 'true' };
  if (mechanism === 'NONE' || mechanism === '') return ConnectionProfileSchema.parse({ ...base, auth: 'plaintext' });
  return ConnectionProfileSchema.parse({
    ...base,
    auth: 'scram',
    scram: { mechanism, username: env.KAFKA_SASL_USERNAME ?? '', password: { env: 'KAFKA_SASL_PASSWORD' } },
  });
}
