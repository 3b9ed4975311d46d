/**
 * Pull-request policy: what a change to the manifests may not do without an explicit opt-in in settings.yaml. The
 * loader already rejects what is invalid; these rules reject what is valid but dangerous (everyone may read, an app may
 * alter the cluster, a two-letter prefix grants half the cluster, a topic and its data disappear). Pure.
 *
 * Naming rules (settings `naming:`) are not repeated here: the loader enforces them, so a bad name already fails
 * validation at its `file:line:column`.
 */
import { quotaEntityKey } from '../model/keys';
import {
  ACL_OPERATIONS,
  QUOTA_KEYS,
  type AclEntry,
  type AclOperation,
  type DesiredState,
  type Origin,
} from '../model/schema';

export const POLICY_RULES = [
  'wildcard-principal',
  'all-operation',
  'cluster-alter',
  'wildcard-resource',
  'short-prefix',
  'topic-deletion',
  'quota-removal',
] as const;
export type PolicyRule = (typeof POLICY_RULES)[number];

export interface PolicyOptions {
  /** Where a finding without a declaration points; default `settings.yaml`. */
  settingsFile?: string;
  /** The pull request's labels: `settings.policy.quotaRemovalLabel` among them allows removing quotas. */
  labels?: readonly string[];
}

type Place = { file: string; line: number; column: number; revision: 'head' | 'base' };
type PlaceOf = (origin: Origin | undefined) => Place;

export interface PolicyViolation {
  rule: PolicyRule;
  file: string;
  line: number;
  column: number;
  message: string;
  /** The revision the place is in: `base` for what the change removes (that line is gone from the head). */
  revision: 'head' | 'base';
}

/** `desired-state/apps/audit.yaml:4:5: User:* grants Read on topic … [wildcard-principal]`. */
export function formatViolation(violation: PolicyViolation): string {
  return `${violation.file}:${violation.line}:${violation.column}: ${violation.message} [${violation.rule}]`;
}

/** Operations that change the cluster itself (configs, quotas, ACLs, replicas), not one topic's data. */
const CLUSTER_ALTER_OPERATIONS = new Set(['Alter', 'AlterConfigs', 'ClusterAction']);

/**
 * Every violation in `head`, sorted by place. `base` (the revision the change starts from) enables the rules about
 * what a change removes; without it only `head` itself is judged.
 */
export function checkPolicy(
  head: DesiredState,
  base?: DesiredState | null,
  options: PolicyOptions = {},
): PolicyViolation[] {
  const settingsFile = options.settingsFile ?? 'settings.yaml';
  const placeIn =
    (revision: 'head' | 'base'): PlaceOf =>
    (origin) =>
      origin
        ? { file: origin.file, line: origin.line, column: origin.column, revision }
        : { file: settingsFile, line: 1, column: 1, revision: 'head' };
  const violations = checkAcls(head, placeIn('head'));
  if (base) violations.push(...checkTopicDeletions(base, head, placeIn('base')));
  if (base) violations.push(...checkQuotaRemovals(base, head, placeIn('base'), options.labels ?? []));
  return dedupe(violations).sort(compareViolations);
}

// --- ACLs -------------------------------------------------------------------------------------------------------

/** Stands for the operations in a message, so one ACL block granting several operations is one finding. */
const OPS = '\u0000operations\u0000';

