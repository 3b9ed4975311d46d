/**
 * The users store of AWS MSK: a SCRAM user is a Secrets Manager secret named `AmazonMSK_<cluster>_<name>`
 * (msk-secret-names.ts: MSK requires the prefix, the cluster's name keeps two stacks in one account apart) holding
 * `{"username": name, "password": …}`, encrypted with a customer-managed KMS key (MSK refuses the default key),
 * tagged with the stack's name and associated with the cluster. The reconciler owns the secrets and their
 * association, so adding a user is a pull request, not a `cdktf deploy`.
 *
 * Round trips: listing is ListScramSecrets (paginated); applying is one paginated ListSecrets for this cluster's
 * secrets, one CreateSecret or PutSecretValue per user whose value must be written (Secrets Manager has no batch
 * write; a secret of ours scheduled for deletion is restored first), then one BatchAssociateScramSecret and one
 * BatchDisassociateScramSecret for all users (in chunks of MAX_SECRETS_PER_CALL). A password never reaches an error:
 * AWS errors are reported by name and message, and those describe the request, not the secret value.
 */
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  ListSecretsCommand,
  PutSecretValueCommand,
  RestoreSecretCommand,
  type SecretListEntry,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import {
  BatchAssociateScramSecretCommand,
  BatchDisassociateScramSecretCommand,
  ListScramSecretsCommand,
  type KafkaClient,
  type UnprocessedScramSecret,
} from '@aws-sdk/client-kafka';
import type { ChangeResult } from '../apply/results';
import type { ChangeOf, LiveUser, UserSpec } from '../model/schema';
import { generatePassword, resolvePassword, type GeneratedPasswords } from './passwords';
import {
  clusterNameOfArn,
  OWNER_TAG,
  scramSecretName,
  scramSecretPrefix,
  scramSecretTags,
  STACK_TAG_KEY,
  userOfScramSecret,
} from './msk-secret-names';
import type { UserStore } from './store';
import { errorMessage } from '../shared/errors';
import { chunks } from '../shared/chunks';
/**
 * Secrets per BatchAssociate/BatchDisassociate call. The API reference states no limit; we chunk defensively so a
 * large first run cannot hit an undocumented one. Each chunk is one call whatever the number of users in it.
 */
export const MAX_SECRETS_PER_CALL = 10;
/** A deleted user's secret can be restored for this many days (Secrets Manager's minimum is 7). */
export const SECRET_RECOVERY_WINDOW_DAYS = 7;

export interface MskUserStoreOptions {
  clusterArn: string;
  /** Customer-managed KMS key for new secrets. */
  kmsKeyId: string;
  secretsManager: SecretsManagerClient;
  kafka: KafkaClient;
  env?: NodeJS.ProcessEnv;
}

function hasTag(entry: SecretListEntry, key: string, value: string): boolean {
  return (entry.Tags ?? []).some((tag) => tag.Key === key && tag.Value === value);
}

function awsError(step: string, error: unknown): string {
  const e = error as { name?: string; message?: string };
  return `${step}: ${e.name ?? 'Error'}${e.message ? `: ${e.message}` : ''}`;
}

/** Runs one AWS call; a failure becomes an error that names the step. */
async function awsStep<T>(step: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(awsError(step, error));
  }
}

function unprocessedMessage(step: string, item: UnprocessedScramSecret): string {
  return `${step}: ${item.ErrorCode ?? 'error'}${item.ErrorMessage ? `: ${item.ErrorMessage}` : ''}`;
}

