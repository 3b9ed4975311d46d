/** How one change reads, shared by every renderer: `+ topic lms-users-acls (2 partitions, RF 2)`. */
import {
  QUOTA_KEYS,
  type Change,
  type ChangeOf,
  type Plan,
  type QuotaValues,
  type ReplicaLayout,
  type TopicShape,
} from '../model/schema';

const SYMBOLS: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

export function symbolOf(change: Change): string {
  return SYMBOLS[change.action];
}

const shown = (value: string | number | null): string => (value === null ? '(unset)' : String(value));

function topicShape(topic: TopicShape): string {
  const config = Object.entries(topic.config).map(([key, v]) => `${key}=${v}`);
  return `${topic.partitions} partitions, RF ${topic.replicationFactor}${config.length ? `, ${config.join(', ')}` : ''}`;
}

function userShape(user: ChangeOf<'user'>['before'] | ChangeOf<'user'>['after']): string {
  if (user === null) return 'absent';
  if ('mechanisms' in user) return user.mechanisms.join(', ') || 'no credentials';
  return `${user.mechanism}, ${user.iterations} iterations, password ${user.password}`;
}

function quotaShape(values: QuotaValues | null): string {
  if (values === null) return 'absent';
  return Object.entries(values)
    .map(([key, value]) => `${key}=${value}`)
    .join(', ');
}

/** Only the keys that move: `request_percentage 12.5 → 20, consumer_byte_rate 2097152 → (unset: no limit)`. */
function quotaDelta(before: QuotaValues, after: QuotaValues): string {
  return QUOTA_KEYS.filter((key) => before[key] !== after[key])
    .map((key) => `${key} ${before[key] ?? '(unset)'} → ${after[key] ?? '(unset: no limit)'}`)
    .join(', ');
}

function layoutText(layout: ReplicaLayout): string {
  return layout.assignment ? ` (reassign ${layout.assignment.map((r, p) => `${p}:[${r.join(',')}]`).join(' ')})` : '';
}

/** The change without its symbol: `topic lms-users-acls (2 partitions, RF 2)`. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'topic':
      return `topic ${change.resource} (${topicShape(change.action === 'delete' ? change.before : change.after)})`;
    case 'partitions':
      return `partitions ${change.resource} ${change.before} → ${change.after}`;
    case 'replication':
      return `replication-factor ${change.resource} ${change.before.replicationFactor} → ${change.after.replicationFactor}${layoutText(change.after)}`;
    case 'topic-config':
      return `topic-config ${change.topic} ${change.key}: ${shown(change.before)} → ${shown(change.after)}`;
    case 'acl':
      return `acl ${change.resource}`;
    case 'user':
      return `user ${change.resource} (${userShape(change.action === 'delete' ? change.before : change.after)})`;
    case 'quota':
      if (change.action === 'update') return `quota ${change.resource}: ${quotaDelta(change.before, change.after)}`;
      return `quota ${change.resource} (${quotaShape(change.action === 'delete' ? change.before : change.after)})`;
  }
}

/**
 * One side of a change as a short value, for messages that show "expected" (after) and "found" (before): the
 * resource's state in words, `absent` where it does not exist on that side.
 */
export function stateOf(change: Change, side: 'before' | 'after'): string {
  switch (change.kind) {
    case 'topic': {
      const topic = side === 'before' ? change.before : change.after;
      return topic ? topicShape(topic) : 'absent';
    }
    case 'partitions':
      return `${change[side]} partitions`;
    case 'replication':
      return `RF ${change[side].replicationFactor}${side === 'after' ? layoutText(change.after) : ''}`;
    case 'topic-config':
      return side === 'before' ? (change.before ?? 'unset') : change.after;
    case 'acl':
      return (side === 'before' ? change.before : change.after) ? 'present' : 'absent';
    case 'user':
      return userShape(side === 'before' ? change.before : change.after);
    case 'quota':
      return quotaShape(side === 'before' ? change.before : change.after);
  }
}

export interface PlanCounts {
  add: number;
  change: number;
  destroy: number;
  refused: number;
  skipped: number;
}

export function countPlan(plan: Plan): PlanCounts {
  const counts: PlanCounts = { add: 0, change: 0, destroy: 0, refused: 0, skipped: 0 };
  for (const change of plan.changes) {
    if (change.verdict.status === 'refused') counts.refused += 1;
    else if (change.verdict.status === 'skipped') counts.skipped += 1;
    else if (change.action === 'create') counts.add += 1;
    else if (change.action === 'update') counts.change += 1;
    else counts.destroy += 1;
  }
  return counts;
}

export function summaryLine(plan: Plan): string {
  if (plan.changes.length === 0) return 'No changes. The cluster matches the manifests.';
  const c = countPlan(plan);
  const skipped = c.skipped ? `, ${c.skipped} skipped` : '';
  return `Plan: ${c.add} to add, ${c.change} to change, ${c.destroy} to destroy, ${c.refused} refused${skipped}.`;
}
