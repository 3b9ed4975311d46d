/**
 * SCRAM credentials on a self-managed Kafka, through DescribeUserScramCredentials (API key 50) and
 * AlterUserScramCredentials (API key 51), KIP-554. kafkajs 2.2.4 has neither, so this file adds the two requests
 * the way kafkajs defines its own (an `{apiKey, apiVersion, apiName, encode}` request and a `{decode, parse}`
 * response, see kafkajs/src/protocol/requests/*) and sends them through kafkajs' own connection, already
 * authenticated with the profile's SASL settings.
 *
 * How the gap is filled:
 * - Both APIs exist only in version 0, which is a *flexible* version ("flexibleVersions": "0+"): compact strings,
 *   compact arrays and compact bytes (unsigned-varint length + 1) and a tagged-field section after every struct.
 *   kafkajs' Encoder/Decoder already have those primitives (writeUVarInt*, readUVarInt*, readTaggedFields).
 * - Flexible requests use request header v2 = header v1 + a tagged-field section. kafkajs' request framer
 *   (kafkajs/src/protocol/request.js) writes header v1 (api key, version, correlation id, client id) and then the
 *   request body verbatim, so `encode()` below starts the body with the header's empty tagged-field section (one
 *   0x00 byte): the bytes on the wire are exactly header v2 followed by the v0 body.
 * - Flexible responses use response header v1 = correlation id + a tagged-field section. kafkajs' connection
 *   consumes the correlation id and hands the rest to `decode()`, which therefore first skips the header's tagged
 *   fields.
 * - The connection comes from a kafkajs Cluster built by the Kafka client's own factory, so TLS, SASL (SCRAM or
 *   IAM OAUTHBEARER), the socket factory and the client id are exactly the admin's. `adminWithScram` goes further
 *   and hands the admin's own Cluster to the SCRAM side, so a reconcile opens one set of connections, not two.
 *   Describe goes to any broker already connected (as Kafka's AdminClient sends it to the least loaded node: every
 *   broker answers it); Alter goes to the controller kafkajs reports (on KRaft any broker forwards it to the active
 *   controller, and KRaft brokers report a random broker as "controller").
 * - Salted passwords are computed here: SCRAM's Hi() is PBKDF2 with HMAC-SHA-512/256 (RFC 5802, RFC 7677), the
 *   broker stores salt, iterations and the salted password, never the password.
 */
import { pbkdf2Sync, randomBytes } from 'node:crypto';
import type { Admin, Kafka } from 'kafkajs';
import type { ScramMechanism } from '../model/schema';

// kafkajs ships its protocol codec as plain CommonJS without type declarations; these are the parts used here and
// by the KIP-546 client-quota requests (kafka-quotas.ts).
export interface KafkaEncoder {
  writeInt8(value: number): KafkaEncoder;
  writeInt16(value: number): KafkaEncoder;
  writeInt32(value: number): KafkaEncoder;
  writeBoolean(value: boolean): KafkaEncoder;
  writeDouble(value: number): KafkaEncoder;
  writeString(value: string | null): KafkaEncoder;
  writeUVarInt(value: number): KafkaEncoder;
  writeUVarIntString(value: string | null): KafkaEncoder;
  writeUVarIntBytes(value: Buffer): KafkaEncoder;
  readonly buffer: Buffer;
}
export interface KafkaDecoder {
  readInt8(): number;
  readDouble(): number;
  readString(): string | null;
  readArray<T>(reader: (decoder: KafkaDecoder) => T): T[] | null;
  readInt16(): number;
  readInt32(): number;
  readUVarIntString(): string | null;
  readUVarIntArray<T>(reader: (decoder: KafkaDecoder) => T): T[] | null;
  readTaggedFields(): unknown;
}
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' codec is internal CommonJS, see above */
export const Encoder = require('kafkajs/src/protocol/encoder') as new () => KafkaEncoder;
export const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => KafkaDecoder;
/* eslint-enable @typescript-eslint/no-require-imports */

