/**
 * The semantic difference between two revisions of the desired state, in the terms a reviewer reads: which topics,
 * users and permissions appear, disappear or change. Apps are already expanded by the loader, so a one-line change to
 * an app's shorthand shows up here as the ACL bindings it really adds or removes. Pure: plain data in, plain data out.
 */
import { aclKey, quotaEntityKey } from '../model/keys';
import {
  QUOTA_KEYS,
  type AclEntry,
  type DesiredState,
  type Origin,
  type QuotaSpec,
  type ResourceType,
  type Settings,
  type TopicSpec,
  type UserSpec,
} from '../model/schema';

/** `+` added, `-` removed, `~` changed in place. */
export type ChangeSign = '+' | '-' | '~';

export type SemanticChangeKind =
  | 'setting'
  | 'topic'
  | 'topic-partitions'
  | 'topic-replication'
  | 'topic-config'
  | 'user'
  | 'user-mechanism'
  | 'user-iterations'
  | 'user-password'
  | 'acl'
  | 'quota';

export interface SemanticChange {
  sign: ChangeSign;
  kind: SemanticChangeKind;
  /** Stable identity, e.g. `topic:lms-users-acls`, `topic-config:lms-users-acls:retention.ms`, `acl:<aclKey>`. */
  id: string;
  /** The sentence after the sign: `User:lms-user may Read topic lms-users-acls (via app lms)`. */
  text: string;
  /** Where to look: the head declaration for additions and changes, the base declaration for removals. */
  origin?: Origin;
  /** Which revision `origin` points into: `base` for what the change removes (the line is gone from the head). */
  originRevision?: 'base' | 'head';
}

/** Every change from `base` to `head`, sorted: settings, then topics, users and ACLs, each by name. */
export function diffDesiredStates(base: DesiredState, head: DesiredState): SemanticChange[] {
  const keyed = [
    ...diffSettings(base.settings, head.settings),
    ...diffTopics(base.topics, head.topics),
    ...diffUsers(base.users, head.users),
    ...diffAcls(base.acls, head.acls),
    ...diffQuotas(base.quotas ?? [], head.quotas ?? []),
  ];
  return keyed.sort(compareChanges).map((entry) => entry.change);
}

/** `+ User:lms-user may Read topic lms-users-acls (via app lms)`. */
export function formatChange(change: SemanticChange): string {
  return `${change.sign} ${change.text}`;
}

/** `file:line:column`, the place a change comes from; empty when the model has none (settings). */
export function formatOrigin(origin: Origin | undefined): string {
  return origin ? `${origin.file}:${origin.line}:${origin.column}` : '';
}

// ---------------------------------------------------------------------------------------------------------------

const KIND_ORDER: SemanticChangeKind[] = [
  'setting',
  'topic',
  'topic-partitions',
  'topic-replication',
  'topic-config',
  'user',
  'user-mechanism',
  'user-iterations',
  'user-password',
  'acl',
  'quota',
];
const SECTION: Record<SemanticChangeKind, number> = {
  setting: 0,
  topic: 1,
  'topic-partitions': 1,
  'topic-replication': 1,
  'topic-config': 1,
  user: 2,
  'user-mechanism': 2,
  'user-iterations': 2,
  'user-password': 2,
  acl: 3,
  quota: 4,
};
const SIGN_ORDER: Record<ChangeSign, number> = { '-': 0, '~': 1, '+': 2 };

/** A change and the names it sorts by (a topic's name, an ACL's principal then resource). */
interface Keyed {
  sortKey: string[];
  change: SemanticChange;
}

function compareChanges(x: Keyed, y: Keyed): number {
  const a = x.change;
  const b = y.change;
  const bySection = SECTION[a.kind] - SECTION[b.kind];
  if (bySection !== 0) return bySection;
  const keyA = x.sortKey;
  const keyB = y.sortKey;
  for (let i = 0; i < Math.max(keyA.length, keyB.length); i++) {
    const byKey = compareStrings(keyA[i] ?? '', keyB[i] ?? '');
    if (byKey !== 0) return byKey;
  }
  const byKind = KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind);
  if (byKind !== 0) return byKind;
  const bySign = SIGN_ORDER[a.sign] - SIGN_ORDER[b.sign];
  return bySign !== 0 ? bySign : compareStrings(a.id, b.id);
}

