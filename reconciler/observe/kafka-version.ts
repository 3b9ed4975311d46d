/**
 * Which Apache Kafka a cluster runs. Kafka has no "version" request; what a client can ask is ApiVersions, and from
 * v3 on (KIP-511, KIP-584) its answer carries the cluster's finalized feature levels beside the API version ranges.
 * On a KRaft cluster (every 4.x cluster, MSK's KRaft clusters) the finalized `metadata.version` level names the
 * release the cluster runs at: level 27 is "4.1-IV1", so Kafka 4.1 (MetadataVersion in kafka-server-common). It can
 * lag behind the binaries during an upgrade until the operator finalizes it, and it is what the cluster behaves as.
 * A ZooKeeper-mode cluster finalizes no `metadata.version`; then the version is reported unknown.
 *
 * kafkajs 2.2.4 sends ApiVersions v2 only (no features), so v3 is hand-written here the way users/kafka-scram.ts
 * writes KIP-554: a flexible request (request header v2: an empty tagged-field byte first); ApiVersions answers
 * with response header v0 whatever its version, so the body starts right after the correlation id.
 */
import type { ProtocolRequest, ProtocolResponse } from './kafka-protocol';
import { Decoder, Encoder } from './kafka-protocol';

export const API_VERSIONS = 18;

/** metadata.version feature levels → their MetadataVersion names (Kafka 4.2.1's enum, 3.0-IV1 onwards). */
const METADATA_VERSIONS: readonly string[] = [
  '3.0-IV1', '3.1-IV0', '3.2-IV0', '3.3-IV0', '3.3-IV1', '3.3-IV2', '3.3-IV3', '3.4-IV0', '3.5-IV0', '3.5-IV1',
  '3.5-IV2', '3.6-IV0', '3.6-IV1', '3.6-IV2', '3.7-IV0', '3.7-IV1', '3.7-IV2', '3.7-IV3', '3.7-IV4', '3.8-IV0',
  '3.9-IV0', '4.0-IV0', '4.0-IV1', '4.0-IV2', '4.0-IV3', '4.1-IV0', '4.1-IV1', '4.2-IV0', '4.2-IV1',
]; // prettier-ignore

/** The MetadataVersion a feature level stands for ("4.1-IV1"), or undefined beyond the table. */
export function metadataVersionName(level: number): string | undefined {
  return METADATA_VERSIONS[level - 1];
}

export interface ApiRange {
  min: number;
  max: number;
}

export interface ApiVersionsAnswer {
  errorCode: number;
  /** API key → the versions the broker accepts. */
  apis: Map<number, ApiRange>;
  /** Finalized feature name → level range (`metadata.version`, `kraft.version`, `group.version`, …). */
  finalizedFeatures: Map<string, ApiRange>;
}

export function apiVersionsRequest(): ProtocolRequest {
  return {
    apiKey: API_VERSIONS,
    apiVersion: 3,
    apiName: 'ApiVersions',
    encode: async () =>
      new Encoder()
        .writeUVarInt(0) // request header v2: no tagged fields
        .writeUVarIntString('msk-gitops')
        .writeUVarIntString('1')
        .writeUVarInt(0),
  };
}

function readRange(decoder: Decoder): ApiRange {
  const min = decoder.readInt16();
  return { min, max: decoder.readInt16() };
}

export const apiVersionsResponse: ProtocolResponse<ApiVersionsAnswer> = {
  async decode(payload) {
    const decoder = new Decoder(payload);
    const errorCode = decoder.readInt16();
    const apis = new Map<number, ApiRange>();
    const finalizedFeatures = new Map<string, ApiRange>();
    if (errorCode !== 0) return { errorCode, apis, finalizedFeatures }; // an old broker answers v0 with the error
    for (let n = decoder.readUVarInt() - 1; n > 0; n--) {
      const key = decoder.readInt16();
      apis.set(key, readRange(decoder));
      decoder.readTaggedFields();
    }
    decoder.readInt32(); // throttle_time_ms
    for (let tags = decoder.readUVarInt(); tags > 0; tags--) {
      const tag = decoder.readUVarInt();
      const size = decoder.readUVarInt();
      if (tag !== 2) {
        decoder.offset += size; // SupportedFeatures, FinalizedFeaturesEpoch, ZkMigrationReady: not needed
        continue;
      }
      for (let n = decoder.readUVarInt() - 1; n > 0; n--) {
        const name = decoder.readUVarIntString() ?? '';
        const max = decoder.readInt16();
        const min = decoder.readInt16();
        finalizedFeatures.set(name, { min, max });
        decoder.readTaggedFields();
      }
    }
    return { errorCode, apis, finalizedFeatures };
  },
  async parse(data) {
    return data;
  },
};

export interface KafkaVersionFinding {
  /** "4.1", or undefined when the cluster does not say (ZooKeeper mode, or a level newer than the table). */
  release?: string;
  /** How it was found, for the user: "metadata.version 4.1-IV1, feature level 27". */
  evidence: string;
}

export function kafkaVersionOf(answer: ApiVersionsAnswer): KafkaVersionFinding {
  const metadata = answer.finalizedFeatures.get('metadata.version');
  if (!metadata) return { evidence: 'no finalized metadata.version (a ZooKeeper-mode cluster?)' };
  const name = metadataVersionName(metadata.max);
  const evidence = `metadata.version ${name ?? 'unknown'}, feature level ${metadata.max}`;
  return name ? { release: name.split('-')[0], evidence } : { evidence };
}
