/**
 * ACL bindings are created and deleted exactly, matched by aclKey. ACLs are owned by principal: a live binding
 * whose principal is outside settings.scope.principals (or protected) is never deleted.
 */
import { aclKey, describeAcl } from '../model/keys';
import type { AclBinding, AclEntry, ChangeOf, Settings } from '../model/schema';
import { principalIsManaged } from './scope';
import { OK, deletionVerdict } from './verdicts';

function bindingOf(acl: AclEntry | AclBinding): AclBinding {
  return {
    principal: acl.principal,
    host: acl.host,
    resourceType: acl.resourceType,
    resourceName: acl.resourceName,
    patternType: acl.patternType,
    operation: acl.operation,
    permission: acl.permission,
  };
}

export function planAcls(
  desired: readonly AclEntry[],
  live: readonly AclBinding[],
  settings: Settings,
): ChangeOf<'acl'>[] {
  const liveKeys = new Set(live.map(aclKey));
  const desiredKeys = new Set(desired.map(aclKey));
  const changes: ChangeOf<'acl'>[] = [];
  for (const acl of desired) {
    const key = aclKey(acl);
    if (liveKeys.has(key)) continue;
    liveKeys.add(key); // the same binding declared twice is one change
    const managed = principalIsManaged(settings, acl.principal);
    changes.push({
      id: `acl:${key}`,
      action: 'create',
      kind: 'acl',
      resource: describeAcl(acl),
      before: null,
      after: bindingOf(acl),
      verdict: managed
        ? OK
        : {
            status: 'refused',
            reason: `principal ${acl.principal} is outside settings.yaml scope.principals or protected`,
          },
      ...(acl.origin ? { origin: acl.origin } : {}),
    });
  }
  for (const acl of live) {
    const key = aclKey(acl);
    if (desiredKeys.has(key) || !principalIsManaged(settings, acl.principal)) continue;
    desiredKeys.add(key);
    changes.push({
      id: `acl:${key}`,
      action: 'delete',
      kind: 'acl',
      resource: describeAcl(acl),
      before: bindingOf(acl),
      after: null,
      verdict: deletionVerdict(settings.deletions.acls, 'acls'),
    });
  }
  return changes;
}