/** Code-unit order, not locale order: the same input sorts the same on every machine. */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function change(sortKey: string[], fields: SemanticChange): Keyed {
  // No `origin: undefined` key: JSON output and deep equality stay clean.
  const result: SemanticChange = { sign: fields.sign, kind: fields.kind, id: fields.id, text: fields.text };
  if (fields.origin) {
    result.origin = fields.origin;
    result.originRevision = fields.originRevision ?? 'head';
  }
  return { sortKey, change: result };
}

// --- settings ---------------------------------------------------------------------------------------------------

function diffSettings(base: Settings, head: Settings): Keyed[] {
  const before = flattenSettings(base);
  const after = flattenSettings(head);
  const keys = [...new Set([...before.keys(), ...after.keys()])];
  const changes: Keyed[] = [];
  for (const key of keys) {
    const was = before.get(key);
    const is = after.get(key);
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    const sign: ChangeSign = was === undefined ? '+' : is === undefined ? '-' : '~';
    let text: string;
    if (Array.isArray(was) && Array.isArray(is)) text = `setting ${key}: ${listChange(was, is)}`;
    else if (was === undefined) text = `setting ${key}: ${show(is)}`;
    else if (is === undefined) text = `setting ${key}: ${show(was)} (back to the default)`;
    else text = `setting ${key}: ${show(was)} → ${show(is)}`;
    changes.push(change([key], { sign, kind: 'setting', id: `setting:${key}`, text }));
  }
  return changes;
}

type SettingValue = string | number | boolean | null | string[];

/** `deletions.topics` → `true`, `scope.topics` → `["lms-*"]`: one entry per leaf, lists kept whole. */
function flattenSettings(settings: Settings): Map<string, SettingValue> {
  const leaves = new Map<string, SettingValue>();
  const walk = (value: unknown, path: string) => {
    if (value === undefined) return;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      for (const [key, inner] of Object.entries(value)) walk(inner, path ? `${path}.${key}` : key);
      return;
    }
    leaves.set(path, Array.isArray(value) ? value.map(String) : (value as SettingValue));
  };
  walk(settings, '');
  return leaves;
}

/** A list setting by what it gains and loses: `added User:audit-user; removed User:ticketing-user`. */
function listChange(was: string[], is: string[]): string {
  const added = is.filter((item) => !was.includes(item));
  const removed = was.filter((item) => !is.includes(item));
  const parts: string[] = [];
  if (added.length) parts.push(`added ${added.join(', ')}`);
  if (removed.length) parts.push(`removed ${removed.join(', ')}`);
  return parts.length ? parts.join('; ') : `reordered to ${is.join(', ')}`;
}

function show(value: SettingValue | undefined): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

// --- topics -----------------------------------------------------------------------------------------------------

