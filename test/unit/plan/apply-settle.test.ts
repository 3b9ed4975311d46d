import { settleBatchFailures } from '../../../reconciler/apply/kafka';
import { ACL_OPERATIONS, RESOURCE_TYPES, type Change } from '../../../reconciler/model/schema';
import { decodeAcl, encodeAcl } from '../../../reconciler/observe/acl-codec';

const change = (id: string): Change => ({
  id,
  action: 'create',
  kind: 'acl',
  resource: id,
  before: null,
  after: {
    principal: 'User:x',
    host: '*',
    resourceType: 'topic',
    resourceName: 'y',
    patternType: 'literal',
    operation: 'Read',
    permission: 'allow',
  },
  verdict: { status: 'ok' },
});

describe('settleBatchFailures', () => {
  it('reports ok the changes of a failed batch that the verification no longer finds, and keeps the others failed', () => {
    const settled = settleBatchFailures(
      [
        { change: change('acl:a'), ok: false, error: 'createAcls: boom' },
        { change: change('acl:b'), ok: false, error: 'createAcls: boom' },
        { change: change('acl:c'), ok: true },
      ],
      { refused: null, changes: [change('acl:b')] },
    );
    expect(settled.map((r) => [r.change.id, r.ok, r.error])).toEqual([
      ['acl:a', true, undefined],
      ['acl:b', false, 'createAcls: boom'],
      ['acl:c', true, undefined],
    ]);
  });
});

describe('acl codec', () => {
  it('decodes what it encodes, for every operation and resource type', () => {
    for (const operation of ACL_OPERATIONS) {
      for (const resourceType of RESOURCE_TYPES) {
        for (const patternType of ['literal', 'prefixed'] as const) {
          for (const permission of ['allow', 'deny'] as const) {
            const acl = {
              principal: 'User:x',
              host: '*',
              resourceType,
              resourceName: 'n',
              patternType,
              operation,
              permission,
            };
            expect(decodeAcl(encodeAcl(acl))).toEqual(acl);
          }
        }
      }
    }
  });

  it('leaves alone what the model cannot express', () => {
    expect(
      decodeAcl({
        ...encodeAcl({
          principal: 'User:x',
          host: '*',
          resourceType: 'topic',
          resourceName: 'n',
          patternType: 'literal',
          operation: 'Read',
          permission: 'allow',
        }),
        resourceType: 6,
      }),
    ).toBeNull();
  });
});
