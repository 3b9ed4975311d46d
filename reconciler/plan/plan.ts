/**
 * The planner: a pure function of the desired state and the live state. It composes the per-kind planners, then
 * applies the whole-plan safety rules: an empty desired state never deletes, and a plan that would delete more than
 * settings.deletions.maxPerApply is refused whole. No-ops are not listed; changes come out in a stable order.
 */
import {
  RESOURCE_KINDS,
  type Change,
  type DesiredState,
  type LiveState,
  type Plan,
  type ResourceKind,
  type ManagedKind,
} from '../model/schema';
import { planAcls } from './acls';
import { planQuotas } from './quotas';
import { planTopics } from './topics';
import { planUsers } from './users';

export type PlannedKind = ManagedKind;

export interface PlanOptions {
  /** Kinds to plan; a kind set to false is left out entirely (suspended). Default: all. */
  kinds?: Partial<Record<PlannedKind, boolean>>;
}

/** Which reconcile kind (topics, acls, users) a change belongs to, for per-kind modes. */
export function plannedKindOf(kind: ResourceKind): PlannedKind {
  if (kind === 'acl') return 'acls';
  if (kind === 'user') return 'users';
  if (kind === 'quota') return 'quotas';
  return 'topics';
}

const ACTION_ORDER = ['create', 'update', 'delete'];

export function compareChanges(a: Change, b: Change): number {
  return (
    RESOURCE_KINDS.indexOf(a.kind) - RESOURCE_KINDS.indexOf(b.kind) ||
    ACTION_ORDER.indexOf(a.action) - ACTION_ORDER.indexOf(b.action) ||
    (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
  );
}

export function plan(desired: DesiredState, live: LiveState, options: PlanOptions = {}): Plan {
  const wanted = (kind: PlannedKind): boolean => options.kinds?.[kind] !== false;
  const { settings } = desired;
  const changes: Change[] = [
    ...(wanted('topics') ? planTopics(desired.topics, live.topics, settings, live.brokers) : []),
    ...(wanted('acls') ? planAcls(desired.acls, live.acls, settings) : []),
    ...(wanted('users') ? planUsers(desired.users, live.users, settings) : []),
    ...(wanted('quotas') ? planQuotas(desired.quotas ?? [], live.quotas, settings) : []),
  ].sort(compareChanges);

  const deletions = changes.filter((change) => change.action === 'delete' && change.verdict.status === 'ok');
  const empty =
    desired.topics.length === 0 &&
    desired.users.length === 0 &&
    desired.acls.length === 0 &&
    (desired.quotas ?? []).length === 0;
  let refused: Plan['refused'] = null;
  if (empty && changes.some((change) => change.action === 'delete')) {
    refused = {
      reason:
        'the desired state declares no topics, users, ACLs or quotas: refusing to plan deletions from an empty desired state (a wrong directory or a broken checkout must never empty the cluster)',
    };
  } else if (deletions.length > settings.deletions.maxPerApply) {
    refused = {
      reason: `the plan deletes ${deletions.length} resources, more than settings.yaml deletions.maxPerApply (${settings.deletions.maxPerApply})`,
    };
  }
  return { changes, refused };
}

/** True when the plan holds something to apply. */
export function hasOkChanges(p: Plan): boolean {
  return p.changes.some((change) => change.verdict.status === 'ok');
}
