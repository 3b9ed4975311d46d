/**
 * The bench's own view of the cluster, independent of the reconciler under test: how many `bench-` topics and
 * `User:bench-` bindings exist (to check that a converge really converged), and removing them between sizes.
 */
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
  type Admin,
  type AclFilter,
} from 'kafkajs';
import { BENCH_PREFIX } from './manifests';

const PRINCIPAL_PREFIX = `User:${BENCH_PREFIX}`;
const DELETE_CHUNK = 200;

const ANY_BINDING: AclFilter = {
  resourceType: AclResourceTypes.ANY,
  resourceName: undefined,
  resourcePatternType: ResourcePatternTypes.ANY,
  principal: undefined,
  host: undefined,
  operation: AclOperationTypes.ANY,
  permissionType: AclPermissionTypes.ANY,
};

export interface BenchFootprint {
  topics: string[];
  /** Principals of `User:bench-` bindings, one entry per binding. */
  aclPrincipals: string[];
}

export async function benchFootprint(admin: Admin): Promise<BenchFootprint> {
  const topics = (await admin.listTopics()).filter((name) => name.startsWith(BENCH_PREFIX)).sort();
  const described = await admin.describeAcls(ANY_BINDING);
  const aclPrincipals = described.resources.flatMap((resource) =>
    resource.acls.map((acl) => acl.principal).filter((principal) => principal.startsWith(PRINCIPAL_PREFIX)),
  );
  return { topics, aclPrincipals };
}

/** Deletes every bench topic and binding (one DeleteTopics, one DeleteAcls) and waits until the cluster shows none. */
export async function cleanBench(admin: Admin, timeoutMs = 120_000): Promise<void> {
  const before = await benchFootprint(admin);
  if (before.topics.length > 0) await admin.deleteTopics({ topics: before.topics, timeout: 60_000 });
  const principals = [...new Set(before.aclPrincipals)];
  // A KRaft controller commits one DeleteAcls atomically and faults past 10,000 records (maxRecordsPerBatch):
  // so at most DELETE_CHUNK principals (about 10 bindings each here) per request.
  for (let i = 0; i < principals.length; i += DELETE_CHUNK) {
    const chunk = principals.slice(i, i + DELETE_CHUNK);
    await admin.deleteAcls({ filters: chunk.map((principal) => ({ ...ANY_BINDING, principal })) });
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await benchFootprint(admin);
    if (now.topics.length === 0 && now.aclPrincipals.length === 0) return;
    if (Date.now() > deadline) {
      throw new Error(`bench cleanup: ${now.topics.length} topics and ${now.aclPrincipals.length} ACLs still there`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
