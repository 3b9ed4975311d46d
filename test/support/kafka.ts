/** What broker suites share: the connection profile of the run's broker and unique names per test. */
import { randomBytes } from 'node:crypto';
import { Kafka } from 'kafkajs';
import { createKafka } from '../../reconciler/connection/kafka';
import { profileFromEnv, type ConnectionProfile } from '../../reconciler/connection/profile';

export function testProfile(): ConnectionProfile {
  const profile = profileFromEnv();
  if (!profile) throw new Error('KAFKA_BOOTSTRAP_SERVERS is not set: run broker suites through jest (global setup)');
  return profile;
}

export function testKafka(): Promise<Kafka> {
  return createKafka(testProfile());
}

/** A prefix unique to this run and suite, so suites sharing one broker never touch each other's resources. */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(3).toString('hex')}-`;
}
