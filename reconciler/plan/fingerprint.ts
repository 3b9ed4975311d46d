/**
 * What a saved plan was computed from, resource by resource: a fingerprint of every live resource the plan reads or
 * touches, so `apply FILE` can prove the cluster is still the one that was planned (and name what moved when not).
 *
 * The plan reads the declared resources (present or absent: a topic created by someone else since the plan makes a
 * `create` wrong) and the live resources in scope (they are deletion candidates). Resources outside the scope are
 * neither read nor touched, so another team's topics coming and going never make a plan stale. A topic's fingerprint
 * covers its partitions, replication factor and every override; with a replication change in the plan, also every
 * topic's replica assignment (the new layout is computed from the replica load of the whole cluster).
 */
import { createHash } from 'node:crypto';
import { quotaOutsideScope } from '../model/globs';
import { describeAcl, quotaEntityKey } from '../model/keys';
import type { DesiredState, LiveState, LiveTopic, Plan } from '../model/schema';
import { principalIsManaged, topicIsManaged, userIsManaged } from './scope';

/** Resource → fingerprint; resources as people read them (`topic orders`, `acl allow User:app Read topic orders`). */
export type Fingerprints = Record<string, string>;

export const ABSENT = 'absent';
const PRESENT = 'present';
/** Recorded when the cluster does not expose SCRAM users: the plan holds no user change then. */
const USERS_NOT_OBSERVED = 'users (SCRAM)';
/** Recorded when client quotas were not read (suspended, or a cluster before Kafka 2.6): no quota change then. */
const QUOTAS_NOT_OBSERVED = 'quotas';

export function digestOf(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, v]) => `${JSON.stringify(key)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function topicFingerprint(topic: LiveTopic, withAssignment: boolean): string {
  const { partitions, replicationFactor, config, assignment } = topic;
  const shape = withAssignment
    ? { partitions, replicationFactor, config, assignment }
    : { partitions, replicationFactor, config };
  return digestOf(canonical(shape)).slice(0, 'sha256:'.length + 16);
}

export function liveFingerprints(desired: DesiredState, live: LiveState, plan: Plan): Fingerprints {
  const { settings } = desired;
  const out: Fingerprints = {};
  const reassigns = plan.changes.some((change) => change.kind === 'replication' && change.verdict.status === 'ok');

  const declaredTopics = new Set(desired.topics.map((topic) => topic.name));
  for (const name of declaredTopics) out[`topic ${name}`] = ABSENT;
  for (const topic of live.topics) {
    if (reassigns || declaredTopics.has(topic.name) || topicIsManaged(settings, topic.name)) {
      out[`topic ${topic.name}`] = topicFingerprint(topic, reassigns);
    }
  }

  for (const acl of desired.acls) out[`acl ${describeAcl(acl)}`] = ABSENT;
  for (const acl of live.acls) {
    const id = `acl ${describeAcl(acl)}`;
    if (id in out || principalIsManaged(settings, acl.principal)) out[id] = PRESENT;
  }

  if (live.users === null) {
    out[USERS_NOT_OBSERVED] = 'not observed';
  } else {
    const declaredUsers = new Set(desired.users.map((user) => user.name));
    for (const name of declaredUsers) out[`user ${name}`] = ABSENT;
    for (const user of live.users) {
      if (declaredUsers.has(user.name) || userIsManaged(settings, user.name)) {
        out[`user ${user.name}`] = [...user.mechanisms].sort().join(',') || 'no credentials';
      }
    }
  }

  if (live.quotas === null || live.quotas === undefined) {
    out[QUOTAS_NOT_OBSERVED] = 'not observed';
  } else {
    for (const quota of desired.quotas ?? []) out[`quota ${quotaEntityKey(quota)}`] = ABSENT;
    for (const quota of live.quotas) {
      const id = `quota ${quotaEntityKey(quota)}`;
      if (id in out || quotaOutsideScope(settings, quota) === null) out[id] = canonical(quota.values);
    }
  }
  return out;
}

/** One digest over every fingerprint, for the plan's inputs. */
export function fingerprintsDigest(fingerprints: Fingerprints): string {
  return digestOf(canonical(fingerprints));
}

function stateWord(fingerprint: string | undefined): string {
  if (fingerprint === undefined || fingerprint === ABSENT) return 'absent';
  return fingerprint === PRESENT ? 'present' : fingerprint;
}

/**
 * What differs between the fingerprints a plan was computed from and the cluster now, one phrase per resource
 * (`topic orders changed`, `acl allow User:app Read topic orders was created`), in a stable order. Empty when the plan is still exact.
 */
export function staleResources(planned: Fingerprints, now: Fingerprints): string[] {
  const ids = [...new Set([...Object.keys(planned), ...Object.keys(now)])].sort();
  const out: string[] = [];
  for (const id of ids) {
    const before = planned[id];
    const after = now[id];
    if (before === after) continue;
    const was = stateWord(before);
    const is = stateWord(after);
    if (was === 'absent') out.push(`${id} was created`);
    else if (is === 'absent') out.push(`${id} was deleted`);
    else out.push(`${id} changed`);
  }
  return out;
}
