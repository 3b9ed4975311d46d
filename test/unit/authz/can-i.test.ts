import { canI, NO_ACL_ALLOWS } from '../../../reconciler/authz/can-i';
import type { AclEntry } from '../../../reconciler/model/schema';

const acl = (over: Partial<AclEntry>): AclEntry => ({
  principal: 'User:lms-user',
  host: '*',
  resourceType: 'topic',
  resourceName: 'lms-users-acls',
  patternType: 'literal',
  operation: 'Read',
  permission: 'allow',
  ...over,
});
const ask = (over: Partial<Parameters<typeof canI>[1]> = {}) => ({
  principal: 'User:lms-user',
  operation: 'Read' as const,
  resourceType: 'topic' as const,
  resourceName: 'lms-users-acls',
  ...over,
});

describe('canI (StandardAuthorizer semantics)', () => {
  it('allows with a literal ALLOW and says which ACL, with its origin', () => {
    const read = acl({ origin: { file: 'apps/lms.yaml', line: 4, column: 5, via: 'app lms' } });
    expect(canI([read], ask())).toEqual({
      allowed: true,
      reason: 'allowed by allow User:lms-user Read topic lms-users-acls (apps/lms.yaml:4:5, app lms)',
      matched: [read],
    });
  });

  it('denies when no ACL allows it', () => {
    expect(canI([], ask())).toEqual({ allowed: false, reason: NO_ACL_ALLOWS, matched: [] });
    expect(canI([acl({ principal: 'User:other' })], ask()).allowed).toBe(false);
    expect(canI([acl({ resourceName: 'lms-users' })], ask()).allowed).toBe(false); // literal is exact
  });

  it('lets deny win over allow, whatever the order', () => {
    const deny = acl({ permission: 'deny', principal: 'User:*' });
    const answer = canI([acl({}), deny], ask());
    expect(answer).toMatchObject({ allowed: false, matched: [deny] });
    expect(answer.reason).toBe('denied by deny User:* Read topic lms-users-acls');
  });

  it('matches prefixed patterns by name prefix and the literal * wildcard name', () => {
    expect(canI([acl({ patternType: 'prefixed', resourceName: 'lms-' })], ask()).allowed).toBe(true);
    expect(canI([acl({ patternType: 'prefixed', resourceName: 'pos-' })], ask()).allowed).toBe(false);
    expect(canI([acl({ resourceName: '*' })], ask()).allowed).toBe(true);
    // a prefixed '*' is the literal character, not a wildcard
    expect(canI([acl({ patternType: 'prefixed', resourceName: '*' })], ask()).allowed).toBe(false);
  });

  it('applies User:* to every principal, but only the wildcard principal', () => {
    expect(canI([acl({ principal: 'User:*' })], ask({ principal: 'User:anyone' })).allowed).toBe(true);
    expect(canI([acl({ principal: 'User:lms-*' })], ask()).allowed).toBe(false);
  });

  it('treats All as every operation, for allow and deny', () => {
    expect(canI([acl({ operation: 'All' })], ask({ operation: 'Write' })).allowed).toBe(true);
    expect(
      canI([acl({ operation: 'Write' }), acl({ operation: 'All', permission: 'deny' })], ask({ operation: 'Write' }))
        .allowed,
    ).toBe(false);
  });

  it('implies Describe from Read, Write, Delete, Alter and DescribeConfigs from AlterConfigs, for ALLOW only', () => {
    for (const operation of ['Read', 'Write', 'Delete', 'Alter'] as const) {
      expect(canI([acl({ operation })], ask({ operation: 'Describe' })).allowed).toBe(true);
    }
    expect(canI([acl({ operation: 'Create' })], ask({ operation: 'Describe' })).allowed).toBe(false);
    expect(canI([acl({ operation: 'AlterConfigs' })], ask({ operation: 'DescribeConfigs' })).allowed).toBe(true);
    expect(canI([acl({ operation: 'Describe' })], ask({ operation: 'Read' })).allowed).toBe(false);
    // a DENY Read does not deny Describe
    expect(
      canI(
        [acl({ operation: 'Write' }), acl({ operation: 'Read', permission: 'deny' })],
        ask({ operation: 'Describe' }),
      ).allowed,
    ).toBe(true);
  });

  it('applies host-specific ACLs only to that host', () => {
    const fromHost = acl({ host: '10.0.0.5' });
    expect(canI([fromHost], ask()).allowed).toBe(false);
    expect(canI([fromHost], ask({ host: '10.0.0.5' })).allowed).toBe(true);
    expect(canI([fromHost], ask({ host: '10.0.0.6' })).allowed).toBe(false);
  });

  it('keeps resource types apart and knows the cluster resource', () => {
    expect(canI([acl({ resourceType: 'group' })], ask()).allowed).toBe(false);
    const idem = acl({ resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'IdempotentWrite' });
    expect(
      canI([idem], ask({ resourceType: 'cluster', resourceName: 'kafka-cluster', operation: 'IdempotentWrite' }))
        .allowed,
    ).toBe(true);
  });

  it('honours super users and allow.everyone.if.no.acl.found when asked to', () => {
    expect(canI([], ask({ principal: 'User:admin' }), { superUsers: ['User:admin'] }).allowed).toBe(true);
    expect(canI([], ask(), { allowEveryoneIfNoAclFound: true }).allowed).toBe(true);
    // an ACL on the resource for someone else means "no ACL found" does not apply
    expect(canI([acl({ principal: 'User:other' })], ask(), { allowEveryoneIfNoAclFound: true }).allowed).toBe(false);
  });
});
