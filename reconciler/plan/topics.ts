/**
 * Topics, their partition counts, replication factors and config overrides: desired vs live, as changes.
 *
 * Partitions only grow (Kafka cannot shrink a topic without recreating it). A replication-factor change is planned
 * as a partition reassignment with the new replica list of every partition (see replication.ts); it is refused when
 * the cluster has fewer brokers than the factor, or when the same plan also changes the topic's partitions.
 *
 * Configs are managed key by key and only for keys the manifests declare: an override set by hand on a key the
 * manifests do not mention is left alone, and a key removed from the manifests is no longer managed (its live value
 * stays). That keeps the tool safe on brownfield clusters where operators tune topics by hand.
 */
import type { Change, ChangeOf, LiveTopic, Settings, TopicSpec, Verdict } from '../model/schema';
import { matchesAny, topicIsProtected } from '../model/globs';
import { topicIsManaged } from './scope';
import { OK, deletionVerdict } from './verdicts';
import { reassign, replicaLoad } from './replication';

export function topicNotManagedReason(settings: Settings, name: string): string | null {
  if (topicIsProtected(settings, name)) {
    return `topic ${name} is protected (settings.yaml protected.topics or Kafka/MSK internal topics)`;
  }
  if (!matchesAny(settings.scope.topics, name)) return `topic ${name} is outside settings.yaml scope.topics`;
  return null;
}

/** What the planner knows of the cluster beyond one topic: its brokers and every topic's replicas. */
interface ClusterView {
  brokers: readonly number[] | undefined;
  load: Map<number, number>;
}

function replicationChange(
  spec: TopicSpec,
  live: LiveTopic,
  cluster: ClusterView,
  partitionsChange: boolean,
): Pick<ChangeOf<'replication'>, 'before' | 'after' | 'verdict'> {
  const from = live.replicationFactor;
  const to = spec.replicationFactor;
  const refuse = (reason: string) => ({
    before: { replicationFactor: from },
    after: { replicationFactor: to },
    verdict: { status: 'refused' as const, reason },
  });
  if (!live.assignment || !cluster.brokers) {
    return refuse(
      `replication factor change ${from}→${to} needs a partition reassignment, and the replica assignment was not observed`,
    );
  }
  if (to > cluster.brokers.length) {
    return refuse(`replication factor ${to} is more than the ${cluster.brokers.length} brokers of the cluster`);
  }
  if (partitionsChange) {
    // New partitions are created with the old factor: reassigning in the same apply would leave them behind.
    return refuse(
      `replication factor change ${from}→${to} waits for the partition change: apply that first, the reassignment is planned on the next run`,
    );
  }
  return {
    before: { replicationFactor: from, assignment: live.assignment },
    after: { replicationFactor: to, assignment: reassign(live.assignment, cluster.brokers, to, cluster.load) },
    verdict: OK,
  };
}

function changesForDeclaredTopic(spec: TopicSpec, live: LiveTopic | undefined, cluster: ClusterView): Change[] {
  const origin = spec.origin ? { origin: spec.origin } : {};
  if (!live) {
    return [
      {
        id: `topic:${spec.name}`,
        action: 'create',
        kind: 'topic',
        resource: spec.name,
        before: null,
        after: { partitions: spec.partitions, replicationFactor: spec.replicationFactor, config: spec.config },
        verdict: OK,
        ...origin,
      },
    ];
  }
  const changes: Change[] = [];
  if (spec.partitions !== live.partitions) {
    const verdict: Verdict =
      spec.partitions > live.partitions
        ? OK
        : {
            status: 'refused',
            reason: `partitions can only grow: ${live.partitions} → ${spec.partitions} would need the topic to be recreated`,
          };
    changes.push({
      id: `partitions:${spec.name}`,
      action: 'update',
      kind: 'partitions',
      resource: spec.name,
      before: live.partitions,
      after: spec.partitions,
      verdict,
      ...origin,
    });
  }
  if (spec.replicationFactor !== live.replicationFactor) {
    changes.push({
      id: `replication:${spec.name}`,
      action: 'update',
      kind: 'replication',
      resource: spec.name,
      ...replicationChange(spec, live, cluster, spec.partitions !== live.partitions),
      ...origin,
    });
  }
  for (const key of Object.keys(spec.config).sort()) {
    const want = spec.config[key];
    const have = live.config[key];
    if (want === have) continue;
    changes.push({
      id: `topic-config:${spec.name}:${key}`,
      action: 'update',
      kind: 'topic-config',
      resource: `${spec.name} ${key}`,
      topic: spec.name,
      key,
      before: have ?? null,
      after: want,
      verdict: OK,
      ...origin,
    });
  }
  return changes;
}

export function planTopics(
  desired: readonly TopicSpec[],
  live: readonly LiveTopic[],
  settings: Settings,
  brokers?: readonly number[],
): Change[] {
  const cluster: ClusterView = { brokers, load: replicaLoad(live, brokers ?? []) };
  const liveByName = new Map(live.map((topic) => [topic.name, topic]));
  const declared = new Set(desired.map((topic) => topic.name));
  const changes: Change[] = [];
  for (const spec of desired) {
    const diff = changesForDeclaredTopic(spec, liveByName.get(spec.name), cluster);
    const reason = topicNotManagedReason(settings, spec.name);
    // A declared topic the tool does not own is shown, never touched: silently ignoring it would hide a mistake.
    changes.push(
      ...(reason ? diff.map((change) => ({ ...change, verdict: { status: 'refused' as const, reason } })) : diff),
    );
  }
  for (const topic of live) {
    if (declared.has(topic.name) || !topicIsManaged(settings, topic.name)) continue;
    changes.push({
      id: `topic:${topic.name}`,
      action: 'delete',
      kind: 'topic',
      resource: topic.name,
      before: { partitions: topic.partitions, replicationFactor: topic.replicationFactor, config: topic.config },
      after: null,
      verdict: deletionVerdict(settings.deletions.topics, 'topics'),
    });
  }
  return changes;
}
