/** `msk-gitops can-i` on a desired state: arguments, output naming the deciding ACL and its origin, exit codes. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../reconciler/cli';
import { parseOperation, parsePrincipal, parseResource } from '../../../reconciler/cli/can-i';

const MANIFESTS = `
topics:
  orders: { partitions: 3, replicationFactor: 2 }
  orders-eu: { partitions: 3, replicationFactor: 2 }
users:
  shop: {}
acls:
  - principal: User:shop
    resource: { type: topic, name: orders, pattern: prefixed }
    operations: [Write]
  - principal: User:shop
    resource: { type: topic, name: orders-eu }
    operations: [Write]
    permission: deny
apps:
  billing:
    user: shop
    consumes:
      - { topic: orders, group: billing-group }
`;

async function run(argv: string[], cwd: string) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: string[] = [];
  const err: string[] = [];
  stdout.on('data', (chunk) => out.push(String(chunk)));
  stderr.on('data', (chunk) => err.push(String(chunk)));
  const code = await main(['can-i', ...argv], { stdout, stderr, env: {}, cwd });
  return { code, out: out.join(''), err: err.join('') };
}

describe('msk-gitops can-i', () => {
  const cwd = mkdtempSync(path.join(tmpdir(), 'can-i-'));
  mkdirSync(path.join(cwd, 'manifests'));
  writeFileSync(path.join(cwd, 'manifests', 'shop.yaml'), MANIFESTS);

  it('says allowed, which ACL and where it was declared; exit 0', async () => {
    const { code, out } = await run(['shop', 'Write', 'topic:orders-us', 'manifests'], cwd);
    expect(code).toBe(0);
    expect(out).toBe(
      [
        'allowed: User:shop Write topic orders-us',
        '  allowed by allow User:shop Write topic orders* (manifests/shop.yaml:8:5)',
        '  (the desired state in manifests: 5 ACLs)',
        '',
      ].join('\n'),
    );
  });

  it('says denied and names the deny ACL that wins; exit 3', async () => {
    const { code, out } = await run(['User:shop', 'write', 'topic:orders-eu', 'manifests'], cwd);
    expect(code).toBe(3);
    expect(out).toContain(
      'denied: User:shop Write topic orders-eu\n  denied by deny User:shop Write topic orders-eu (manifests/shop.yaml:11:5)',
    );
  });

  it('follows app expansion: the consumer group and Describe implied by Read', async () => {
    const group = await run(['shop', 'Read', 'group:billing-group', 'manifests'], cwd);
    expect(group.code).toBe(0);
    expect(group.out).toContain('app billing');
    expect((await run(['shop', 'Describe', 'topic:orders', 'manifests'], cwd)).code).toBe(0);
    const none = await run(['shop', 'Read', 'topic:payments', 'manifests'], cwd);
    expect(none.code).toBe(3);
    expect(none.out).toContain('no ACL allows it; allow.everyone.if.no.acl.found=false');
  });

  it('prints JSON with --json', async () => {
    const { code, out } = await run(['shop', 'Write', 'topic:orders', 'manifests', '--json'], cwd);
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({
      query: { principal: 'User:shop', operation: 'Write', resourceType: 'topic', resourceName: 'orders' },
      allowed: true,
    });
  });

  it('exits 1 on bad arguments and on a bad manifests directory', async () => {
    expect((await run(['shop', 'Write'], cwd)).code).toBe(1);
    expect((await run(['shop', 'Fly', 'topic:x', 'manifests'], cwd)).code).toBe(1);
    expect((await run(['shop', 'Write', 'table:x', 'manifests'], cwd)).code).toBe(1);
    const missing = await run(['shop', 'Write', 'topic:x', 'nowhere'], cwd);
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('nowhere');
  });

  it('parses operations, principals and resources leniently but exactly', () => {
    expect(parseOperation('describe-configs')).toBe('DescribeConfigs');
    expect(parseOperation('IDEMPOTENT_WRITE')).toBe('IdempotentWrite');
    expect(parsePrincipal('lms-user')).toBe('User:lms-user');
    expect(parsePrincipal('User:*')).toBe('User:*');
    expect(parseResource('cluster')).toEqual({ resourceType: 'cluster', resourceName: 'kafka-cluster' });
    expect(parseResource('transactionalId:tx:1')).toEqual({ resourceType: 'transactionalId', resourceName: 'tx:1' });
    expect(parseResource('Group:g')).toEqual({ resourceType: 'group', resourceName: 'g' });
  });
});
