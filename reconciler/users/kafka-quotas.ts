/**
 * Client quotas through DescribeClientQuotas (API key 48) and AlterClientQuotas (API key 49), KIP-546. kafkajs 2.2.4
 * has neither, so they are added as kafka-scram.ts adds KIP-554: kafkajs-shaped request and response objects sent on
 * the admin's own connections (KafkaAdminWire), one request each for the whole cluster.
 *
 * Versions: both APIs have v0 (Kafka 2.6+, classic encoding) and v1 (Kafka 2.8+, flexible: compact strings and
 * arrays, tagged fields, request header v2 and response header v1). Kafka 3.9 and 4.x answer ApiVersions with 0-1
 * for both (KIP-896 removed only versions older than 2.1's); the highest version both sides know is used, so a
 * 2.6/2.7 cluster gets v0. Both versions carry the same fields:
 *
 *   DescribeClientQuotas  Components [EntityType string, MatchType int8, Match nullable string], Strict bool
 *     → ThrottleTimeMs, ErrorCode, ErrorMessage, Entries nullable [Entity [EntityType, EntityName nullable],
 *       Values [Key string, Value float64]]
 *   AlterClientQuotas     Entries [Entity [EntityType, EntityName nullable], Ops [Key, Value float64, Remove bool]],
 *                         ValidateOnly bool
 *     → ThrottleTimeMs, Entries [ErrorCode, ErrorMessage, Entity [EntityType, EntityName nullable]]
 *
 * A null entity name is the default entity (`<default>` in the model). No component and Strict false describes
 * every entity. Both go to any broker, as Kafka's AdminClient sends them (a KRaft broker forwards the alter to the
 * controller). The broker authorizes Describe with DESCRIBE_CONFIGS and Alter with ALTER_CONFIGS on the cluster.
 */
import type { QuotaAlteration, QuotaChangeApplier } from '../apply/results';
import {
  DEFAULT_QUOTA_ENTITY,
  QUOTA_KEYS,
  type LiveQuota,
  type QuotaEntity,
  type QuotaKey,
  type QuotaValues,
} from '../model/schema';
import {
  Decoder,
  Encoder,
  KafkaAdminWire,
  kafkaErrorName,
  type KafkaDecoder,
  type KafkaEncoder,
  type ProtocolRequest,
  type ProtocolResponse,
} from './kafka-scram';

export const DESCRIBE_CLIENT_QUOTAS = 48;
export const ALTER_CLIENT_QUOTAS = 49;
/** The newest version of both APIs this codec speaks. */
export const MAX_QUOTA_API_VERSION = 1;

const USER = 'user';
const CLIENT_ID = 'client-id';

/** A request-level failure of DescribeClientQuotas (e.g. CLUSTER_AUTHORIZATION_FAILED). */
export class QuotaRequestError extends Error {
  constructor(
    readonly api: string,
    readonly errorCode: number,
    errorMessage: string | null,
  ) {
    super(`${api} failed: ${kafkaErrorName(errorCode)}${errorMessage ? ` (${errorMessage})` : ''}`);
  }
}

interface WireComponent {
  entityType: string;
  entityName: string | null;
}

/** The model's entity as Kafka's components (user first, as Kafka orders them). */
export function entityComponents(entity: QuotaEntity): WireComponent[] {
  const name = (value: string) => (value === DEFAULT_QUOTA_ENTITY ? null : value);
  return [
    ...(entity.user !== undefined ? [{ entityType: USER, entityName: name(entity.user) }] : []),
    ...(entity.clientId !== undefined ? [{ entityType: CLIENT_ID, entityName: name(entity.clientId) }] : []),
  ];
}

/** Kafka's components as the model's entity; null for entities the model does not manage (ip, unknown types). */
export function entityOf(components: readonly WireComponent[]): QuotaEntity | null {
  const entity: QuotaEntity = {};
  for (const { entityType, entityName } of components) {
    const name = entityName ?? DEFAULT_QUOTA_ENTITY;
    if (entityType === USER) entity.user = name;
    else if (entityType === CLIENT_ID) entity.clientId = name;
    else return null;
  }
  return entity.user === undefined && entity.clientId === undefined ? null : entity;
}

