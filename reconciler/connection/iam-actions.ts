/**
 * The MSK IAM (`kafka-cluster:*`) actions the reconciler's admin identity needs, and on which resource kind.
 * One list, read by the CDKTF stack (the jumper's instance-profile policy) and by the docs, so the grant and the
 * documentation cannot drift apart. Each action is here because a Kafka API the reconciler calls requires it; MSK maps
 * every Kafka ACL operation to one action (DESCRIBE CLUSTER → DescribeCluster, ALTER_CONFIGS TOPIC →
 * AlterTopicDynamicConfiguration, …): https://docs.aws.amazon.com/msk/latest/developerguide/kafka-actions.html
 * Every action also requires `kafka-cluster:Connect`, and some require a Describe* sibling (AlterCluster needs
 * DescribeCluster, AlterTopic/DeleteTopic need DescribeTopic, AlterTopicDynamicConfiguration needs
 * DescribeTopicDynamicConfiguration): all of those are in the list.
 */
export const RECONCILER_IAM_ACTIONS = {
  /** arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID */
  cluster: [
    'kafka-cluster:Connect', // every connection (the SASL/OAUTHBEARER handshake itself)
    'kafka-cluster:DescribeCluster', // DescribeAcls, ListPartitionReassignments, ListGroups (DESCRIBE CLUSTER)
    'kafka-cluster:AlterCluster', // CreateAcls, DeleteAcls, AlterPartitionReassignments (ALTER CLUSTER)
    'kafka-cluster:DescribeClusterDynamicConfiguration', // DescribeConfigs on the brokers: tells defaults from overrides
  ],
  /** arn:aws:kafka:REGION:ACCOUNT:topic/NAME/UUID/* */
  topic: [
    'kafka-cluster:CreateTopic', // CreateTopics
    'kafka-cluster:DescribeTopic', // Metadata, ListOffsets
    'kafka-cluster:AlterTopic', // CreatePartitions
    'kafka-cluster:DeleteTopic', // DeleteTopics: only used when the manifests opt in to deletions
    'kafka-cluster:DescribeTopicDynamicConfiguration', // DescribeConfigs on topics
    'kafka-cluster:AlterTopicDynamicConfiguration', // IncrementalAlterConfigs on topics
  ],
  /**
   * arn:aws:kafka:REGION:ACCOUNT:group/NAME/UUID/* — read-only: the reconciler describes consumer groups (members,
   * committed offsets) to report on them; no plan change alters or deletes a group. ACLs *on* groups are CreateAcls,
   * i.e. AlterCluster above, not a group action.
   */
  group: ['kafka-cluster:DescribeGroup'], // DescribeGroups, OffsetFetch (DESCRIBE GROUP)
} as const;

export type IamResourceKind = keyof typeof RECONCILER_IAM_ACTIONS;
