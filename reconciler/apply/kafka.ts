/**
 * Applies the `ok` changes of a plan with one request per kind of change: createAcls in bounded batches (see
 * CREATE_ACLS_PER_REQUEST), the users store's batch, deleteAcls in bounded batches, then createTopics with every new
 * topic, createPartitions with every growth, one alterPartitionReassignments, one alterConfigs, one deleteTopics;
 * retrying a step on retriable Kafka errors. A failing step marks its own changes failed and the next steps still run.
 *
 * Topic configs: kafkajs has no IncrementalAlterConfigs, and AlterConfigs REPLACES every dynamic override of a
 * topic. So the config step first reads the current overrides of the affected topics (one DescribeConfigs, fresh,
 * not the possibly stale plan-time view) and sends each topic's full set: the overrides it has, with the planned
 * keys set to their new values. Overrides the manifests do not declare are thus kept as they are.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigResourceTypes, type Admin, type ITopicConfig } from 'kafkajs';
import type { Change, ChangeOf, Plan, ResourceKind } from '../model/schema';
import { encodeAcl, exactAclFilter } from '../observe/acl-codec';
import { describeTopicOverrides } from '../observe/kafka';
import { quotaEntityKey } from '../model/keys';
import { QUOTA_KEYS } from '../model/schema';
import type { ChangeResult, QuotaAlteration, QuotaChangeApplier, UserChangeApplier } from './results';
import { PlanRefusedError } from '../shared/errors';
import { isRetriableKafkaError, withRetries } from '../shared/retry';
import { chunks } from '../shared/chunks';

export interface ApplyOptions {
  onProgress?: (event: { step: string; message: string }) => void;
  /** Attempts per step when Kafka answers with a retriable error. */
  attempts?: number;
  /** Broker-side timeout for topic creation and deletion, ms. */
  timeoutMs?: number;
  /** How long to wait for replicas to catch up after a reassignment, ms. */
  reassignmentWaitMs?: number;
  /** Where quota changes go (KafkaQuotasAdmin on the admin's connections); without it they fail, named. */
  quotas?: QuotaChangeApplier | null;
}

/** What AlterClientQuotas must do for one change: set what differs, remove what the change drops. */
export function quotaAlteration(change: ChangeOf<'quota'>): QuotaAlteration {
  const before = change.before ?? {};
  const after = change.after ?? {};
  const set: QuotaAlteration['set'] = {};
  for (const key of QUOTA_KEYS) if (after[key] !== undefined && after[key] !== before[key]) set[key] = after[key];
  const remove = QUOTA_KEYS.filter((key) => before[key] !== undefined && after[key] === undefined);
  return { entity: change.entity, set, remove };
}

/**
 * A reassignment is accepted at once and completes when the new replicas have caught up. Waiting here (one
 * ListPartitionReassignments every half second, bounded by time) lets the verification see the final layout.
 */
async function awaitReassignments(
  admin: Admin,
  topics: { topic: string; partitionAssignment: { partition: number }[] }[],
  waitMs: number,
): Promise<void> {
  const deadline = Date.now() + waitMs;
  const query = topics.map(({ topic, partitionAssignment }) => ({
    topic,
    partitions: partitionAssignment.map(({ partition }) => partition),
  }));
  for (;;) {
    const ongoing = (await admin.listPartitionReassignments({ topics: query })).topics.filter(
      (t) => t.partitions.length > 0,
    );
    if (ongoing.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(
        `reassignment of ${ongoing.map((t) => t.topic).join(', ')} still in progress after ${Math.round(waitMs / 1000)} s; it continues in the background (kafka-reassign-partitions --verify)`,
      );
    }
    await sleep(500);
  }
}

/**
 * ACL batches are bounded (measured with `npm run bench` on Kafka 3.9 KRaft): the controller refuses more than
 * 10,000 bindings in one CreateAcls and its cost grows faster than the batch (10,000 at once: 2.0 s; 10 × 1,000:
 * 0.3 s); each exact DeleteAcls filter costs it a scan of all ACLs (1,000 filters: 4 s, and a request that outlives
 * the client timeout can fence a broker). So one request per kind of change, per this many bindings.
 */
export const CREATE_ACLS_PER_REQUEST = 1000;
export const DELETE_ACL_FILTERS_PER_REQUEST = 100;