export const DESCRIBE_USER_SCRAM_CREDENTIALS = 50;
export const ALTER_USER_SCRAM_CREDENTIALS = 51;

/** The ScramMechanism enum of the protocol (org.apache.kafka.clients.admin.ScramMechanism). */
const MECHANISM_CODES: Record<ScramMechanism, number> = { 'SCRAM-SHA-256': 1, 'SCRAM-SHA-512': 2 };
const MECHANISM_NAMES = new Map<number, ScramMechanism>([
  [1, 'SCRAM-SHA-256'],
  [2, 'SCRAM-SHA-512'],
]);
const DIGESTS: Record<ScramMechanism, { digest: string; length: number }> = {
  'SCRAM-SHA-256': { digest: 'sha256', length: 32 },
  'SCRAM-SHA-512': { digest: 'sha512', length: 64 },
};

/** Error codes these two APIs answer with, by name; anything else is reported by its number. */
const ERROR_NAMES: Record<number, string> = {
  29: 'TOPIC_AUTHORIZATION_FAILED',
  31: 'CLUSTER_AUTHORIZATION_FAILED',
  33: 'UNSUPPORTED_SASL_MECHANISM',
  35: 'UNSUPPORTED_VERSION',
  41: 'NOT_CONTROLLER',
  42: 'INVALID_REQUEST',
  91: 'RESOURCE_NOT_FOUND',
  92: 'DUPLICATE_RESOURCE',
  93: 'UNACCEPTABLE_CREDENTIAL',
};

export function kafkaErrorName(code: number): string {
  return ERROR_NAMES[code] ?? `Kafka error code ${code}`;
}

/** A request-level failure of one of these APIs (never carries credential material). */
export class ScramRequestError extends Error {
  constructor(
    readonly api: string,
    readonly errorCode: number,
    errorMessage: string | null,
  ) {
    super(`${api} failed: ${kafkaErrorName(errorCode)}${errorMessage ? ` (${errorMessage})` : ''}`);
  }
}

export interface ScramCredentialInfo {
  mechanism: ScramMechanism;
  iterations: number;
}

export interface ScramUserDescription {
  name: string;
  errorCode: number;
  errorMessage: string | null;
  credentials: ScramCredentialInfo[];
}

export interface ScramUpsertion {
  name: string;
  mechanism: ScramMechanism;
  iterations: number;
  salt: Buffer;
  saltedPassword: Buffer;
}

export interface ScramDeletion {
  name: string;
  mechanism: ScramMechanism;
}

export interface ScramAlterResult {
  name: string;
  errorCode: number;
  errorMessage: string | null;
}

/** SCRAM's Hi(password, salt, i) for the mechanism's hash (RFC 5802 §2.2): PBKDF2 with one block of output. */
export function saltedPassword(password: string, salt: Buffer, iterations: number, mechanism: ScramMechanism): Buffer {
  const { digest, length } = DIGESTS[mechanism];
  return pbkdf2Sync(Buffer.from(password, 'utf8'), salt, iterations, length, digest);
}

/** The upsertion for a user's new password, with a fresh random salt. */
export function scramUpsertion(
  name: string,
  password: string,
  mechanism: ScramMechanism,
  iterations: number,
  salt: Buffer = randomBytes(32),
): ScramUpsertion {
  return { name, mechanism, iterations, salt, saltedPassword: saltedPassword(password, salt, iterations, mechanism) };
}

/** The kafkajs protocol request object; `encode` prepends request header v2's empty tagged fields (see top). */
export interface ProtocolRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode(): Promise<KafkaEncoder>;
}
export interface ProtocolResponse<T> {
  decode(payload: Buffer): Promise<T>;
  parse(data: T): Promise<T>;
}