/** Writes either encoding with one set of calls: v1 compact and tagged, v0 classic. */
function wireWriter(encoder: KafkaEncoder, flexible: boolean) {
  return {
    string(value: string | null): void {
      if (flexible) encoder.writeUVarIntString(value);
      else encoder.writeString(value);
    },
    array<T>(items: readonly T[], write: (item: T) => void): void {
      if (flexible) encoder.writeUVarInt(items.length + 1);
      else encoder.writeInt32(items.length);
      for (const item of items) {
        write(item);
        if (flexible) encoder.writeUVarInt(0); // the struct's tagged fields
      }
    },
  };
}

function wireReader(decoder: KafkaDecoder, flexible: boolean) {
  return {
    string: (): string | null => (flexible ? decoder.readUVarIntString() : decoder.readString()),
    array<T>(read: () => T): T[] {
      const item = () => {
        const value = read();
        if (flexible) decoder.readTaggedFields();
        return value;
      };
      return (flexible ? decoder.readUVarIntArray(item) : decoder.readArray(item)) ?? [];
    },
  };
}

function quotaRequest(
  apiKey: number,
  apiName: string,
  version: number,
  writeBody: (write: ReturnType<typeof wireWriter>, encoder: KafkaEncoder) => void,
): ProtocolRequest {
  const flexible = version >= 1;
  return {
    apiKey,
    apiVersion: version,
    apiName,
    encode: async () => {
      const encoder = new Encoder();
      if (flexible) encoder.writeUVarInt(0); // request header v2: no tagged fields (see kafka-scram.ts)
      writeBody(wireWriter(encoder, flexible), encoder);
      if (flexible) encoder.writeUVarInt(0); // the body's tagged fields
      return encoder;
    },
  };
}

/** Every user and client-id quota of the cluster: no component, not strict. */
export function describeClientQuotasRequest(version: number): ProtocolRequest {
  return quotaRequest(DESCRIBE_CLIENT_QUOTAS, 'DescribeClientQuotas', version, (write, encoder) => {
    write.array([] as WireComponent[], () => undefined);
    encoder.writeBoolean(false);
  });
}

function readEntity(read: ReturnType<typeof wireReader>): WireComponent[] {
  return read.array(() => ({ entityType: read.string() ?? '', entityName: read.string() }));
}

export interface DescribeClientQuotasResponse {
  errorCode: number;
  errorMessage: string | null;
  entries: Array<{ entity: WireComponent[]; values: Array<{ key: string; value: number }> }>;
}

export function describeClientQuotasResponse(version: number): ProtocolResponse<DescribeClientQuotasResponse> {
  const flexible = version >= 1;
  return {
    async decode(payload) {
      const decoder = new Decoder(payload);
      const read = wireReader(decoder, flexible);
      if (flexible) decoder.readTaggedFields(); // response header v1
      decoder.readInt32(); // throttle_time_ms
      const errorCode = decoder.readInt16();
      const errorMessage = read.string();
      const entries = read.array(() => ({
        entity: readEntity(read),
        values: read.array(() => ({ key: read.string() ?? '', value: decoder.readDouble() })),
      }));
      return { errorCode, errorMessage, entries };
    },
    async parse(data) {
      if (data.errorCode !== 0) throw new QuotaRequestError('DescribeClientQuotas', data.errorCode, data.errorMessage);
      return data;
    },
  };
}

export function alterClientQuotasRequest(version: number, alterations: readonly QuotaAlteration[]): ProtocolRequest {
  return quotaRequest(ALTER_CLIENT_QUOTAS, 'AlterClientQuotas', version, (write, encoder) => {
    write.array(alterations, (alteration) => {
      write.array(entityComponents(alteration.entity), (component) => {
        write.string(component.entityType);
        write.string(component.entityName);
      });
      const ops = [
        ...Object.entries(alteration.set).map(([key, value]) => ({ key, value: value as number, remove: false })),
        ...alteration.remove.map((key) => ({ key, value: 0, remove: true })),
      ];
      write.array(ops, (op) => {
        write.string(op.key);
        encoder.writeDouble(op.value);
        encoder.writeBoolean(op.remove);
      });
    });
    encoder.writeBoolean(false); // validate_only
  });
}

