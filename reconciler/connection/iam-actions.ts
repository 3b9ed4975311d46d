/**
 * The MSK IAM (`kafka-cluster:*`) actions the reconciler's admin identity needs, and on which resource kind.
 * One list, read by the CDKTF stack (the jumper's instance-profile policy) and by the README, so the grant and the
 * documentation cannot drift apart. Each action is here because a Kafka API the reconciler calls requires it:
 * see https://docs.aws.amazon.com/msk/latest/developerguide/iam-access-control.html#kafka-actions
 */
export const RECONCILER_IAM_ACTIONS = {
  /** arn:aws:kafka:REGION:ACCOUNT:cluster/NAME/UUID */
  cluster: [
    'kafka-cluster:Connect', // every connection
    'kafka-cluster:DescribeCluster', // Metadata, DescribeAcls (Describe on the cluster)
    'kafka-cluster:AlterCluster', // CreateAcls, DeleteAcls, AlterPartitionReassignments (Alter on the cluster)
    'kafka-cluster:DescribeClusterDynamicConfiguration', // DescribeConfigs on the broker: tells defaults from overrides
  ],
  /** arn:aws:kafka:REGION:ACCOUNT:topic/NAME/UUID/* */
  topic: [
    'kafka-cluster:CreateTopic',
    'kafka-cluster:DescribeTopic',
    'kafka-cluster:AlterTopic', // CreatePartitions
    'kafka-cluster:DeleteTopic', // only used when the manifests opt in to deletions
    'kafka-cluster:DescribeTopicDynamicConfiguration',
    'kafka-cluster:AlterTopicDynamicConfiguration', // IncrementalAlterConfigs
  ],
  /** arn:aws:kafka:REGION:ACCOUNT:group/NAME/UUID/* — admin work on consumer groups (describe lag, reset offsets) */
  group: ['kafka-cluster:DescribeGroup', 'kafka-cluster:AlterGroup', 'kafka-cluster:DeleteGroup'],
} as const;

export type IamResourceKind = keyof typeof RECONCILER_IAM_ACTIONS;