/** The `ok` changes of one kind and action, typed as exactly that member of the union. */
function changesOf<K extends ResourceKind, A extends ChangeOf<K>['action']>(
  changes: readonly Change[],
  kind: K,
  action: A,
): Extract<ChangeOf<K>, { action: A }>[] {
  return changes.filter(
    (change): change is Extract<ChangeOf<K>, { action: A }> => change.kind === kind && change.action === action,
  );
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const nested = (error as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) return nested.map(messageOf).join('; ');
    return error.message;
  }
  return String(error);
}

/** Runs one batched step; its changes all succeed, or all fail naming the step (per-topic errors when Kafka gives them). */
async function step(
  name: string,
  changes: Change[],
  attempts: number,
  action: () => Promise<Map<string, string> | void>,
): Promise<ChangeResult[]> {
  if (changes.length === 0) return [];
  try {
    const perResourceErrors = await withRetries({ attempts, initialMs: 200 }, isRetriableKafkaError, action);
    return changes.map((change) => {
      const error = perResourceErrors?.get(change.id);
      return error ? { change, ok: false, error: `${name}: ${error}` } : { change, ok: true };
    });
  } catch (error) {
    return changes.map((change) => ({ change, ok: false, error: `${name}: ${messageOf(error)}` }));
  }
}

/** createTopics fails per topic; kafkajs reports them as an aggregate of errors that name their topic. */
function createTopicErrors(error: unknown): Map<string, string> | null {
  const nested = (error as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(nested)) return null;
  const byTopic = new Map<string, string>();
  for (const item of nested as Array<{ topic?: unknown; message?: unknown }>) {
    if (typeof item.topic !== 'string') return null;
    byTopic.set(`topic:${item.topic}`, String(item.message));
  }
  return byTopic;
}