function checkAcls(state: DesiredState, place: PlaceOf): PolicyViolation[] {
  const policy = state.settings.policy;
  const findings = new Map<string, { violation: PolicyViolation; operations: Set<AclOperation> }>();
  const add = (violation: PolicyViolation, operation: AclOperation) => {
    const key = formatViolation(violation);
    const found = findings.get(key) ?? { violation, operations: new Set<AclOperation>() };
    found.operations.add(operation);
    findings.set(key, found);
  };
  for (const acl of state.acls) {
    const report = (violation: PolicyViolation) => add(violation, acl.operation);
    // A deny narrows access; only what an ACL grants can be too broad.
    if (acl.permission !== 'allow') continue;
    const at = place(acl.origin);
    const who = `${acl.principal}${acl.origin?.via ? ` (via ${acl.origin.via})` : ''}`;
    if (isWildcardPrincipal(acl.principal) && !policy.allowWildcardPrincipal) {
      report({
        rule: 'wildcard-principal',
        ...at,
        message: `${acl.principal} grants ${OPS} on ${resourceWords(acl)} to every authenticated principal; set policy.allowWildcardPrincipal: true in settings.yaml to allow it`,
      });
    }
    if (acl.operation === 'All' && !policy.allowAllOperation) {
      report({
        rule: 'all-operation',
        ...at,
        message: `${who} is granted All operations on ${resourceWords(acl)}; grant the operations it needs (Read, Write, Describe, …) or set policy.allowAllOperation: true`,
      });
    }
    const altersCluster =
      acl.resourceType === 'cluster' &&
      (CLUSTER_ALTER_OPERATIONS.has(acl.operation) || (acl.operation === 'All' && policy.allowAllOperation));
    if (altersCluster && !policy.allowClusterAlter) {
      report({
        rule: 'cluster-alter',
        ...at,
        message: `${who} is granted ${OPS} on the cluster, which changes brokers, configs and ACLs for everyone; set policy.allowClusterAlter: true to allow it`,
      });
    }
    if (acl.resourceType === 'cluster') continue;
    const wildcardName = acl.patternType === 'literal' ? acl.resourceName === '*' : acl.resourceName === '';
    if (wildcardName) {
      report({
        rule: 'wildcard-resource',
        ...at,
        message: `${who} is granted ${OPS} on every ${acl.resourceType}; name the ${acl.resourceType}, or a prefix${policy.minPrefixLength > 0 ? ` of at least ${policy.minPrefixLength} characters` : ''}`,
      });
    } else if (acl.patternType === 'prefixed' && acl.resourceName.length < policy.minPrefixLength) {
      report({
        rule: 'short-prefix',
        ...at,
        message: `${who} is granted ${OPS} on ${resourceWords(acl)}: the prefix is ${acl.resourceName.length} character${acl.resourceName.length === 1 ? '' : 's'}, policy.minPrefixLength is ${policy.minPrefixLength}`,
      });
    }
  }
  return [...findings.values()].map(({ violation, operations }) => {
    const named = ACL_OPERATIONS.filter((operation) => operations.has(operation)).join(', ');
    return { ...violation, message: violation.message.split(OPS).join(named) };
  });
}

function isWildcardPrincipal(principal: string): boolean {
  return principal.endsWith(':*');
}

function resourceWords(acl: AclEntry): string {
  if (acl.resourceType === 'cluster') return 'the cluster';
  if (acl.patternType === 'prefixed') return `${acl.resourceType}s prefixed "${acl.resourceName}"`;
  return `${acl.resourceType} ${acl.resourceName}`;
}

// --- deletions --------------------------------------------------------------------------------------------------

function checkTopicDeletions(base: DesiredState, head: DesiredState, place: PlaceOf): PolicyViolation[] {
  if (head.settings.deletions.topics) return [];
  const kept = new Set(head.topics.map((topic) => topic.name));
  return base.topics
    .filter((topic) => !kept.has(topic.name))
    .map((topic) => ({
      rule: 'topic-deletion' as const,
      ...place(topic.origin),
      message: `topic ${topic.name} (declared here in the base revision) is removed, which would delete it and its data; set deletions.topics: true in settings.yaml to allow topic deletion`,
    }));
}

/** A quota (or one of its keys) the change removes lifts a limit: it needs the pull request's label. */
function checkQuotaRemovals(
  base: DesiredState,
  head: DesiredState,
  place: PlaceOf,
  labels: readonly string[],
): PolicyViolation[] {
  const label = head.settings.policy.quotaRemovalLabel;
  if (labels.includes(label)) return [];
  const kept = new Map((head.quotas ?? []).map((quota) => [quotaEntityKey(quota), quota]));
  return (base.quotas ?? []).flatMap((quota) => {
    const key = quotaEntityKey(quota);
    const removed = QUOTA_KEYS.filter(
      (name) => quota.values[name] !== undefined && kept.get(key)?.values[name] === undefined,
    );
    if (!removed.length) return [];
    return [
      {
        rule: 'quota-removal' as const,
        ...place(quota.origin),
        message: `the quota of ${key} loses ${removed.join(', ')} (declared here in the base revision), which lifts the limit; label the pull request "${label}" to allow it`,
      },
    ];
  });
}

// --- places -----------------------------------------------------------------------------------------------------

function compareOrigins(a: Place, b: Place): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.column - b.column;
}

function compareViolations(a: PolicyViolation, b: PolicyViolation): number {
  const byPlace = compareOrigins(a, b);
  if (byPlace !== 0) return byPlace;
  if (a.rule !== b.rule) return POLICY_RULES.indexOf(a.rule) - POLICY_RULES.indexOf(b.rule);
  return a.message < b.message ? -1 : a.message > b.message ? 1 : 0;
}

/** One ACL block with several operations expands to several entries; identical findings are reported once. */
function dedupe(violations: PolicyViolation[]): PolicyViolation[] {
  const seen = new Set<string>();
  return violations.filter((violation) => {
    const key = formatViolation(violation);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
