/**
 * Client quotas: desired vs live, one change per entity (a user, a client id, both, or a default). Quotas are owned
 * by principal (`User:<user>`, settings scope.principals) and by client id (scope.clientIds). Like topic configs,
 * only the keys the manifests declare are managed unless deletions.quotas is on: then a declared entity's other keys,
 * and every undeclared entity in scope, are removed (removing a quota lifts a limit, so it is opt-in).
 */
import { quotaOutsideScope } from '../model/globs';
import { quotaEntityKey } from '../model/keys';
import {
  QUOTA_KEYS,
  type Change,
  type LiveQuota,
  type QuotaEntity,
  type QuotaSpec,
  type QuotaValues,
  type Settings,
} from '../model/schema';
import { OK, deletionVerdict } from './verdicts';

function entityOf(quota: QuotaEntity): QuotaEntity {
  return {
    ...(quota.user !== undefined ? { user: quota.user } : {}),
    ...(quota.clientId !== undefined ? { clientId: quota.clientId } : {}),
  };
}

/** Values in the order of QUOTA_KEYS, so plans and JSON read the same every time. */
function ordered(values: QuotaValues): QuotaValues {
  const out: QuotaValues = {};
  for (const key of QUOTA_KEYS) if (values[key] !== undefined) out[key] = values[key];
  return out;
}

export function planQuotas(
  desired: readonly QuotaSpec[],
  live: readonly LiveQuota[] | null | undefined,
  settings: Settings,
): Change[] {
  // Quotas not read (a cluster before Kafka 2.6, or quotas suspended) give no ground for a change.
  if (live === null || live === undefined) return [];
  const liveByKey = new Map(live.map((quota) => [quotaEntityKey(quota), quota]));
  const declared = new Set<string>();
  const changes: Change[] = [];
  for (const spec of desired) {
    const key = quotaEntityKey(spec);
    declared.add(key);
    const have = liveByKey.get(key)?.values ?? {};
    const removed = settings.deletions.quotas
      ? QUOTA_KEYS.filter((k) => have[k] !== undefined && spec.values[k] === undefined)
      : [];
    const changed = QUOTA_KEYS.filter((k) => spec.values[k] !== undefined && spec.values[k] !== have[k]);
    if (changed.length === 0 && removed.length === 0) continue;
    const after: QuotaValues = { ...have, ...spec.values };
    for (const k of removed) delete after[k];
    const reason = quotaOutsideScope(settings, spec);
    const fields = {
      id: `quota:${key}`,
      kind: 'quota' as const,
      resource: key,
      entity: entityOf(spec),
      verdict: reason ? { status: 'refused' as const, reason } : OK,
      ...(spec.origin ? { origin: spec.origin } : {}),
    };
    changes.push(
      Object.keys(have).length === 0
        ? { ...fields, action: 'create', before: null, after: ordered(after) }
        : { ...fields, action: 'update', before: ordered(have), after: ordered(after) },
    );
  }
  for (const quota of live) {
    const key = quotaEntityKey(quota);
    if (declared.has(key) || quotaOutsideScope(settings, quota) !== null) continue;
    changes.push({
      id: `quota:${key}`,
      kind: 'quota',
      action: 'delete',
      resource: key,
      entity: entityOf(quota),
      before: ordered(quota.values),
      after: null,
      verdict: deletionVerdict(settings.deletions.quotas, 'quotas'),
    });
  }
  return changes;
}