export async function applyPlan(
  admin: Admin,
  plan: Plan,
  users: UserChangeApplier | null,
  options: ApplyOptions = {},
): Promise<ChangeResult[]> {
  if (plan.refused) throw new PlanRefusedError(`plan refused: ${plan.refused.reason}`);
  const attempts = options.attempts ?? 3;
  const timeout = options.timeoutMs ?? 30000;
  const progress = (stepName: string, message: string): void => options.onProgress?.({ step: stepName, message });
  const ok = plan.changes.filter((change) => change.verdict.status === 'ok');
  const results: ChangeResult[] = [];

  // ACLs and users before topics: a KRaft broker applies the metadata log in order, and one that is creating the
  // partition logs of a thousand new topics shows records written after them only when it is done (measured at
  // 10,000 bindings and 1,000 topics on a loaded two-broker cluster: ACLs written after the topics reached both
  // brokers 18 s later, written first 2 s). A binding needs no topic to exist, and one that exists before its topic
  // leaves no moment when the topic is there without it.
  const newAcls = changesOf(ok, 'acl', 'create');
  if (newAcls.length) progress('createAcls', `creating ${newAcls.length} ACL(s)`);
  for (const batch of chunks(newAcls, CREATE_ACLS_PER_REQUEST)) {
    results.push(
      ...(await step('createAcls', batch, attempts, async () => {
        await admin.createAcls({ acl: batch.map((change) => encodeAcl(change.after)) });
      })),
    );
  }

  const userChanges = ok.filter((change): change is ChangeOf<'user'> => change.kind === 'user');
  if (userChanges.length) {
    progress('users', `applying ${userChanges.length} user change(s)`);
    if (!users) {
      results.push(
        ...userChanges.map((change) => ({ change, ok: false, error: 'users: no user store for this cluster' })),
      );
    } else {
      try {
        results.push(...(await users.apply(userChanges)));
      } catch (error) {
        results.push(...userChanges.map((change) => ({ change, ok: false, error: `users: ${messageOf(error)}` })));
      }
    }
  }

  const staleAcls = changesOf(ok, 'acl', 'delete');
  if (staleAcls.length) progress('deleteAcls', `deleting ${staleAcls.length} ACL(s)`);
  for (const batch of chunks(staleAcls, DELETE_ACL_FILTERS_PER_REQUEST)) {
    // Not retried: a timed-out DeleteAcls may still be running on the controller; the verification re-reads instead.
    results.push(
      ...(await step('deleteAcls', batch, 1, async () => {
        await admin.deleteAcls({ filters: batch.map((change) => exactAclFilter(change.before)) });
      })),
    );
  }

  // Quotas too: metadata records that need no topic.
  const quotaChanges = ok.filter((change): change is ChangeOf<'quota'> => change.kind === 'quota');
  if (quotaChanges.length) progress('alterClientQuotas', `changing ${quotaChanges.length} client quota(s)`);
  results.push(
    ...(await step('alterClientQuotas', quotaChanges, attempts, async () => {
      if (!options.quotas) throw new Error('client quotas cannot be changed on this connection');
      const answers = await options.quotas.applyAlterations(quotaChanges.map(quotaAlteration));
      const failed = new Map<string, string>();
      for (const { entity, error } of answers) {
        if (error === null) continue;
        // An answer that names no entity the model knows fails every change: nothing tells which one it was.
        if (!entity) return new Map(quotaChanges.map((change) => [change.id, error]));
        failed.set(`quota:${quotaEntityKey(entity)}`, error);
      }
      return failed;
    })),
  );

  const newTopics = changesOf(ok, 'topic', 'create');
  if (newTopics.length) progress('createTopics', `creating ${newTopics.length} topic(s)`);
  results.push(
    ...(await step('createTopics', newTopics, attempts, async () => {
      const topics: ITopicConfig[] = newTopics.map(({ resource, after }) => ({
        topic: resource,
        numPartitions: after.partitions,
        replicationFactor: after.replicationFactor,
        configEntries: Object.entries(after.config).map(([name, value]) => ({ name, value })),
      }));
      try {
        await admin.createTopics({ topics, timeout, waitForLeaders: true });
      } catch (error) {
        const perTopic = createTopicErrors(error);
        if (!perTopic) throw error;
        return perTopic;
      }
    })),
  );

  const growth = changesOf(ok, 'partitions', 'update');
  if (growth.length) progress('createPartitions', `adding partitions to ${growth.length} topic(s)`);
  results.push(
    ...(await step('createPartitions', growth, attempts, async () => {
      await admin.createPartitions({
        timeout,
        topicPartitions: growth.map((change) => ({ topic: change.resource, count: change.after })),
      });
    })),
  );

  const reassignments = changesOf(ok, 'replication', 'update');
  if (reassignments.length)
    progress('alterPartitionReassignments', `reassigning replicas of ${reassignments.length} topic(s)`);
  results.push(
    ...(await step('alterPartitionReassignments', reassignments, attempts, async () => {
      const topics = reassignments.map((change) => ({
        topic: change.resource,
        partitionAssignment: (change.after.assignment ?? []).map((replicas, partition) => ({ partition, replicas })),
      }));
      await admin.alterPartitionReassignments({ topics, timeout });
      await awaitReassignments(admin, topics, options.reassignmentWaitMs ?? 60000);
    })),
  );

  const configs = changesOf(ok, 'topic-config', 'update');
  if (configs.length) progress('alterConfigs', `changing ${configs.length} topic config key(s)`);
  results.push(
    ...(await step('alterConfigs', configs, attempts, async () => {
      const planned = new Map<string, Record<string, string>>();
      for (const { topic, key, after } of configs) planned.set(topic, { ...planned.get(topic), [key]: after });
      const current = await describeTopicOverrides(admin, [...planned.keys()]);
      await admin.alterConfigs({
        validateOnly: false,
        resources: [...planned.entries()].map(([topic, keys]) => ({
          type: ConfigResourceTypes.TOPIC,
          name: topic,
          configEntries: Object.entries({ ...current.get(topic), ...keys }).map(([name, value]) => ({ name, value })),
        })),
      });
    })),
  );

  const staleTopics = changesOf(ok, 'topic', 'delete');
  if (staleTopics.length) progress('deleteTopics', `deleting ${staleTopics.length} topic(s)`);
  results.push(
    ...(await step('deleteTopics', staleTopics, attempts, async () => {
      await admin.deleteTopics({ topics: staleTopics.map((change) => change.resource), timeout });
    })),
  );

  // Reported in the order of the plan that was shown, whatever order the steps ran in.
  const position = new Map(plan.changes.map((change, index) => [change, index]));
  return results.sort((a, b) => (position.get(a.change) ?? 0) - (position.get(b.change) ?? 0));
}

/**
 * Kafka rejects a batch with its first error, so a failed step marks all its changes failed. The verification
 * re-observes the cluster: a change of a failed batch that no longer appears in the remaining plan did happen.
 */
export function settleBatchFailures(results: ChangeResult[], remaining: Plan): ChangeResult[] {
  const stillPending = new Set(remaining.changes.filter((c) => c.verdict.status === 'ok').map((c) => c.id));
  return results.map((result) =>
    result.ok || stillPending.has(result.change.id) ? result : { change: result.change, ok: true },
  );
}
