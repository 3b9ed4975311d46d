/**
 * Resolves a secret reference (env var, file, or Secrets Manager) to its value. The value is returned to the caller
 * and never logged; errors name the reference, never the value.
 * (Foundation version: env and file. Secrets Manager is wired by the connection work, issue 5.)
 */
import { readFile } from 'node:fs/promises';
import type { SecretRef } from './profile';

export async function resolveSecret(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new Error(`environment variable ${ref.env} is not set`);
    return value;
  }
  if ('file' in ref) {
    try {
      return (await readFile(ref.file, 'utf8')).trim();
    } catch (error) {
      throw new Error(`cannot read secret file ${ref.file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
    }
  }
  throw new Error(`secret ${ref.secretsManager}: Secrets Manager is not wired in this build`);
}
