/**
 * The one place where kafkajs' numeric ACL enums meet the model's words. Observe decodes with it, apply encodes with
 * it, so a binding read from the cluster and the same binding written back are guaranteed to be the same value.
 */
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type AclEntry as KafkaAclEntry,
  type AclFilter,
  type DescribeAclResponse,
} from 'kafkajs';
import type { AclBinding, AclOperation, PatternType, Permission, ResourceType } from '../model/schema';

const OPERATIONS: Record<AclOperation, AclOperationTypes> = {
  All: AclOperationTypes.ALL,
  Read: AclOperationTypes.READ,
  Write: AclOperationTypes.WRITE,
  Create: AclOperationTypes.CREATE,
  Delete: AclOperationTypes.DELETE,
  Alter: AclOperationTypes.ALTER,
  Describe: AclOperationTypes.DESCRIBE,
  ClusterAction: AclOperationTypes.CLUSTER_ACTION,
  DescribeConfigs: AclOperationTypes.DESCRIBE_CONFIGS,
  AlterConfigs: AclOperationTypes.ALTER_CONFIGS,
  IdempotentWrite: AclOperationTypes.IDEMPOTENT_WRITE,
};

const RESOURCE_TYPES: Record<ResourceType, AclResourceTypes> = {
  topic: AclResourceTypes.TOPIC,
  group: AclResourceTypes.GROUP,
  cluster: AclResourceTypes.CLUSTER,
  transactionalId: AclResourceTypes.TRANSACTIONAL_ID,
};

const PATTERN_TYPES: Record<PatternType, ResourcePatternTypes> = {
  literal: ResourcePatternTypes.LITERAL,
  prefixed: ResourcePatternTypes.PREFIXED,
};

const PERMISSIONS: Record<Permission, AclPermissionTypes> = {
  allow: AclPermissionTypes.ALLOW,
  deny: AclPermissionTypes.DENY,
};

function reverse<K extends string, V extends number>(table: Record<K, V>): Map<number, K> {
  return new Map(Object.entries(table).map(([key, value]) => [value as number, key as K]));
}

const OPERATION_NAMES = reverse(OPERATIONS);
const RESOURCE_TYPE_NAMES = reverse(RESOURCE_TYPES);
const PATTERN_TYPE_NAMES = reverse(PATTERN_TYPES);
const PERMISSION_NAMES = reverse(PERMISSIONS);

/** The model's binding as kafkajs writes it (createAcls). */
export function encodeAcl(acl: AclBinding): KafkaAclEntry {
  return {
    resourceType: RESOURCE_TYPES[acl.resourceType],
    resourceName: acl.resourceName,
    resourcePatternType: PATTERN_TYPES[acl.patternType],
    principal: acl.principal,
    host: acl.host,
    operation: OPERATIONS[acl.operation],
    permissionType: PERMISSIONS[acl.permission],
  };
}

/** A filter that matches exactly this one binding (deleteAcls). */
export function exactAclFilter(acl: AclBinding): AclFilter {
  return encodeAcl(acl);
}

/** Every ACL of the cluster, in one DescribeAcls request. */
export const ANY_ACL_FILTER: AclFilter = {
  resourceType: AclResourceTypes.ANY,
  resourcePatternType: ResourcePatternTypes.ANY,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

/**
 * A binding as kafkajs reads it, in the model's words; null for what the model cannot express (delegation-token
 * resources, unknown codes from a newer broker) so they are left alone rather than misread.
 */
export function decodeAcl(binding: KafkaAclEntry): AclBinding | null {
  const resourceType = RESOURCE_TYPE_NAMES.get(binding.resourceType);
  const patternType = PATTERN_TYPE_NAMES.get(binding.resourcePatternType);
  const operation = OPERATION_NAMES.get(binding.operation);
  const permission = PERMISSION_NAMES.get(binding.permissionType);
  if (!resourceType || !patternType || !operation || !permission) return null;
  return {
    principal: binding.principal,
    host: binding.host,
    resourceType,
    resourceName: binding.resourceName,
    patternType,
    operation,
    permission,
  };
}

/** Every binding of a DescribeAcls answer the model can express, in the model's words. */
export function decodeAcls(response: DescribeAclResponse): AclBinding[] {
  const acls: AclBinding[] = [];
  for (const resource of response.resources) {
    for (const acl of resource.acls) {
      const decoded = decodeAcl({ ...resource, ...acl });
      if (decoded) acls.push(decoded);
    }
  }
  return acls;
}
