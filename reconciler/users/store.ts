/**
 * Where SCRAM users live, behind one interface: the cluster itself on a self-managed Kafka (KIP-554 requests), or
 * `AmazonMSK_*` Secrets Manager secrets associated with the cluster on MSK. The observer calls `list()`, the applier
 * hands `apply()` the user changes of a plan; both report per change and never carry a password.
 */
import * as path from 'node:path';
import type { KafkaClient } from '@aws-sdk/client-kafka';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { Kafka } from 'kafkajs';
import type { ChangeResult } from '../apply/results';
import type { ConnectionProfile } from '../connection/profile';
import type { ChangeOf, LiveUser, PasswordSource, UserSpec } from '../model/schema';
import type { KafkaScramAdmin } from './kafka-scram';
import { createKafkaUserStore } from './kafka-store';
import { clusterNameOfArn, scramSecretName } from './msk-secret-names';
import { DEFAULT_LOCAL_SECRETS_DIR, localGeneratedPasswords } from './passwords';

export type { ChangeResult } from '../apply/results';

export interface UserStore {
  /** The users the cluster has, or null where it does not expose them (then users are neither created nor deleted). */
  list(): Promise<LiveUser[] | null>;
  /** Applies the `user` changes whose verdict is ok, batched; one result per such change. */
  apply(changes: ChangeOf<'user'>[], desired: UserSpec[]): Promise<ChangeResult[]>;
}

export interface UserStoreOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Self-managed Kafka: where generated passwords are kept (default MSK_GITOPS_SECRETS_DIR or .cache/secrets). */
  generatedPasswordsDir?: string;
  /** MSK: clients to use (tests pass mocked ones); default clients for the cluster's region. */
  secretsManager?: SecretsManagerClient;
  mskClient?: KafkaClient;
  /** Self-managed Kafka: the SCRAM side of the reconcile's admin (adminWithScram), to use the admin's connections. */
  scram?: KafkaScramAdmin;
}

/** The directory generated passwords go to on a self-managed Kafka. */
export function generatedPasswordsDir(options: UserStoreOptions = {}): string {
  const env = options.env ?? process.env;
  const dir = options.generatedPasswordsDir ?? env.MSK_GITOPS_SECRETS_DIR ?? DEFAULT_LOCAL_SECRETS_DIR;
  return path.resolve(options.cwd ?? process.cwd(), dir);
}

export function createUserStore(profile: ConnectionProfile, kafka: Kafka, options: UserStoreOptions = {}): UserStore {
  const env = options.env ?? process.env;
  if (profile.msk) {
    const msk = profile.msk;
    const region = profile.region ?? msk.clusterArn.split(':')[3];
    // The AWS SDK is loaded when the store is first used, not by every command that might need it.
    let opened: Promise<UserStore> | null = null;
    const open = () =>
      (opened ??= (async () => {
        const [{ createMskUserStore }, { SecretsManagerClient }, { KafkaClient }] = await Promise.all([
          import('./msk-secrets'),
          import('@aws-sdk/client-secrets-manager'),
          import('@aws-sdk/client-kafka'),
        ]);
        return createMskUserStore({
          clusterArn: msk.clusterArn,
          kmsKeyId: msk.secretsKmsKeyId,
          secretsManager: options.secretsManager ?? new SecretsManagerClient({ region }),
          kafka: options.mskClient ?? new KafkaClient({ region }),
          env,
        });
      })());
    return {
      list: async () => (await open()).list(),
      apply: async (changes, desired) => (await open()).apply(changes, desired),
    };
  }
  return createKafkaUserStore(kafka, {
    generated: localGeneratedPasswords(generatedPasswordsDir(options)),
    env,
    scram: options.scram,
  });
}

/**
 * The password reference `import` writes for a user the cluster already has (a cluster never gives a password
 * back). On MSK the user's password is in its associated secret, so that secret is the reference; elsewhere an
 * environment variable named for the user (`lms-user` → LMS_USER_PASSWORD) that the operator fills.
 */
export function importedPasswordSources(profile: ConnectionProfile): (user: string) => PasswordSource {
  const msk = profile.msk;
  if (msk) return (user) => ({ secretsManager: scramSecretName(clusterNameOfArn(msk.clusterArn), user) });
  const taken = new Map<string, string>();
  return (user) => {
    const base = `${
      user
        .toUpperCase()
        .replace(/[^A-Z0-9]+/g, '_')
        .replace(/^_+|_+$/g, '') || 'USER'
    }_PASSWORD`;
    let name = base;
    for (let n = 2; taken.has(name) && taken.get(name) !== user; n += 1) name = `${base}_${n}`;
    taken.set(name, user);
    return { env: name };
  };
}