function diffTopics(base: TopicSpec[], head: TopicSpec[]): Keyed[] {
  const before = new Map(base.map((topic) => [topic.name, topic]));
  const after = new Map(head.map((topic) => [topic.name, topic]));
  const changes: Keyed[] = [];
  for (const [name, was] of before) {
    if (!after.has(name)) {
      changes.push(
        change([name], {
          sign: '-',
          kind: 'topic',
          id: `topic:${name}`,
          text: describeTopic(was),
          origin: was.origin,
          originRevision: 'base',
        }),
      );
    }
  }
  for (const [name, is] of after) {
    const was = before.get(name);
    if (!was) {
      changes.push(
        change([name], { sign: '+', kind: 'topic', id: `topic:${name}`, text: describeTopic(is), origin: is.origin }),
      );
      continue;
    }
    if (was.partitions !== is.partitions) {
      changes.push(
        change([name], {
          sign: '~',
          kind: 'topic-partitions',
          id: `partitions:${name}`,
          text: `topic ${name} partitions ${was.partitions} → ${is.partitions}`,
          origin: is.origin,
        }),
      );
    }
    if (was.replicationFactor !== is.replicationFactor) {
      changes.push(
        change([name], {
          sign: '~',
          kind: 'topic-replication',
          id: `replication:${name}`,
          text: `topic ${name} replication factor ${was.replicationFactor} → ${is.replicationFactor}`,
          origin: is.origin,
        }),
      );
    }
    const keys = [...new Set([...Object.keys(was.config), ...Object.keys(is.config)])].sort(compareStrings);
    for (const key of keys) {
      const old = was.config[key];
      const now = is.config[key];
      if (old === now) continue;
      const id = `topic-config:${name}:${key}`;
      if (old === undefined) {
        changes.push(
          change([name, key], {
            sign: '+',
            kind: 'topic-config',
            id,
            text: `topic ${name} config ${key}=${now}`,
            origin: is.origin,
          }),
        );
      } else if (now === undefined) {
        changes.push(
          change([name, key], {
            sign: '-',
            kind: 'topic-config',
            id,
            text: `topic ${name} config ${key}=${old} (back to the cluster default)`,
            origin: is.origin,
          }),
        );
      } else {
        changes.push(
          change([name, key], {
            sign: '~',
            kind: 'topic-config',
            id,
            text: `topic ${name} config ${key}: ${old} → ${now}`,
            origin: is.origin,
          }),
        );
      }
    }
  }
  return changes;
}

function describeTopic(topic: TopicSpec): string {
  const config = Object.keys(topic.config)
    .sort(compareStrings)
    .map((key) => `${key}=${topic.config[key]}`);
  const details = [
    `${topic.partitions} partition${topic.partitions === 1 ? '' : 's'}`,
    `replication factor ${topic.replicationFactor}`,
    ...config,
  ];
  return `topic ${topic.name} (${details.join(', ')})`;
}

// --- users ------------------------------------------------------------------------------------------------------

function diffUsers(base: UserSpec[], head: UserSpec[]): Keyed[] {
  const before = new Map(base.map((user) => [user.name, user]));
  const after = new Map(head.map((user) => [user.name, user]));
  const changes: Keyed[] = [];
  for (const [name, was] of before) {
    if (!after.has(name)) {
      changes.push(
        change([name], {
          sign: '-',
          kind: 'user',
          id: `user:${name}`,
          text: `user ${name} (${was.mechanism})`,
          origin: was.origin,
          originRevision: 'base',
        }),
      );
    }
  }
  for (const [name, is] of after) {
    const was = before.get(name);
    if (!was) {
      changes.push(
        change([name], {
          sign: '+',
          kind: 'user',
          id: `user:${name}`,
          text: `user ${name} (${is.mechanism}, password ${passwordSourceKind(is)})`,
          origin: is.origin,
        }),
      );
      continue;
    }
    if (was.mechanism !== is.mechanism) {
      changes.push(
        change([name], {
          sign: '~',
          kind: 'user-mechanism',
          id: `user-mechanism:${name}`,
          text: `user ${name} mechanism ${was.mechanism} → ${is.mechanism}`,
          origin: is.origin,
        }),
      );
    }
    if (was.iterations !== is.iterations) {
      changes.push(
        change([name], {
          sign: '~',
          kind: 'user-iterations',
          id: `user-iterations:${name}`,
          text: `user ${name} iterations ${was.iterations} → ${is.iterations}`,
          origin: is.origin,
        }),
      );
    }
    // The source is a reference (an env name, a secret id), never the secret; still, only its kind is shown.
    if (JSON.stringify(was.password) !== JSON.stringify(is.password)) {
      const from = passwordSourceKind(was);
      const to = passwordSourceKind(is);
      changes.push(
        change([name], {
          sign: '~',
          kind: 'user-password',
          id: `user-password:${name}`,
          text: from === to ? `user ${name} password source changed (${to})` : `user ${name} password ${from} → ${to}`,
          origin: is.origin,
        }),
      );
    }
  }
  return changes;
}

