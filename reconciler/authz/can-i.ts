/**
 * `can-i`: would Kafka allow this principal this operation on this resource, given these ACLs, and why.
 *
 * A pure re-statement of Kafka's StandardAuthorizer (KRaft), apache/kafka
 * metadata/src/main/java/org/apache/kafka/metadata/authorizer/StandardAuthorizerData.java:
 * - `findResult`: an ACL applies when its principal is the request's or the wildcard `User:*`, its host is `*` or
 *   the client's, and its operation is `All`, the requested one, or (ALLOW ACLs only) one that implies it:
 *   IMPLIES_DESCRIBE = {Describe, Read, Write, Delete, Alter}, IMPLIES_DESCRIBE_CONFIGS = {DescribeConfigs,
 *   AlterConfigs}. "A DENY ACL for READ on a resource does not DENY describe for that resource."
 * - `checkSection`: the resource matches a LITERAL ACL with the same name, a PREFIXED ACL whose name starts the
 *   resource name, and the LITERAL wildcard name `*`.
 * - `MatchingRuleBuilder.build`: any matching DENY wins; else any matching ALLOW allows; else, when no ACL at all is
 *   on the resource, `allow.everyone.if.no.acl.found` decides (false on MSK and on the local broker); else denied.
 * Super users skip ACLs entirely (`super.users`); pass them in `options.superUsers`.
 */
import { describeAcl } from '../model/keys';
import type { AclEntry, AclOperation, Origin, ResourceType } from '../model/schema';

export interface CanIQuery {
  principal: string;
  operation: AclOperation;
  resourceType: ResourceType;
  resourceName: string;
  /** The client's address; host-specific ACLs only apply when it is given and equal. */
  host?: string;
}

export interface CanIOptions {
  allowEveryoneIfNoAclFound?: boolean;
  superUsers?: readonly string[];
}

export interface CanIAnswer {
  allowed: boolean;
  reason: string;
  /** The ACLs that decided: the matching DENY ACLs when denied by one, else the matching ALLOW ACLs. */
  matched: AclEntry[];
}

const WILDCARD = '*';
const WILDCARD_PRINCIPAL = 'User:*';
const IMPLIES_DESCRIBE: readonly AclOperation[] = ['Describe', 'Read', 'Write', 'Delete', 'Alter'];
const IMPLIES_DESCRIBE_CONFIGS: readonly AclOperation[] = ['DescribeConfigs', 'AlterConfigs'];

export const NO_ACL_ALLOWS = 'no ACL allows it; allow.everyone.if.no.acl.found=false';

function resourceMatches(acl: AclEntry, q: CanIQuery): boolean {
  if (acl.resourceType !== q.resourceType) return false;
  if (acl.patternType === 'prefixed') return q.resourceName.startsWith(acl.resourceName);
  return acl.resourceName === q.resourceName || acl.resourceName === WILDCARD;
}

function operationMatches(acl: AclEntry, operation: AclOperation): boolean {
  if (acl.operation === 'All' || acl.operation === operation) return true;
  if (acl.permission === 'deny') return false;
  if (operation === 'Describe') return IMPLIES_DESCRIBE.includes(acl.operation);
  if (operation === 'DescribeConfigs') return IMPLIES_DESCRIBE_CONFIGS.includes(acl.operation);
  return false;
}

function applies(acl: AclEntry, q: CanIQuery): boolean {
  return (
    (acl.principal === q.principal || acl.principal === WILDCARD_PRINCIPAL) &&
    (acl.host === WILDCARD || (q.host !== undefined && acl.host === q.host)) &&
    operationMatches(acl, q.operation)
  );
}

export function formatOrigin(origin: Origin | undefined): string {
  if (!origin) return '';
  const via = origin.via ? `, ${origin.via}` : '';
  return ` (${origin.file}:${origin.line}:${origin.column}${via})`;
}

function cite(acls: AclEntry[]): string {
  return acls.map((acl) => `${describeAcl(acl)}${formatOrigin(acl.origin)}`).join('; ');
}

export function canI(acls: AclEntry[], q: CanIQuery, options: CanIOptions = {}): CanIAnswer {
  if (options.superUsers?.includes(q.principal)) {
    return { allowed: true, reason: `${q.principal} is a super user (ACLs are not consulted)`, matched: [] };
  }
  const onResource = acls.filter((acl) => resourceMatches(acl, q));
  const matching = onResource.filter((acl) => applies(acl, q));
  const denies = matching.filter((acl) => acl.permission === 'deny');
  if (denies.length > 0) return { allowed: false, reason: `denied by ${cite(denies)}`, matched: denies };
  const allows = matching.filter((acl) => acl.permission === 'allow');
  if (allows.length > 0) return { allowed: true, reason: `allowed by ${cite(allows)}`, matched: allows };
  if (onResource.length === 0 && options.allowEveryoneIfNoAclFound) {
    return { allowed: true, reason: 'no ACL is on the resource; allow.everyone.if.no.acl.found=true', matched: [] };
  }
  return { allowed: false, reason: NO_ACL_ALLOWS, matched: [] };
}
