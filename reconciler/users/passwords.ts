/**
 * Where a SCRAM user's password comes from. A manifest never holds one: it names an env variable, a file, a Secrets
 * Manager secret, or asks for a generated one. Values are returned to the store that writes the credential and go
 * nowhere else: errors name the user and the reference, never the value.
 *
 * Generated passwords: on MSK the user's own `AmazonMSK_<name>` secret is where they live (see msk-secrets.ts). On
 * a self-managed Kafka they are kept in a local directory, one 0600 file per user, created once and reused, so the
 * owner of an app reads theirs from there (msk-gitops only ever prints the path).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { resolveSecret } from '../connection/secrets';
import type { PasswordSource } from '../model/schema';
import { errorMessage } from '../shared/errors';

/** Where generated passwords for the local broker go unless configured (`MSK_GITOPS_SECRETS_DIR`). */
export const DEFAULT_LOCAL_SECRETS_DIR = '.cache/secrets';

/** 32 random bytes, base64url: 43 characters, 256 bits, safe in JAAS strings and JSON. */
export function generatePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** Keeps generated passwords: returns the one already kept for a user or keeps a new one first. */
export interface GeneratedPasswords {
  getOrCreate(user: string): Promise<string>;
  /** Where a person finds the user's generated password (a path, a secret name); never the value. */
  locate(user: string): string;
}

/** One 0600 file per user in a 0700 directory; a file that exists is never overwritten. */
export function localGeneratedPasswords(dir: string): GeneratedPasswords {
  const fileOf = (user: string) => path.join(dir, `${encodeURIComponent(user)}.password`);
  return {
    locate: fileOf,
    async getOrCreate(user) {
      const file = fileOf(user);
      await mkdir(dir, { recursive: true, mode: 0o700 });
      try {
        // 'wx' fails when the file exists: a password generated once is kept, even across concurrent runs.
        await writeFile(file, `${generatePassword()}\n`, { flag: 'wx', mode: 0o600 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new Error(`cannot write the generated password file ${file}: ${(error as NodeJS.ErrnoException).code}`);
        }
        if (((await stat(file)).mode & 0o077) !== 0) await chmod(file, 0o600);
      }
      const value = (await readFile(file, 'utf8')).trim();
      if (!value) throw new Error(`generated password file ${file} is empty: delete it to generate a new one`);
      return value;
    },
  };
}

/**
 * A Secrets Manager secret may hold the password itself or MSK's JSON form `{"username": …, "password": …}`.
 */
function passwordFromSecretString(value: string): string {
  if (!value.trimStart().startsWith('{')) return value;
  try {
    const parsed = JSON.parse(value) as { password?: unknown };
    if (typeof parsed.password === 'string') return parsed.password;
  } catch {
    // not JSON after all: the whole string is the password
  }
  return value;
}

/** The password of one user, from its source. Throws errors that name the user and the reference only. */
export async function resolvePassword(
  user: string,
  source: PasswordSource,
  generated: GeneratedPasswords,
  env: NodeJS.ProcessEnv = process.env,
): Promise<string> {
  try {
    let value: string;
    if ('generate' in source) value = await generated.getOrCreate(user);
    else if ('secretsManager' in source) value = passwordFromSecretString(await resolveSecret(source, env));
    else value = await resolveSecret(source, env);
    if (value === '') throw new Error('the password is empty');
    return value;
  } catch (error) {
    throw new Error(`password of user ${user}: ${errorMessage(error)}`, { cause: error });
  }
}
