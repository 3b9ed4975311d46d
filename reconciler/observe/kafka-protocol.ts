/**
 * kafkajs' protocol codec, for the requests kafkajs 2.2.4 lacks (ApiVersions v3 here; the KIP-554 SCRAM requests in
 * users/kafka-scram.ts follow the same shape). kafkajs ships it as plain CommonJS without type declarations; these
 * are the parts used, and the `{apiKey, apiVersion, apiName, encode}` / `{decode, parse}` pair its connections send.
 */
export interface Encoder {
  writeInt16(value: number): Encoder;
  writeUVarInt(value: number): Encoder;
  writeUVarIntString(value: string | null): Encoder;
  readonly buffer: Buffer;
}
export interface Decoder {
  offset: number;
  readInt16(): number;
  readInt32(): number;
  readUVarInt(): number;
  readUVarIntString(): string | null;
  readTaggedFields(): unknown;
}
/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs' codec is internal CommonJS, see above */
export const Encoder = require('kafkajs/src/protocol/encoder') as new () => Encoder;
export const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => Decoder;
/* eslint-enable @typescript-eslint/no-require-imports */

export interface ProtocolRequest {
  apiKey: number;
  apiVersion: number;
  apiName: string;
  encode(): Promise<Encoder>;
}
export interface ProtocolResponse<T> {
  decode(payload: Buffer): Promise<T>;
  parse(data: T): Promise<T>;
}

/** Sends one request on an authenticated kafkajs connection and resolves to the parsed answer. */
export type SendRequest = <T>(request: ProtocolRequest, response: ProtocolResponse<T>) => Promise<T>;
