/**
 * The KIP-546 codec byte for byte, in both encodings (v0 classic, v1 flexible), against the layout of Kafka's
 * DescribeClientQuotas/AlterClientQuotas JSON schemas. The broker suite proves it against real brokers.
 */
import {
  alterClientQuotasRequest,
  alterClientQuotasResponse,
  describeClientQuotasRequest,
  describeClientQuotasResponse,
  entityComponents,
  entityOf,
  liveQuotasOf,
} from '../../../reconciler/users/kafka-quotas';
import { Encoder, type KafkaEncoder } from '../../../reconciler/users/kafka-scram';

async function bytes(request: { encode(): Promise<KafkaEncoder> }): Promise<string> {
  return (await request.encode()).buffer.toString('hex');
}

test('DescribeClientQuotas: no component, not strict, in both encodings', async () => {
  // v1: header tagged fields, compact array of 0 (0x01), strict false, body tagged fields.
  expect(await bytes(describeClientQuotasRequest(1))).toBe('00' + '01' + '00' + '00');
  // v0: int32 array length 0, strict false.
  expect(await bytes(describeClientQuotasRequest(0))).toBe('00000000' + '00');
});

test('AlterClientQuotas v1: entity, set and remove ops, validate_only false', async () => {
  const hex = await bytes(
    alterClientQuotasRequest(1, [
      {
        entity: { user: 'lms', clientId: '<default>' },
        set: { producer_byte_rate: 1024 },
        remove: ['request_percentage'],
      },
    ]),
  );
  const e = new Encoder().writeUVarInt(0); // header
  e.writeUVarInt(2); // one entry
  e.writeUVarInt(3).writeUVarIntString('user').writeUVarIntString('lms').writeUVarInt(0);
  e.writeUVarIntString('client-id').writeUVarIntString(null).writeUVarInt(0);
  e.writeUVarInt(3).writeUVarIntString('producer_byte_rate').writeDouble(1024).writeBoolean(false).writeUVarInt(0);
  e.writeUVarIntString('request_percentage').writeDouble(0).writeBoolean(true).writeUVarInt(0);
  e.writeUVarInt(0); // entry tagged fields
  e.writeBoolean(false).writeUVarInt(0);
  expect(hex).toBe(e.buffer.toString('hex'));
});

test('AlterClientQuotas v0: the same fields in the classic encoding', async () => {
  const hex = await bytes(
    alterClientQuotasRequest(0, [{ entity: { clientId: 'etl' }, set: { consumer_byte_rate: 2.5 }, remove: [] }]),
  );
  const e = new Encoder().writeInt32(1);
  e.writeInt32(1).writeString('client-id').writeString('etl');
  e.writeInt32(1).writeString('consumer_byte_rate').writeDouble(2.5).writeBoolean(false);
  e.writeBoolean(false);
  expect(hex).toBe(e.buffer.toString('hex'));
});

function describeAnswer(flexible: boolean): Buffer {
  const e = new Encoder();
  const str = (value: string | null) => (flexible ? e.writeUVarIntString(value) : e.writeString(value));
  const len = (n: number) => (flexible ? e.writeUVarInt(n + 1) : e.writeInt32(n));
  const tags = () => flexible && e.writeUVarInt(0);
  tags(); // response header v1
  e.writeInt32(0).writeInt16(0);
  str(null);
  len(3);
  // user lms + client-id <default>
  len(2);
  str('user');
  str('lms');
  tags();
  str('client-id');
  str(null);
  tags();
  len(2);
  str('producer_byte_rate');
  e.writeDouble(1048576);
  tags();
  str('future_key');
  e.writeDouble(1);
  tags();
  tags();
  // the default user
  len(1);
  str('user');
  str(null);
  tags();
  len(1);
  str('request_percentage');
  e.writeDouble(25.5);
  tags();
  tags();
  // an ip entity: not the model's
  len(1);
  str('ip');
  str('10.0.0.1');
  tags();
  len(1);
  str('connection_creation_rate');
  e.writeDouble(10);
  tags();
  tags();
  tags();
  return e.buffer;
}

test.each([0, 1])('DescribeClientQuotas v%i answer: user, client-id and default entities, known keys', async (v) => {
  const codec = describeClientQuotasResponse(v);
  const answer = await codec.parse(await codec.decode(describeAnswer(v === 1)));
  expect(liveQuotasOf(answer)).toEqual([
    { user: 'lms', clientId: '<default>', values: { producer_byte_rate: 1048576 } },
    { user: '<default>', values: { request_percentage: 25.5 } },
  ]);
});

test('a request-level error (CLUSTER_AUTHORIZATION_FAILED) fails the describe by name', async () => {
  const e = new Encoder().writeUVarInt(0).writeInt32(0).writeInt16(31).writeUVarIntString('denied').writeUVarInt(0);
  e.writeUVarInt(0);
  const codec = describeClientQuotasResponse(1);
  await expect(codec.parse(await codec.decode(e.buffer))).rejects.toThrow(
    'DescribeClientQuotas failed: CLUSTER_AUTHORIZATION_FAILED (denied)',
  );
});

test('AlterClientQuotas answer: an error per entity', async () => {
  const e = new Encoder().writeUVarInt(0).writeInt32(0).writeUVarInt(2);
  e.writeInt16(42).writeUVarIntString('bad value').writeUVarInt(2);
  e.writeUVarIntString('client-id').writeUVarIntString('etl').writeUVarInt(0).writeUVarInt(0);
  e.writeUVarInt(0);
  const codec = alterClientQuotasResponse(1);
  expect(await codec.parse(await codec.decode(e.buffer))).toEqual([
    { errorCode: 42, errorMessage: 'bad value', entity: { clientId: 'etl' } },
  ]);
});

test('entities: the model and the wire agree, default included', () => {
  for (const entity of [{ user: 'a' }, { clientId: '<default>' }, { user: '<default>', clientId: 'x' }]) {
    expect(entityOf(entityComponents(entity))).toEqual(entity);
  }
  expect(entityComponents({ user: '<default>' })).toEqual([{ entityType: 'user', entityName: null }]);
});
