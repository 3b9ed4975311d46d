/** Identity of model resources, shared by the loader (duplicates), the planner (matching) and the diff. */
import type { AclBinding } from './schema';

/** Two ACL entries with the same key are the same Kafka binding. */
export function aclKey(acl: AclBinding): string {
  return [
    acl.principal,
    acl.host,
    acl.resourceType,
    acl.patternType,
    acl.resourceName,
    acl.operation,
    acl.permission,
  ].join('|');
}

/** How people read an ACL: `allow User:lms-user Read topic lms-users-acls` (prefixed names end with `*`). */
export function describeAcl(acl: AclBinding): string {
  const name = acl.patternType === 'prefixed' ? `${acl.resourceName}*` : acl.resourceName;
  const host = acl.host === '*' ? '' : ` from ${acl.host}`;
  return `${acl.permission} ${acl.principal} ${acl.operation} ${acl.resourceType} ${name}${host}`;
}

/** A quota entity as Kafka's tools name it: `user=lms-user`, `client-id=etl`, `user=lms-user,client-id=<default>`. */
export function quotaEntityKey(entity: { user?: string; clientId?: string }): string {
  return [
    ...(entity.user !== undefined ? [`user=${entity.user}`] : []),
    ...(entity.clientId !== undefined ? [`client-id=${entity.clientId}`] : []),
  ].join(',');
}
