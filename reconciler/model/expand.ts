/** Manifest shorthands turned into the exact Kafka bindings: one entry per operation, apps into their ACLs. */
import { z } from 'zod';
import {
  CLUSTER_RESOURCE_NAME,
  type AclEntry,
  type AclOperation,
  AclManifestSchema,
  AppManifestSchema,
  type Origin,
} from './schema';

export type AclManifest = z.output<typeof AclManifestSchema>;
export type AppManifest = z.output<typeof AppManifestSchema>;

/** An explicit ACL: one binding per listed operation. */
export function expandAcl(acl: AclManifest, origin: Origin): AclEntry[] {
  const resourceName = acl.resource.type === 'cluster' ? CLUSTER_RESOURCE_NAME : (acl.resource.name ?? '');
  return [...new Set(acl.operations)].map((operation) => ({
    principal: acl.principal,
    host: acl.host,
    resourceType: acl.resource.type,
    resourceName,
    patternType: acl.resource.type === 'cluster' ? 'literal' : acl.resource.pattern,
    operation,
    permission: acl.permission,
    origin,
  }));
}

/** Where each part of an app was written, so every expanded binding points back at its line. */
export interface AppOrigins {
  app: Origin;
  produces: Origin[];
  consumes: Origin[];
  transactionalIds: Origin[];
}

/**
 * What a service needs, in Kafka's terms: a producer writes and describes its topics (and, idempotent by default
 * since Kafka 3.0, holds IdempotentWrite on the cluster); a consumer reads and describes its topic and reads its
 * group; a transactional producer writes and describes its transactional ids.
 */
export function expandApp(name: string, app: AppManifest, origins: AppOrigins): AclEntry[] {
  const principal = `User:${app.user}`;
  const via = `app ${name}`;
  const out: AclEntry[] = [];
  const add = (
    resourceType: AclEntry['resourceType'],
    resourceName: string,
    patternType: AclEntry['patternType'],
    operations: AclOperation[],
    origin: Origin,
  ) => {
    for (const operation of operations) {
      out.push({
        principal,
        host: '*',
        resourceType,
        resourceName,
        patternType,
        operation,
        permission: 'allow',
        origin: { ...origin, via },
      });
    }
  };
  app.produces.forEach((produce, i) => {
    const topic = typeof produce === 'string' ? produce : produce.topic;
    const pattern = typeof produce === 'string' ? 'literal' : produce.pattern;
    add('topic', topic, pattern, ['Write', 'Describe'], origins.produces[i] ?? origins.app);
  });
  if (app.idempotent && app.produces.length)
    add('cluster', CLUSTER_RESOURCE_NAME, 'literal', ['IdempotentWrite'], origins.app);
  app.consumes.forEach((consume, i) => {
    const origin = origins.consumes[i] ?? origins.app;
    add('topic', consume.topic, consume.pattern, ['Read', 'Describe'], origin);
    add('group', consume.group, 'literal', ['Read'], origin);
  });
  app.transactionalIds.forEach((id, i) => {
    add('transactionalId', id, 'literal', ['Write', 'Describe'], origins.transactionalIds[i] ?? origins.app);
  });
  return out;
}