export interface QuotaAlterResult {
  entity: QuotaEntity | null;
  errorCode: number;
  errorMessage: string | null;
}

export function alterClientQuotasResponse(version: number): ProtocolResponse<QuotaAlterResult[]> {
  const flexible = version >= 1;
  return {
    async decode(payload) {
      const decoder = new Decoder(payload);
      const read = wireReader(decoder, flexible);
      if (flexible) decoder.readTaggedFields(); // response header v1
      decoder.readInt32(); // throttle_time_ms
      return read.array(() => {
        const errorCode = decoder.readInt16();
        const errorMessage = read.string();
        return { errorCode, errorMessage, entity: entityOf(readEntity(read)) };
      });
    },
    async parse(data) {
      return data; // errors are per entity
    },
  };
}

/** The model's live quotas from a describe answer: user and client-id entities, the four known keys. */
export function liveQuotasOf(response: DescribeClientQuotasResponse): LiveQuota[] {
  const known = new Set<string>(QUOTA_KEYS);
  const quotas: LiveQuota[] = [];
  for (const entry of response.entries) {
    const entity = entityOf(entry.entity);
    if (!entity) continue;
    const values: QuotaValues = {};
    for (const { key, value } of entry.values) if (known.has(key)) values[key as QuotaKey] = value;
    if (Object.keys(values).length) quotas.push({ ...entity, values });
  }
  return quotas;
}

/** The highest version of an API both the broker and this codec speak, or null when the broker has none. */
function versionFor(versions: Record<number, { minVersion: number; maxVersion: number }> | null, apiKey: number) {
  const range = versions?.[apiKey];
  if (!range || range.minVersion > MAX_QUOTA_API_VERSION) return null;
  return Math.min(range.maxVersion, MAX_QUOTA_API_VERSION);
}

/** Talks KIP-546 over kafkajs' authenticated connections (the admin's own when built from adminWithScram's `shared`). */
export class KafkaQuotasAdmin extends KafkaAdminWire implements QuotaChangeApplier {
  /** Every user and client-id quota in one request; null when the cluster has no DescribeClientQuotas (before 2.6). */
  async describe(): Promise<LiveQuota[] | null> {
    const broker = await this.anyBroker();
    const version = versionFor(broker.versions, DESCRIBE_CLIENT_QUOTAS);
    if (version === null) return null;
    const response = await broker.connectionPool.send({
      request: describeClientQuotasRequest(version),
      response: describeClientQuotasResponse(version),
    });
    return liveQuotasOf(response);
  }

  /** QuotaChangeApplier: `alter`'s answers with Kafka's errors by name. */
  async applyAlterations(
    alterations: readonly QuotaAlteration[],
  ): Promise<Array<{ entity: QuotaEntity | null; error: string | null }>> {
    return (await this.alter(alterations)).map(({ entity, errorCode, errorMessage }) => ({
      entity,
      error: errorCode === 0 ? null : `${kafkaErrorName(errorCode)}${errorMessage ? ` (${errorMessage})` : ''}`,
    }));
  }

  /** Every alteration in one request; a result per entity. */
  async alter(alterations: readonly QuotaAlteration[]): Promise<QuotaAlterResult[]> {
    if (alterations.length === 0) return [];
    const broker = await this.anyBroker();
    const version = versionFor(broker.versions, ALTER_CLIENT_QUOTAS);
    if (version === null) throw new Error('this cluster has no AlterClientQuotas (Kafka 2.6 or newer has it)');
    return broker.connectionPool.send({
      request: alterClientQuotasRequest(version, alterations),
      response: alterClientQuotasResponse(version),
    });
  }
}