export function createMskUserStore(options: MskUserStoreOptions): UserStore {
  const { clusterArn, kmsKeyId, secretsManager, kafka } = options;
  const env = options.env ?? process.env;
  const cluster = clusterNameOfArn(clusterArn);
  const secretNameOf = (user: string) => scramSecretName(cluster, user);
  /** On MSK a generated password lives in the user's own secret; there is nothing to keep elsewhere. */
  const NO_LOCAL_GENERATION: GeneratedPasswords = {
    getOrCreate: async () => generatePassword(),
    locate: secretNameOf,
  };
  const ours = (entry: SecretListEntry) => hasTag(entry, STACK_TAG_KEY, cluster);
  const owned = (entry: SecretListEntry) => ours(entry) && hasTag(entry, OWNER_TAG.Key, OWNER_TAG.Value);

  async function listMskSecrets(): Promise<Map<string, SecretListEntry>> {
    const byName = new Map<string, SecretListEntry>();
    let NextToken: string | undefined;
    do {
      const page = await secretsManager.send(
        new ListSecretsCommand({
          Filters: [{ Key: 'name', Values: [scramSecretPrefix(cluster)] }],
          IncludePlannedDeletion: true,
          NextToken,
        }),
      );
      for (const entry of page.SecretList ?? []) if (entry.Name) byName.set(entry.Name, entry);
      NextToken = page.NextToken;
    } while (NextToken);
    return byName;
  }

  /** Creates or updates the user's secret; resolves to its ARN. */
  async function writeSecret(spec: UserSpec, existing: SecretListEntry | undefined): Promise<string> {
    const name = secretNameOf(spec.name);
    const secretString = (password: string) => JSON.stringify({ username: spec.name, password });
    if (existing?.ARN) {
      const secretArn = existing.ARN;
      if (!ours(existing)) {
        // The jumper's role may only touch secrets tagged with its stack's name (the grant's condition).
        throw new Error(
          `secret ${name} exists without the tag ${STACK_TAG_KEY}=${cluster}, so this stack may not write it: ` +
            'tag it, or delete it and let the reconciler create it',
        );
      }
      if (!existing.KmsKeyId) {
        throw new Error(`secret ${name} uses the default KMS key, which MSK refuses: re-create it with ${kmsKeyId}`);
      }
      if (existing.DeletedDate) {
        if (!owned(existing)) {
          throw new Error(
            `secret ${name} is scheduled for deletion and was not created by msk-gitops: restore it ` +
              '(aws secretsmanager restore-secret) first',
          );
        }
        // A user deleted and declared again within the recovery window gets its secret (and its password) back.
        await awsStep(`RestoreSecret ${name}`, () =>
          secretsManager.send(new RestoreSecretCommand({ SecretId: secretArn })),
        );
      }
      // A generated password is generated once: the value already in the secret is the user's password.
      if ('generate' in spec.password) return secretArn;
      const password = await resolvePassword(spec.name, spec.password, NO_LOCAL_GENERATION, env);
      const current = await awsStep(`GetSecretValue ${name}`, () =>
        secretsManager.send(new GetSecretValueCommand({ SecretId: secretArn })),
      );
      let same = false;
      try {
        const parsed = JSON.parse(current.SecretString ?? '{}') as { username?: unknown; password?: unknown };
        same = parsed.username === spec.name && parsed.password === password;
      } catch {
        same = false; // not our JSON: overwrite with the right shape
      }
      if (!same) {
        await awsStep(`PutSecretValue ${name}`, () =>
          secretsManager.send(new PutSecretValueCommand({ SecretId: secretArn, SecretString: secretString(password) })),
        );
      }
      return secretArn;
    }
    const password =
      'generate' in spec.password
        ? generatePassword()
        : await resolvePassword(spec.name, spec.password, NO_LOCAL_GENERATION, env);
    const created = await awsStep(`CreateSecret ${name}`, () =>
      secretsManager.send(
        new CreateSecretCommand({
          Name: name,
          Description: `SCRAM credentials of Kafka user ${spec.name} (managed by msk-gitops)`,
          KmsKeyId: kmsKeyId,
          SecretString: secretString(password),
          Tags: scramSecretTags(cluster),
        }),
      ),
    );
    if (!created.ARN) throw new Error(`CreateSecret ${name}: no ARN in the answer`);
    return created.ARN;
  }

  /** Runs one batch operation per chunk; resolves to an error message per failed ARN. */
  async function batch(
    step: 'BatchAssociateScramSecret' | 'BatchDisassociateScramSecret',
    arns: string[],
  ): Promise<Map<string, string>> {
    const failed = new Map<string, string>();
    for (const chunk of chunks(arns, MAX_SECRETS_PER_CALL)) {
      try {
        const input = { ClusterArn: clusterArn, SecretArnList: chunk };
        const answer =
          step === 'BatchAssociateScramSecret'
            ? await kafka.send(new BatchAssociateScramSecretCommand(input))
            : await kafka.send(new BatchDisassociateScramSecretCommand(input));
        for (const item of answer.UnprocessedScramSecrets ?? []) {
          if (item.SecretArn) failed.set(item.SecretArn, unprocessedMessage(step, item));
        }
      } catch (error) {
        for (const arn of chunk) failed.set(arn, awsError(step, error));
      }
    }
    return failed;
  }

  return {
    async list(): Promise<LiveUser[] | null> {
      const users: LiveUser[] = [];
      let NextToken: string | undefined;
      do {
        const page = await kafka.send(new ListScramSecretsCommand({ ClusterArn: clusterArn, NextToken }));
        for (const arn of page.SecretArnList ?? []) {
          // Another cluster's secret, or one not named by msk-gitops, is not a user of this cluster's manifests.
          const name = userOfScramSecret(cluster, arn);
          // MSK authenticates with SCRAM-SHA-512 only.
          if (name !== undefined) users.push({ name, mechanisms: ['SCRAM-SHA-512'] });
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return users;
    },

    async apply(changes: ChangeOf<'user'>[], desired: UserSpec[]): Promise<ChangeResult[]> {
      const mine = changes.filter((change) => change.verdict.status === 'ok');
      if (mine.length === 0) return [];
      const specs = new Map(desired.map((user) => [user.name, user]));
      const results: ChangeResult[] = [];
      let secrets: Map<string, SecretListEntry>;
      try {
        secrets = await listMskSecrets();
      } catch (error) {
        const message = awsError('ListSecrets', error);
        return mine.map((change) => ({ change, ok: false, error: message }));
      }

      const toAssociate: { change: ChangeOf<'user'>; arn: string }[] = [];
      const toDisassociate: { change: ChangeOf<'user'>; arn: string; deletable: boolean }[] = [];
      for (const change of mine) {
        const name = change.resource;
        const secret = secrets.get(secretNameOf(name));
        if (change.action === 'delete') {
          if (!secret?.ARN) {
            results.push({ change, ok: false, error: `delete user ${name}: no secret ${secretNameOf(name)}` });
            continue;
          }
          toDisassociate.push({ change, arn: secret.ARN, deletable: owned(secret) });
          continue;
        }
        const spec = specs.get(name);
        if (!spec) {
          results.push({ change, ok: false, error: `${change.action} user ${name}: not in the desired state` });
          continue;
        }
        if (spec.mechanism !== 'SCRAM-SHA-512') {
          results.push({ change, ok: false, error: `${change.action} user ${name}: MSK supports SCRAM-SHA-512 only` });
          continue;
        }
        try {
          toAssociate.push({ change, arn: await writeSecret(spec, secret) });
        } catch (error) {
          results.push({ change, ok: false, error: `${change.action} user ${name}: ${errorMessage(error)}` });
        }
      }

      const associateFailures = await batch(
        'BatchAssociateScramSecret',
        toAssociate.map((item) => item.arn),
      );
      for (const { change, arn } of toAssociate) {
        const failure = associateFailures.get(arn);
        results.push(
          failure
            ? { change, ok: false, error: `${change.action} user ${change.resource}: ${failure}` }
            : { change, ok: true },
        );
      }

      const disassociateFailures = await batch(
        'BatchDisassociateScramSecret',
        toDisassociate.map((item) => item.arn),
      );
      for (const { change, arn, deletable } of toDisassociate) {
        const failure = disassociateFailures.get(arn);
        if (failure) {
          results.push({ change, ok: false, error: `delete user ${change.resource}: ${failure}` });
          continue;
        }
        // A secret someone else created (no owner tag) is only disassociated, never deleted.
        if (deletable) {
          try {
            await secretsManager.send(
              new DeleteSecretCommand({ SecretId: arn, RecoveryWindowInDays: SECRET_RECOVERY_WINDOW_DAYS }),
            );
          } catch (error) {
            results.push({
              change,
              ok: false,
              error: `delete user ${change.resource}: ${awsError('DeleteSecret', error)}`,
            });
            continue;
          }
        }
        results.push({ change, ok: true });
      }
      return results;
    },
  };
}