function flexibleRequest(apiKey: number, apiName: string, writeBody: (encoder: KafkaEncoder) => void): ProtocolRequest {
  return {
    apiKey,
    apiVersion: 0,
    apiName,
    encode: async () => {
      const encoder = new Encoder().writeUVarInt(0); // request header v2: no tagged fields
      writeBody(encoder);
      return encoder.writeUVarInt(0); // the request body's own tagged fields
    },
  };
}

function compactArray<T>(encoder: KafkaEncoder, items: readonly T[] | null, write: (item: T) => void): void {
  if (items === null) {
    encoder.writeUVarInt(0);
    return;
  }
  encoder.writeUVarInt(items.length + 1);
  for (const item of items) {
    write(item);
    encoder.writeUVarInt(0); // the struct's tagged fields
  }
}

/** DescribeUserScramCredentials v0: `users` null describes every user with a credential. */
export function describeUserScramCredentialsRequest(users: readonly string[] | null): ProtocolRequest {
  return flexibleRequest(DESCRIBE_USER_SCRAM_CREDENTIALS, 'DescribeUserScramCredentials', (encoder) =>
    compactArray(encoder, users, (name) => encoder.writeUVarIntString(name)),
  );
}

export function alterUserScramCredentialsRequest(
  deletions: readonly ScramDeletion[],
  upsertions: readonly ScramUpsertion[],
): ProtocolRequest {
  return flexibleRequest(ALTER_USER_SCRAM_CREDENTIALS, 'AlterUserScramCredentials', (encoder) => {
    compactArray(encoder, deletions, (deletion) => {
      encoder.writeUVarIntString(deletion.name).writeInt8(MECHANISM_CODES[deletion.mechanism]);
    });
    compactArray(encoder, upsertions, (upsertion) => {
      encoder
        .writeUVarIntString(upsertion.name)
        .writeInt8(MECHANISM_CODES[upsertion.mechanism])
        .writeInt32(upsertion.iterations)
        .writeUVarIntBytes(upsertion.salt)
        .writeUVarIntBytes(upsertion.saltedPassword);
    });
  });
}

function readStruct<T>(decoder: KafkaDecoder, read: () => T): T {
  const value = read();
  decoder.readTaggedFields();
  return value;
}

export interface DescribeUserScramCredentialsResponse {
  errorCode: number;
  errorMessage: string | null;
  results: ScramUserDescription[];
}

export const describeUserScramCredentialsResponse: ProtocolResponse<DescribeUserScramCredentialsResponse> = {
  async decode(payload) {
    const decoder = new Decoder(payload);
    decoder.readTaggedFields(); // response header v1
    decoder.readInt32(); // throttle_time_ms
    const errorCode = decoder.readInt16();
    const errorMessage = decoder.readUVarIntString();
    const results =
      decoder.readUVarIntArray((d) =>
        readStruct(d, () => {
          const name = d.readUVarIntString() ?? '';
          const userErrorCode = d.readInt16();
          const userErrorMessage = d.readUVarIntString();
          const infos =
            d.readUVarIntArray((c) => readStruct(c, () => ({ mechanism: c.readInt8(), iterations: c.readInt32() }))) ??
            [];
          const credentials = infos.flatMap(({ mechanism, iterations }) => {
            const known = MECHANISM_NAMES.get(mechanism);
            return known ? [{ mechanism: known, iterations }] : [];
          });
          return { name, errorCode: userErrorCode, errorMessage: userErrorMessage, credentials };
        }),
      ) ?? [];
    decoder.readTaggedFields();
    return { errorCode, errorMessage, results };
  },
  async parse(data) {
    if (data.errorCode !== 0)
      throw new ScramRequestError('DescribeUserScramCredentials', data.errorCode, data.errorMessage);
    return data;
  },
};

export interface AlterUserScramCredentialsResponse {
  results: ScramAlterResult[];
}