function passwordSourceKind(user: UserSpec): string {
  const source = user.password;
  if ('generate' in source) return 'generated';
  if ('env' in source) return 'from env';
  if ('file' in source) return 'from file';
  return 'from Secrets Manager';
}

// --- ACLs -------------------------------------------------------------------------------------------------------

function diffAcls(base: AclEntry[], head: AclEntry[]): Keyed[] {
  const before = new Map(base.map((acl) => [aclKey(acl), acl]));
  const after = new Map(head.map((acl) => [aclKey(acl), acl]));
  const changes: Keyed[] = [];
  for (const [key, acl] of before) {
    if (!after.has(key)) changes.push(aclChange('-', key, acl));
  }
  for (const [key, acl] of after) {
    if (!before.has(key)) changes.push(aclChange('+', key, acl));
  }
  return changes;
}

function aclChange(sign: ChangeSign, key: string, acl: AclEntry): Keyed {
  // Grouped by principal so a reviewer reads one service's permissions together.
  const sortKey = [
    acl.principal,
    acl.resourceType,
    acl.resourceName,
    acl.patternType,
    acl.operation,
    acl.permission,
    acl.host,
  ];
  return change(sortKey, {
    sign,
    kind: 'acl',
    id: `acl:${key}`,
    text: describeAclForReview(acl),
    origin: acl.origin,
    originRevision: sign === '-' ? 'base' : 'head',
  });
}

const RESOURCE_WORDS: Record<ResourceType, [singular: string, plural: string]> = {
  topic: ['topic', 'topics'],
  group: ['group', 'groups'],
  transactionalId: ['transactional id', 'transactional ids'],
  cluster: ['cluster', 'cluster'],
};

/** `User:lms-user may Read topic lms-users-acls (via app lms)`, `User:x is denied Write topics prefixed "pay-"`. */
export function describeAclForReview(acl: AclEntry): string {
  const verb = acl.permission === 'allow' ? 'may' : 'is denied';
  const [singular, plural] = RESOURCE_WORDS[acl.resourceType];
  let resource: string;
  if (acl.resourceType === 'cluster') resource = 'the cluster';
  else if (acl.patternType === 'prefixed') resource = `${plural} prefixed "${acl.resourceName}"`;
  else if (acl.resourceName === '*') resource = `every ${singular} (*)`;
  else resource = `${singular} ${acl.resourceName}`;
  const host = acl.host === '*' ? '' : ` from host ${acl.host}`;
  const via = acl.origin?.via ? ` (via ${acl.origin.via})` : '';
  return `${acl.principal} ${verb} ${acl.operation} ${resource}${host}${via}`;
}

// --- quotas -----------------------------------------------------------------------------------------------------

/** One line per quota key: `+ quota user=lms-user producer_byte_rate=1048576`, `~ … 1048576 → 2097152`, `- …`. */
function diffQuotas(base: QuotaSpec[], head: QuotaSpec[]): Keyed[] {
  const before = new Map(base.map((quota) => [quotaEntityKey(quota), quota]));
  const after = new Map(head.map((quota) => [quotaEntityKey(quota), quota]));
  const changes: Keyed[] = [];
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort(compareStrings)) {
    const was = before.get(key);
    const is = after.get(key);
    for (const name of QUOTA_KEYS) {
      const old = was?.values[name];
      const now = is?.values[name];
      if (old === now) continue;
      const id = `quota:${key}:${name}`;
      if (now === undefined) {
        changes.push(
          change([key, name], {
            sign: '-',
            kind: 'quota',
            id,
            text: `quota ${key} ${name}=${old} (the limit is lifted)`,
            origin: was?.origin,
            originRevision: 'base',
          }),
        );
      } else {
        const text = old === undefined ? `quota ${key} ${name}=${now}` : `quota ${key} ${name}: ${old} → ${now}`;
        changes.push(
          change([key, name], { sign: old === undefined ? '+' : '~', kind: 'quota', id, text, origin: is?.origin }),
        );
      }
    }
  }
  return changes;
}
