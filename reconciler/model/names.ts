/** Kafka's own rules for names and for which operations mean something on which resource. */
import type { AclOperation, ResourceType } from './schema';

export const MAX_TOPIC_NAME_LENGTH = 249;
const LEGAL_TOPIC_NAME = /^[a-zA-Z0-9._-]+$/;

/** Why Kafka would refuse this topic name, or undefined when it is legal (org.apache.kafka.common.internals.Topic). */
export function topicNameProblem(name: string): string | undefined {
  if (name === '') return 'a topic name cannot be empty';
  if (name === '.' || name === '..') return `a topic cannot be named "${name}"`;
  if (name.length > MAX_TOPIC_NAME_LENGTH) {
    return `topic name is ${name.length} characters long; Kafka allows at most ${MAX_TOPIC_NAME_LENGTH}`;
  }
  if (!LEGAL_TOPIC_NAME.test(name)) {
    return `topic name ${JSON.stringify(name)} has characters Kafka does not allow (only letters, digits, ".", "_" and "-")`;
  }
  return undefined;
}

/** The operations Kafka's authorizer checks on each resource type (All covers them all). */
export const OPERATIONS_BY_RESOURCE: Readonly<Record<ResourceType, readonly AclOperation[]>> = {
  topic: ['All', 'Read', 'Write', 'Create', 'Delete', 'Alter', 'Describe', 'DescribeConfigs', 'AlterConfigs'],
  group: ['All', 'Read', 'Delete', 'Describe'],
  cluster: [
    'All',
    'Create',
    'Alter',
    'Describe',
    'ClusterAction',
    'DescribeConfigs',
    'AlterConfigs',
    'IdempotentWrite',
  ],
  transactionalId: ['All', 'Write', 'Describe'],
};