export const alterUserScramCredentialsResponse: ProtocolResponse<AlterUserScramCredentialsResponse> = {
  async decode(payload) {
    const decoder = new Decoder(payload);
    decoder.readTaggedFields(); // response header v1
    decoder.readInt32(); // throttle_time_ms
    const results =
      decoder.readUVarIntArray((d) =>
        readStruct(d, () => ({
          name: d.readUVarIntString() ?? '',
          errorCode: d.readInt16(),
          errorMessage: d.readUVarIntString(),
        })),
      ) ?? [];
    decoder.readTaggedFields();
    return { results };
  },
  async parse(data) {
    return data; // errors are per user
  },
};

// The kafkajs internals this adapter touches: a Cluster from the client's factory and a Broker's connection pool.
export interface RawBroker {
  versions: Record<number, { minVersion: number; maxVersion: number }> | null;
  connectionPool: { send<T>(protocol: { request: ProtocolRequest; response: ProtocolResponse<T> }): Promise<T> };
}
interface RawCluster {
  isConnected(): boolean;
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  refreshMetadata(): Promise<void>;
  findControllerBroker(): Promise<RawBroker>;
  /** Connects to the broker with that id (refreshing metadata when it is unknown). */
  findBroker(query: { nodeId: number }): Promise<unknown>;
  brokerPool: { findConnectedBroker(): Promise<RawBroker> };
}
type ClusterFactory = (options: { metadataMaxAge?: number; allowAutoTopicCreation?: boolean }) => RawCluster;

const CLUSTER_FACTORY = 'private:Kafka:createCluster';

type FactoryHolder = Record<symbol, ClusterFactory>;

/** The object holding the factory (the Kafka client, or the client a wrapper made with Object.create inherits from). */
function clusterFactoryHolder(kafka: Kafka): { holder: FactoryHolder; symbol: symbol } {
  for (let object: object | null = kafka; object; object = Object.getPrototypeOf(object) as object | null) {
    const symbol = Object.getOwnPropertySymbols(object).find((s) => s.description === CLUSTER_FACTORY);
    const holder = object as FactoryHolder;
    if (symbol && typeof holder[symbol] === 'function') return { holder, symbol };
  }
  throw new Error(
    'this kafkajs version does not expose its cluster factory; SCRAM user management needs kafkajs 2.2.x',
  );
}

/** The kafkajs client's private cluster factory (the one admin(), producer() and consumer() use). */
function clusterFactoryOf(kafka: Kafka): ClusterFactory {
  const { holder, symbol } = clusterFactoryHolder(kafka);
  return holder[symbol];
}

/** The admin's cluster, for a KafkaScramAdmin (or KafkaQuotasAdmin) that uses the admin's connections and leaves them to the admin. */
export interface SharedCluster {
  readonly shared: RawCluster;
}

/**
 * Requests kafkajs lacks, sent over kafkajs' authenticated connections: the admin's own (SharedCluster) or a cluster
 * of its own built by the client's factory. KafkaScramAdmin (KIP-554) and KafkaQuotasAdmin (KIP-546) build on it.
 */
export class KafkaAdminWire {
  private readonly cluster: RawCluster;
  /** false: the admin's cluster, which the admin connects and disconnects. */
  private readonly owned: boolean;
  private connected = false;

  constructor(source: Kafka | SharedCluster) {
    if ('shared' in source) {
      this.cluster = source.shared;
      this.owned = false;
    } else {
      this.cluster = clusterFactoryOf(source)({ allowAutoTopicCreation: false });
      this.owned = true;
    }
  }

  private async connect(): Promise<void> {
    if (this.owned ? !this.connected : !this.cluster.isConnected()) {
      await this.cluster.connect();
      this.connected = true;
    }
  }

  /** Any connected broker (the seed broker right after connecting): no new connection and no Metadata request. */
  protected async anyBroker(): Promise<RawBroker> {
    await this.connect();
    return this.cluster.brokerPool.findConnectedBroker();
  }

  protected async controller(): Promise<RawBroker> {
    await this.connect();
    await this.cluster.refreshMetadata();
    return this.cluster.findControllerBroker();
  }

