/**
 * Resolves a secret reference (env var, file, or Secrets Manager) to its value. The value is returned to the caller
 * and never logged; errors name the reference, never the value.
 *
 * A Secrets Manager secret that holds JSON (MSK's AmazonMSK_* SCRAM secrets hold `{"username","password"}`) is read
 * field by field: `{secretsManager: "AmazonMSK_app", field: "password"}` or the shorthand
 * `{secretsManager: "AmazonMSK_app#password"}`. `#` cannot occur in a secret name or ARN, so the shorthand is
 * unambiguous. Without a field the whole SecretString is the value.
 */
import { readFile } from 'node:fs/promises';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretRef } from './profile';
import { SecretResolutionError, errorMessage } from '../shared/errors';

export interface SecretResolutionDeps {
  /** Injected in tests (aws-sdk-client-mock); by default one client per region, using the default credential chain. */
  secretsManager?: Pick<SecretsManagerClient, 'send'>;
}

/** Splits `id#field` (or `{secretsManager, field}`) into the secret id and the JSON field to read, if any. */
export function secretsManagerTarget(ref: { secretsManager: string; field?: string }): { id: string; field?: string } {
  const hash = ref.secretsManager.indexOf('#');
  if (hash === -1) return { id: ref.secretsManager, field: ref.field };
  const id = ref.secretsManager.slice(0, hash);
  const field = ref.secretsManager.slice(hash + 1);
  if (!id || !field) throw new SecretResolutionError(`secret "${ref.secretsManager}": expected "ID#FIELD"`);
  if (ref.field && ref.field !== field)
    throw new SecretResolutionError(
      `secret "${ref.secretsManager}": names field "${field}" and also "field: ${ref.field}"`,
    );
  return { id, field };
}

/** How a reference reads in a message: `env KAFKA_SASL_PASSWORD`, `file /run/pw`, `secret AmazonMSK_app#password`. */
export function describeSecretRef(ref: SecretRef): string {
  if ('env' in ref) return `environment variable ${ref.env}`;
  if ('file' in ref) return `file ${ref.file}`;
  const { id, field } = secretsManagerTarget(ref);
  return `Secrets Manager secret ${id}${field ? ` (field "${field}")` : ''}`;
}

/** An ARN carries its region; a bare name uses the default chain's region (AWS_REGION, the instance's region). */
function regionOfArn(id: string): string | undefined {
  return /^arn:aws[a-z-]*:secretsmanager:([a-z0-9-]+):/.exec(id)?.[1];
}

export async function resolveSecret(
  ref: SecretRef,
  env: NodeJS.ProcessEnv = process.env,
  deps: SecretResolutionDeps = {},
): Promise<string> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '')
      throw new SecretResolutionError(`environment variable ${ref.env} is not set`);
    return value;
  }
  if ('file' in ref) {
    try {
      return (await readFile(ref.file, 'utf8')).trim();
    } catch (error) {
      throw new SecretResolutionError(
        `cannot read secret file ${ref.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`,
      );
    }
  }
  const { id, field } = secretsManagerTarget(ref);
  // Loaded here: the AWS SDK only for a password kept in Secrets Manager, not for every connection.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = deps.secretsManager ?? new SecretsManagerClient({ region: regionOfArn(id) });
  let secretString: string | undefined;
  try {
    secretString = (await client.send(new GetSecretValueCommand({ SecretId: id }))).SecretString;
  } catch (error) {
    // The SDK's message names the secret and the missing permission; it never contains the secret's value.
    const name = (error as { name?: string }).name ?? 'Error';
    throw new SecretResolutionError(`Secrets Manager secret ${id}: ${name}: ${errorMessage(error)}`);
  }
  if (secretString === undefined || secretString === '')
    throw new SecretResolutionError(
      `Secrets Manager secret ${id} has no SecretString (binary secrets are not supported)`,
    );
  if (!field) return secretString;
  let parsed: unknown;
  try {
    parsed = JSON.parse(secretString);
  } catch {
    throw new SecretResolutionError(`Secrets Manager secret ${id} is not JSON, so it has no field "${field}"`);
  }
  const value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[field] : undefined;
  if (typeof value !== 'string' || value === '')
    throw new SecretResolutionError(`Secrets Manager secret ${id} has no string field "${field}"`);
  return value;
}
