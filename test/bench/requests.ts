/**
 * A Kafka client whose every request is counted (request-count.js reads kafkajs' DEBUG "Request" lines; nothing is
 * printed), for the bench's own checks, and the count's helpers.
 */
import { Kafka, logLevel, type KafkaConfig } from 'kafkajs';
import { countLogEntry, emptyCount, type RequestCount } from './request-count';

export { countLogEntry, emptyCount, type RequestCount };

/** A Kafka client whose every request is counted into the returned `count` . */
export function countingKafka(config: KafkaConfig): { kafka: Kafka; count: RequestCount } {
  const count = emptyCount();
  const kafka = new Kafka({
    ...config,
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => countLogEntry(count, entry),
  });
  return { kafka, count };
}
