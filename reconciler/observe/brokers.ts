/**
 * The observer's reads sent to one named broker rather than to whichever broker kafkajs picks. Kafka's brokers learn
 * a write (a new ACL, a deleted topic, a config) from the controller a moment apart; a verification that asks one
 * broker can see the write while another broker does not yet, and the next plan, sent to that other broker, would
 * report the write as missing. So the verification reads every broker (observe/kafka.ts on each reader), and a write
 * counts as done when all of them show it.
 *
 * kafkajs keeps its per-broker client internal (kafkajs/src/broker/index.js): these are the three methods used, as
 * that file defines them; the Admin's own methods are thin wrappers that pick a broker and call the same ones.
 */
import type { Admin, DescribeAclResponse, DescribeConfigResponse, ResourceConfigQuery } from 'kafkajs';
import type { ClusterReads } from './kafka';

interface RawBrokerReads {
  metadata(topics: string[]): Promise<{
    brokers: { nodeId: number; host: string; port: number }[];
    clusterId: string;
    controllerId: number | null;
    topicMetadata: {
      topic: string;
      partitionMetadata: {
        partitionErrorCode: number;
        partitionId: number;
        leader: number;
        replicas: number[];
        isr: number[];
        offlineReplicas?: number[];
      }[];
    }[];
  }>;
  describeConfigs(request: {
    resources: ResourceConfigQuery[];
    includeSynonyms: boolean;
  }): Promise<DescribeConfigResponse>;
  describeAcls(filter: Parameters<Admin['describeAcls']>[0]): Promise<DescribeAclResponse>;
}

function isRawBroker(value: unknown): value is RawBrokerReads {
  const broker = value as Partial<Record<keyof RawBrokerReads, unknown>> | null;
  return (
    typeof broker?.metadata === 'function' &&
    typeof broker.describeConfigs === 'function' &&
    typeof broker.describeAcls === 'function'
  );
}

/**
 * The observer's reads, all sent to `broker` (a kafkajs Broker); null when it is not one (another kafkajs version).
 * One reader serves one observation: its topics and its broker list come from the same Metadata request.
 */
export function brokerReads(broker: unknown): ClusterReads | null {
  if (!isRawBroker(broker)) return null;
  let metadataRequest: ReturnType<RawBrokerReads['metadata']> | null = null;
  // An empty list is sent as null: every topic.
  const metadataOnce = () => (metadataRequest ??= broker.metadata([]));
  return {
    fetchTopicMetadata: async () => {
      const metadata = await metadataOnce();
      return {
        topics: metadata.topicMetadata.map((topic) => ({
          name: topic.topic,
          partitions: topic.partitionMetadata.map((partition) => ({ offlineReplicas: [], ...partition })),
        })),
      };
    },
    describeConfigs: (request) => broker.describeConfigs(request),
    describeAcls: (filter) => broker.describeAcls(filter),
    describeCluster: async () => {
      const metadata = await metadataOnce();
      const controller = metadata.controllerId === null || metadata.controllerId < 0 ? null : metadata.controllerId;
      return { brokers: metadata.brokers, controller, clusterId: metadata.clusterId };
    },
  };
}
