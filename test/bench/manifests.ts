/**
 * Bench manifests: N ACL bindings over N/10 topics, spread the way a real estate of services looks (a producer, two
 * consumers with their groups, and the producer's cluster right per topic), in one file per team of 100 topics.
 * Every name starts with `bench-` and the settings' scope covers only those, so the bench never touches anything else
 * on the cluster, and deleting ACLs is enabled so a removed binding really goes. The YAML is written as a person
 * writes it: no anchors and aliases (the `yaml` package would otherwise alias every repeated object, and a file with
 * aliases leaves the loader's js-yaml fast path for the `yaml` parser, three to five times slower).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { stringify as stringifyWithAliases } from 'yaml';
import type { AclManifestSchema, ManifestFileSchema, TopicManifestSchema } from '../../reconciler/model/schema';
import type { z } from 'zod';

export const ACLS_PER_TOPIC = 10;

function stringify(value: unknown): string {
  return stringifyWithAliases(value, { aliasDuplicateObjects: false });
}
export const TOPICS_PER_FILE = 100;
export const BENCH_PREFIX = 'bench-';

type AclInput = z.input<typeof AclManifestSchema>;
type TopicInput = z.input<typeof TopicManifestSchema>;
type ManifestInput = z.input<typeof ManifestFileSchema>;

export interface BenchManifestOptions {
  /** ACL bindings after expansion (one per operation); must be a multiple of 10. */
  acls: number;
  replicationFactor: number;
}

export function topicName(index: number): string {
  return `${BENCH_PREFIX}${index}`;
}

export function principalName(index: number): string {
  return `User:${BENCH_PREFIX}${index}`;
}

/** The ten bindings of topic `j`: its producer `bench-j`, and consumers `bench-(j+1)` and `bench-(j+2)`. */
export function aclsForTopic(j: number, topicCount: number): AclInput[] {
  const topic = { type: 'topic' as const, name: topicName(j), pattern: 'literal' as const };
  const producer = principalName(j);
  const consumerA = principalName((j + 1) % topicCount);
  const consumerB = principalName((j + 2) % topicCount);
  // The principals are service accounts declared elsewhere (the bench measures ACLs and topics, not SCRAM users).
  const external = true;
  return [
    { principal: producer, resource: topic, operations: ['Write', 'Describe', 'DescribeConfigs'], external },
    {
      principal: producer,
      resource: { type: 'cluster', name: 'kafka-cluster' },
      operations: ['IdempotentWrite'],
      external,
    },
    { principal: consumerA, resource: topic, operations: ['Read', 'Describe'], external },
    {
      principal: consumerA,
      resource: { type: 'group', name: `${topicName(j)}-consumer` },
      operations: ['Read'],
      external,
    },
    { principal: consumerB, resource: topic, operations: ['Read', 'Describe'], external },
    {
      principal: consumerB,
      resource: { type: 'group', name: `${topicName(j)}-audit` },
      operations: ['Read'],
      external,
    },
  ];
}

export function settingsManifest(): Record<string, unknown> {
  return {
    scope: { topics: [`${BENCH_PREFIX}*`], principals: [`User:${BENCH_PREFIX}*`], users: [`${BENCH_PREFIX}*`] },
    deletions: { topics: false, acls: true, users: false, maxPerApply: 10 },
  };
}

/** The manifest files, by relative path, for N ACLs. Pure: the same N gives the same files. */
export function benchManifestFiles(options: BenchManifestOptions): Map<string, string> {
  if (options.acls % ACLS_PER_TOPIC !== 0) throw new Error(`ACL count must be a multiple of ${ACLS_PER_TOPIC}`);
  const topicCount = options.acls / ACLS_PER_TOPIC;
  const files = new Map<string, string>();
  files.set('settings.yaml', stringify(settingsManifest()));
  for (let first = 0; first < topicCount; first += TOPICS_PER_FILE) {
    const topics: Record<string, TopicInput> = {};
    const acls: AclInput[] = [];
    for (let j = first; j < Math.min(first + TOPICS_PER_FILE, topicCount); j++) {
      topics[topicName(j)] = {
        partitions: 1,
        replicationFactor: options.replicationFactor,
        config: { 'retention.ms': 604800000 },
      };
      acls.push(...aclsForTopic(j, topicCount));
    }
    const manifest: ManifestInput = { topics, acls };
    const team = String(first / TOPICS_PER_FILE).padStart(3, '0');
    files.set(path.join('teams', `team-${team}.yaml`), stringify(manifest));
  }
  return files;
}

/** The one extra binding the "one-ACL change" step adds: a new reader on topic 0. */
export function extraAcl(topicCount: number): AclInput {
  return {
    principal: principalName(topicCount + 1),
    resource: { type: 'topic', name: topicName(0), pattern: 'literal' },
    operations: ['Read'],
    external: true,
  };
}

export function extraAclFile(topicCount: number): string {
  return stringify({ acls: [extraAcl(topicCount)] });
}

export function writeManifests(files: Map<string, string>, dir?: string): string {
  const root = dir ?? mkdtempSync(path.join(os.tmpdir(), 'msk-gitops-bench-'));
  for (const [relative, text] of files) {
    const target = path.join(root, relative);
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, text);
  }
  return root;
}

/** One broker-side binding of the bench, as the seed would type it: one `kafka-acls.sh --add` per binding. */
export interface BenchBinding {
  principal: string;
  resourceType: 'topic' | 'group' | 'cluster' | 'transactionalId';
  resourceName: string;
  operation: string;
}

/** The bench's bindings, one per operation, in manifest order (`acls` of them). */
export function benchBindings(acls: number): BenchBinding[] {
  const topicCount = acls / ACLS_PER_TOPIC;
  const bindings: BenchBinding[] = [];
  for (let j = 0; j < topicCount; j++) {
    for (const acl of aclsForTopic(j, topicCount)) {
      for (const operation of acl.operations) {
        bindings.push({
          principal: acl.principal,
          resourceType: acl.resource.type,
          resourceName: acl.resource.name ?? 'kafka-cluster',
          operation,
        });
      }
    }
  }
  return bindings;
}
