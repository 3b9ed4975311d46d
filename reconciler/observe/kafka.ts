/**
 * Reads the live cluster into the model's LiveState with a constant number of requests whatever its size: one
 * metadata request for every topic, one for the brokers, one DescribeConfigs for every topic (kafkajs sends it to one
 * broker), one DescribeAcls with an ANY filter. Users come from the users store and are merged in by the reconcile step.
 */
import { ConfigResourceTypes, ConfigSource, type Admin, type DescribeConfigResponse } from 'kafkajs';
import type { LiveState, LiveTopic } from '../model/schema';
import { ANY_ACL_FILTER, decodeAcls } from './acl-codec';

export type LiveClusterState = Omit<LiveState, 'users'>;

/** The reads the observer makes: a kafkajs Admin has them, and so has one broker's reader (see brokers.ts). */
export type ClusterReads = Pick<Admin, 'fetchTopicMetadata' | 'describeConfigs' | 'describeAcls' | 'describeCluster'>;

/** Only DYNAMIC_TOPIC_CONFIG entries are the topic's own overrides; everything else is a broker or static default. */
export function topicOverrides(
  entries: DescribeConfigResponse['resources'][number]['configEntries'],
): Record<string, string> {
  const overrides: Record<string, string> = {};
  for (const entry of entries) {
    // Sensitive values come back as null: they cannot be compared, so they are not managed.
    if (entry.configSource === ConfigSource.TOPIC_CONFIG && entry.configValue !== null && !entry.isSensitive) {
      overrides[entry.configName] = entry.configValue;
    }
  }
  return overrides;
}

/** Live overrides of the named topics in one DescribeConfigs; a topic Kafka could not describe fails the read. */
export async function describeTopicOverrides(
  admin: ClusterReads,
  topics: string[],
): Promise<Map<string, Record<string, string>>> {
  const result = new Map<string, Record<string, string>>();
  if (topics.length === 0) return result;
  const response = await admin.describeConfigs({
    resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name })),
    includeSynonyms: false,
  });
  for (const resource of response.resources) {
    if (resource.errorCode) {
      throw new Error(
        `describe configs of topic ${resource.resourceName}: ${resource.errorMessage || `error code ${resource.errorCode}`}`,
      );
    }
    result.set(resource.resourceName, topicOverrides(resource.configEntries));
  }
  return result;
}

/** A topic deleted between the Metadata read and the DescribeConfigs (by another client): read the cluster again. */
function isVanishedTopic(error: unknown, depth = 0): boolean {
  const e = error as { type?: unknown; cause?: unknown } | null;
  if (!e || depth > 3) return false;
  // kafkajs retries it first, then wraps it as the cause of KafkaJSNumberOfRetriesExceeded.
  return e.type === 'UNKNOWN_TOPIC_OR_PARTITION' || isVanishedTopic(e.cause, depth + 1);
}

export async function observeCluster(admin: ClusterReads, attempts = 3): Promise<LiveClusterState> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await readCluster(admin);
    } catch (error) {
      if (attempt >= attempts || !isVanishedTopic(error)) throw error;
    }
  }
}

async function readCluster(admin: ClusterReads): Promise<LiveClusterState> {
  // No topic list means every topic, in a single Metadata request.
  const metadata = await admin.fetchTopicMetadata();
  const names = metadata.topics.map((topic) => topic.name).sort();
  // Every read settles before a failure is thrown, so none is left in flight when the caller disconnects.
  const [overridesRead, aclRead, clusterRead] = await Promise.allSettled([
    describeTopicOverrides(admin, names),
    admin.describeAcls(ANY_ACL_FILTER),
    admin.describeCluster(),
  ]);
  if (overridesRead.status === 'rejected') throw overridesRead.reason;
  if (aclRead.status === 'rejected') throw aclRead.reason;
  if (clusterRead.status === 'rejected') throw clusterRead.reason;
  const [overrides, aclResponse, cluster] = [overridesRead.value, aclRead.value, clusterRead.value];

  const topics: LiveTopic[] = metadata.topics
    .map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.length,
      // The widest replica set: a partition mid-reassignment or with an offline replica still counts its replicas.
      replicationFactor: Math.max(0, ...topic.partitions.map((p) => p.replicas.length)),
      config: overrides.get(topic.name) ?? {},
      assignment: [...topic.partitions].sort((a, b) => a.partitionId - b.partitionId).map((p) => [...p.replicas]),
    }))
    .sort((a, b) => a.name.localeCompare(b.name));

  if (aclResponse.errorCode) {
    throw new Error(`describe ACLs: ${aclResponse.errorMessage || `error code ${aclResponse.errorCode}`}`);
  }
  return {
    topics,
    acls: decodeAcls(aclResponse),
    brokers: cluster.brokers.map((broker) => broker.nodeId).sort((a, b) => a - b),
    clusterId: cluster.clusterId || null,
  };
}
