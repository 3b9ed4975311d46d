/**
 * The users store of a self-managed Kafka: SCRAM credentials held by the cluster itself (KIP-554). Listing is one
 * DescribeUserScramCredentials; applying is one AlterUserScramCredentials for every upsertion and deletion.
 * Given the SCRAM side of a reconcile's admin (adminWithScram), it uses the admin's connections; otherwise a
 * connection is opened per call and closed after it, so the store leaves no socket behind in a one-shot CLI.
 */
import type { Kafka } from 'kafkajs';
import type { ChangeResult } from '../apply/results';
import type { ChangeOf, LiveUser, UserSpec } from '../model/schema';
import {
  KafkaScramAdmin,
  kafkaErrorName,
  scramUpsertion,
  type ScramAlterResult,
  type ScramDeletion,
  type ScramUpsertion,
} from './kafka-scram';
import { resolvePassword, type GeneratedPasswords } from './passwords';
import type { UserStore } from './store';
import { AttemptFailed, errorMessage } from '../shared/errors';
import { isRetriableKafkaError, withRetries } from '../shared/retry';

export interface KafkaUserStoreOptions {
  generated: GeneratedPasswords;
  env?: NodeJS.ProcessEnv;
  /** The SCRAM side of an admin (adminWithScram): the store sends on the admin's connections and never closes them. */
  scram?: KafkaScramAdmin;
}

/** Where the store's requests go: the admin's connections, or a KafkaScramAdmin of its own for one call. */
type ScramSource = Kafka | KafkaScramAdmin;

async function withScramAdmin<T>(source: ScramSource, work: (admin: KafkaScramAdmin) => Promise<T>): Promise<T> {
  if (source instanceof KafkaScramAdmin) return work(source);
  const admin = new KafkaScramAdmin(source);
  try {
    return await work(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** REQUEST_TIMED_OUT and NOT_CONTROLLER: the controller moved or was busy; the same request can simply be sent again. */
const RETRIABLE_ERROR_CODES = new Set([7, 41]);
const MAX_ATTEMPTS = 3;

/**
 * One AlterUserScramCredentials, re-sent (at most twice, only for the users that got a retriable answer, or whole
 * when the connection failed) — an upsertion carries its own salt, so sending it again is idempotent.
 */
async function alterWithRetries(
  source: ScramSource,
  deletions: ScramDeletion[],
  upsertions: ScramUpsertion[],
): Promise<ScramAlterResult[]> {
  const settled = new Map<string, ScramAlterResult>();
  const retriable = (error: unknown) =>
    (error instanceof AttemptFailed && error.retriable) || isRetriableKafkaError(error);
  return withRetries({ attempts: MAX_ATTEMPTS, initialMs: 250 }, retriable, async (attempt) => {
    const answers = await withScramAdmin(source, (admin) => admin.alter(deletions, upsertions));
    const again = new Set<string>();
    for (const answer of answers) {
      if (RETRIABLE_ERROR_CODES.has(answer.errorCode) && attempt < MAX_ATTEMPTS) again.add(answer.name);
      else settled.set(answer.name, answer);
    }
    if (again.size === 0) return [...settled.values()];
    deletions = deletions.filter((deletion) => again.has(deletion.name));
    upsertions = upsertions.filter((upsertion) => again.has(upsertion.name));
    // Send it again for the users that got a retriable answer, and only for them.
    throw new AttemptFailed(`retriable answers for ${[...again].join(', ')}`, true);
  });
}

export function createKafkaUserStore(kafka: Kafka, options: KafkaUserStoreOptions): UserStore {
  const env = options.env ?? process.env;
  const source: ScramSource = options.scram ?? kafka;
  return {
    async list(): Promise<LiveUser[] | null> {
      return withScramAdmin(source, async (admin) => {
        if (!(await admin.supported())) return null; // Kafka before 2.7: users are not visible to the reconciler
        const users = await admin.describe(null);
        return users
          .filter((user) => user.errorCode === 0)
          .map((user) => ({ name: user.name, mechanisms: user.credentials.map((c) => c.mechanism) }));
      });
    },

    async apply(changes: ChangeOf<'user'>[], desired: UserSpec[]): Promise<ChangeResult[]> {
      const specs = new Map(desired.map((user) => [user.name, user]));
      const results: ChangeResult[] = [];
      const pending: { change: ChangeOf<'user'>; upsertion?: ScramUpsertion; deletions: ScramDeletion[] }[] = [];

      for (const change of changes) {
        if (change.verdict.status !== 'ok') continue;
        const name = change.resource;
        if (change.action === 'delete') {
          const { mechanisms } = change.before;
          if (mechanisms.length === 0) {
            results.push({ change, ok: false, error: `delete user ${name}: the change names no SCRAM mechanism` });
            continue;
          }
          pending.push({ change, deletions: mechanisms.map((mechanism) => ({ name, mechanism })) });
          continue;
        }
        const spec = specs.get(name);
        if (!spec) {
          results.push({ change, ok: false, error: `${change.action} user ${name}: not in the desired state` });
          continue;
        }
        try {
          const password = await resolvePassword(name, spec.password, options.generated, env);
          pending.push({
            change,
            upsertion: scramUpsertion(name, password, spec.mechanism, spec.iterations),
            deletions: [],
          });
        } catch (error) {
          results.push({ change, ok: false, error: `${change.action} user ${name}: ${errorMessage(error)}` });
        }
      }
      if (pending.length === 0) return results;

      const upsertions = pending.flatMap((p) => (p.upsertion ? [p.upsertion] : []));
      const deletions = pending.flatMap((p) => p.deletions);
      try {
        const answers = await alterWithRetries(source, deletions, upsertions);
        const failures = new Map<string, string>();
        for (const answer of answers) {
          if (answer.errorCode !== 0 && !failures.has(answer.name)) {
            const detail = answer.errorMessage ? ` (${answer.errorMessage})` : '';
            failures.set(answer.name, `${kafkaErrorName(answer.errorCode)}${detail}`);
          }
        }
        for (const { change } of pending) {
          const failure = failures.get(change.resource);
          results.push(
            failure
              ? { change, ok: false, error: `AlterUserScramCredentials ${change.resource}: ${failure}` }
              : { change, ok: true },
          );
        }
      } catch (error) {
        const message = `AlterUserScramCredentials: ${errorMessage(error)}`;
        for (const { change } of pending) results.push({ change, ok: false, error: message });
      }
      return results;
    },
  };
}