  /** Closes its own connections; on the admin's cluster it leaves them to the admin. */
  async disconnect(): Promise<void> {
    if (this.owned && this.connected) await this.cluster.disconnect();
    this.connected = false;
  }
}

/** Talks KIP-554 to a self-managed cluster over kafkajs' authenticated connections. */
export class KafkaScramAdmin extends KafkaAdminWire {
  /** Whether the broker implements both APIs (Kafka 2.7+). */
  async supported(): Promise<boolean> {
    const broker = await this.anyBroker();
    const versions = broker.versions ?? {};
    return [DESCRIBE_USER_SCRAM_CREDENTIALS, ALTER_USER_SCRAM_CREDENTIALS].every(
      (key) => versions[key] !== undefined && versions[key].minVersion <= 0,
    );
  }

  /**
   * One request: every user (`null`) or the named ones; unknown names come back with RESOURCE_NOT_FOUND. Every user
   * is asked for with an empty list, which means the same: a null list makes Kafka 3.9's error path throw
   * (DescribeUserScramCredentialsRequest.getErrorResponse), so an unauthorized describe would time out, not fail.
   */
  async describe(users: readonly string[] | null = null): Promise<ScramUserDescription[]> {
    const broker = await this.anyBroker();
    const response = await broker.connectionPool.send({
      request: describeUserScramCredentialsRequest(users ?? []),
      response: describeUserScramCredentialsResponse,
    });
    return response.results;
  }

  /**
   * Another hand-written request (observe/kafka-version.ts: ApiVersions v3) on the same connections, to any broker.
   * Typed by its caller's codec: kafkajs' connection only calls `encode`, `decode` and `parse`.
   */
  async send<T>(request: { apiKey: number; apiName: string }, response: ProtocolResponse<T>): Promise<T> {
    const broker = await this.anyBroker();
    return broker.connectionPool.send({ request: request as ProtocolRequest, response });
  }

  /** One request for every deletion and upsertion; a result per user (a user may appear in only one of them). */
  async alter(deletions: readonly ScramDeletion[], upsertions: readonly ScramUpsertion[]): Promise<ScramAlterResult[]> {
    if (deletions.length === 0 && upsertions.length === 0) return [];
    const broker = await this.controller();
    const response = await broker.connectionPool.send({
      request: alterUserScramCredentialsRequest(deletions, upsertions),
      response: alterUserScramCredentialsResponse,
    });
    return response.results;
  }
}

/**
 * A kafkajs admin and a KafkaScramAdmin over that admin's own cluster: one set of connections for topics, ACLs and
 * users. kafkajs keeps the admin's cluster private, so the client's factory is wrapped for the one synchronous
 * `kafka.admin()` call that builds it, and put back right after. Connect and disconnect the admin as usual. `scram`
 * is undefined when the admin was not built by that factory (a wrapped client): the store then connects on its own.
 * `shared` is the same cluster, for the other requests kafkajs lacks (KafkaQuotasAdmin).
 */
export function adminWithScram(kafka: Kafka): {
  admin: Admin;
  scram?: KafkaScramAdmin;
  shared?: SharedCluster;
  /** One broker of the admin's cluster by id, connected: kafkajs' Broker (observe/brokers.ts reads through it). */
  broker?: (nodeId: number) => Promise<unknown>;
} {
  const { holder, symbol } = clusterFactoryHolder(kafka);
  const factory = holder[symbol];
  const built: RawCluster[] = [];
  holder[symbol] = (options) => {
    const cluster = factory(options);
    built.push(cluster);
    return cluster;
  };
  let admin: Admin;
  try {
    admin = kafka.admin();
  } finally {
    holder[symbol] = factory;
  }
  if (built.length !== 1) return { admin };
  const [cluster] = built;
  const shared = { shared: cluster };
  return { admin, scram: new KafkaScramAdmin(shared), shared, broker: (nodeId) => cluster.findBroker({ nodeId }) };
}
