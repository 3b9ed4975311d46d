import type { LogEntry } from 'kafkajs';

export interface RequestCount {
  total: number;
  /** Requests per Kafka API name, e.g. { Metadata: 3, CreateTopics: 1 }. */
  byApi: Record<string, number>;
  /** TCP connections opened (each costs ApiVersions + SaslHandshake + 2 SaslAuthenticate with SCRAM). */
  connections: number;
}

export function emptyCount(): RequestCount;
export function countLogEntry(count: RequestCount, entry: LogEntry): void;
