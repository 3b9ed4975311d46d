/** How one change reads, shared by every renderer: `+ topic lms-users-acls (2 partitions, RF 2)`. */
import type { Change, Plan } from '../model/schema';

const SYMBOLS: Record<Change['action'], string> = { create: '+', update: '~', delete: '-' };

export function symbolOf(change: Change): string {
  return SYMBOLS[change.action];
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

function topicShape(value: unknown): string {
  const topic = record(value);
  const config = Object.entries(record(topic.config)).map(([key, v]) => `${key}=${String(v)}`);
  return `(${String(topic.partitions)} partitions, RF ${String(topic.replicationFactor)}${config.length ? `, ${config.join(', ')}` : ''})`;
}

function userShape(value: unknown): string {
  const user = record(value);
  if (Array.isArray(user.mechanisms)) return `(${user.mechanisms.join(', ') || 'no credentials'})`;
  const parts = [
    user.mechanism,
    user.iterations !== undefined ? `${String(user.iterations)} iterations` : undefined,
    user.password !== undefined ? `password ${String(user.password)}` : undefined,
  ];
  return `(${parts.filter((part) => part !== undefined).join(', ')})`;
}

const shown = (value: unknown): string => (value === null || value === undefined ? '(unset)' : String(value));

/** A replication change carries either bare factors (refused) or factor and assignment (a planned reassignment). */
function replicationShape(value: unknown): string {
  return typeof value === 'object' && value !== null ? shown(record(value).replicationFactor) : shown(value);
}

function movedPartitions(change: Change): string {
  const before = record(change.before).assignment;
  const after = record(change.after).assignment;
  if (!Array.isArray(before) || !Array.isArray(after)) return '';
  const layout = after.map((replicas, partition) => `${partition}:[${(replicas as number[]).join(',')}]`).join(' ');
  return ` (reassign ${layout})`;
}

/** The change without its symbol: `topic lms-users-acls (2 partitions, RF 2)`. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'topic':
      return `topic ${change.resource} ${topicShape(change.action === 'delete' ? change.before : change.after)}`;
    case 'partitions':
      return `partitions ${change.resource} ${shown(change.before)} → ${shown(change.after)}`;
    case 'replication':
      return `replication-factor ${change.resource} ${replicationShape(change.before)} → ${replicationShape(change.after)}${movedPartitions(change)}`;
    case 'topic-config': {
      const [topic, key] = change.resource.split(' ');
      return `topic-config ${topic} ${key}: ${shown(change.before)} → ${shown(change.after)}`;
    }
    case 'acl':
      return `acl ${change.resource}`;
    case 'user':
      return `user ${change.resource} ${userShape(change.action === 'delete' ? change.before : change.after)}`;
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
