/**
 * A replication-factor change as a partition reassignment, computed from the live replica assignment: pure, so the
 * reviewer sees in the plan exactly which brokers each partition will live on.
 *
 * Growing adds, per partition, the brokers that hold the fewest replicas cluster-wide (ties go to the lowest id
 * after rotating by partition, so one topic's partitions spread over the brokers). Shrinking keeps the first
 * replicas of each partition: the first one is the preferred leader, so leadership does not move.
 */
import type { LiveTopic } from '../model/schema';

/** Replicas per broker over every observed topic. */
export function replicaLoad(topics: readonly LiveTopic[], brokers: readonly number[]): Map<number, number> {
  const load = new Map(brokers.map((broker) => [broker, 0]));
  for (const topic of topics) {
    for (const replicas of topic.assignment ?? []) {
      for (const broker of replicas) load.set(broker, (load.get(broker) ?? 0) + 1);
    }
  }
  return load;
}

/** The new replica lists; `load` is updated as replicas are placed so later topics see them. */
export function reassign(
  current: readonly (readonly number[])[],
  brokers: readonly number[],
  replicationFactor: number,
  load: Map<number, number>,
): number[][] {
  const sorted = [...brokers].sort((a, b) => a - b);
  return current.map((replicas, partition) => {
    if (replicas.length >= replicationFactor) {
      for (const dropped of replicas.slice(replicationFactor)) load.set(dropped, (load.get(dropped) ?? 1) - 1);
      return replicas.slice(0, replicationFactor);
    }
    const next = [...replicas];
    const rotated = sorted.map((_, i) => sorted[(i + partition) % sorted.length]);
    while (next.length < replicationFactor) {
      const candidates = rotated.filter((broker) => !next.includes(broker));
      if (candidates.length === 0) break;
      const pick = candidates.reduce((best, broker) =>
        (load.get(broker) ?? 0) < (load.get(best) ?? 0) ? broker : best,
      );
      next.push(pick);
      load.set(pick, (load.get(pick) ?? 0) + 1);
    }
    return next;
  });
}
