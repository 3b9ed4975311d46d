/**
 * Counting Kafka requests at the client. kafkajs logs every request a connection sends ("Request Metadata(key: 3,
 * version: 6)") at DEBUG, before it is queued: so a log creator that only counts those lines sees every request of
 * every client (admin, producer, consumer) made from one Kafka object, including ApiVersions, SaslHandshake and
 * SaslAuthenticate on each new connection, and requests that later fail or time out. Nothing is printed.
 */
import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';

export interface RequestCount {
  total: number;
  /** Requests per Kafka API name, e.g. { Metadata: 3, CreateTopics: 1 }. */
  byApi: Record<string, number>;
  /** TCP connections opened (each costs ApiVersions + SaslHandshake + 2 SaslAuthenticate with SCRAM). */
  connections: number;
}

const REQUEST_LINE = /^Request (\w+)\(key: \d+, version: \d+\)$/;

export function emptyCount(): RequestCount {
  return { total: 0, byApi: {}, connections: 0 };
}

/** Adds one kafkajs log entry to the count; pure apart from mutating `count`. */
export function countLogEntry(count: RequestCount, entry: LogEntry): void {
  const message = entry.log.message;
  const match = REQUEST_LINE.exec(message);
  if (match) {
    count.total += 1;
    count.byApi[match[1]] = (count.byApi[match[1]] ?? 0) + 1;
  } else if (message === 'Connecting' && entry.namespace === 'Connection') {
    count.connections += 1;
  }
}

/** A Kafka client whose every request is counted into the returned `count` (reset it between measurements). */
export function countingKafka(config: KafkaConfig): { kafka: Kafka; count: RequestCount } {
  const count = emptyCount();
  const kafka = new Kafka({
    ...config,
    logLevel: logLevel.DEBUG,
    logCreator: () => (entry) => countLogEntry(count, entry),
  });
  return { kafka, count };
}

export function resetCount(count: RequestCount): void {
  count.total = 0;
  count.byApi = {};
  count.connections = 0;
}

/** "Metadata 3, DescribeConfigs 1, …" sorted by API name, for the report. */
export function describeCount(count: RequestCount): string {
  return Object.entries(count.byApi)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([api, n]) => `${api} ${n}`)
    .join(', ');
}
