/**
 * The MSK IAM (`kafka-cluster:*`) actions the reconciler's admin identity needs, and on which resource kind.
 * One list, read by the CDKTF stack (the jumper's instance-profile policy) and by the docs, so the grant and the
 * documentation cannot drift apart. Each action is here because a Kafka API the reconciler sends requires it; MSK maps
 * every Kafka ACL operation to one action (DESCRIBE CLUSTER → DescribeCluster, ALTER_CONFIGS TOPIC →
 * AlterTopicDynamicConfiguration, …): https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
 * Every action also requires `kafka-cluster:Connect`, and some require a Describe* sibling (AlterCluster needs
 * DescribeCluster, AlterTopic/DeleteTopic need DescribeTopic, AlterTopicDynamicConfiguration needs
 * DescribeTopicDynamicConfiguration): all of those are in the list.
 *
 * test/broker/iam-contract.test.ts proves the list against what the reconciler really sends: every request is allowed
 * on its resource, and every action here is used (the scenario creates, changes and removes a client quota too).
 */
export const RECONCILER_IAM_ACTIONS = {
  /** arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID */
  cluster: [
    'kafka-cluster:Connect', // every connection (the SASL/OAUTHBEARER handshake itself)
    'kafka-cluster:DescribeCluster', // DescribeAcls, ListPartitionReassignments (DESCRIBE CLUSTER)
    'kafka-cluster:AlterCluster', // CreateAcls, DeleteAcls, AlterPartitionReassignments (ALTER CLUSTER)
    'kafka-cluster:DescribeClusterDynamicConfiguration', // DescribeClientQuotas (DESCRIBE_CONFIGS CLUSTER), KIP-546
    'kafka-cluster:AlterClusterDynamicConfiguration', // AlterClientQuotas (ALTER_CONFIGS CLUSTER), KIP-546
  ],
  /** arn:aws:kafka:REGION:ACCOUNT:topic/NAME/UUID/* */
  topic: [
    'kafka-cluster:CreateTopic', // CreateTopics
    'kafka-cluster:DescribeTopic', // Metadata
    'kafka-cluster:AlterTopic', // CreatePartitions
    'kafka-cluster:DeleteTopic', // DeleteTopics: only used when the manifests opt in to deletions
    'kafka-cluster:DescribeTopicDynamicConfiguration', // DescribeConfigs on topics
    'kafka-cluster:AlterTopicDynamicConfiguration', // IncrementalAlterConfigs on topics
  ],
  // No group action: the reconciler reads and writes no consumer group. ACLs *on* groups are CreateAcls/DeleteAcls,
  // i.e. AlterCluster above.
} as const;

export type IamResourceKind = keyof typeof RECONCILER_IAM_ACTIONS;
