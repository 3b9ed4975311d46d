/** Builds a kafkajs client from a connection profile: the one code path for CLI, daemon and tests. */
import { readFileSync } from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import type { ConnectionProfile, SecretRef } from './profile';

/** Reads a secret from its reference. Secrets Manager references are resolved by the AWS adapter (issue 5). */
export function readSecretRef(ref: SecretRef, env: NodeJS.ProcessEnv = process.env): string {
  if ('env' in ref) {
    const value = env[ref.env];
    if (value === undefined || value === '') throw new Error(`environment variable ${ref.env} is not set`);
    return value;
  }
  if ('file' in ref) return readFileSync(ref.file, 'utf8').trim();
  throw new Error(`secret ${ref.secretsManager}: Secrets Manager references need AWS access (not wired in this build)`);
}

export async function kafkaConfigFor(profile: ConnectionProfile): Promise<KafkaConfig> {
  let sasl: SASLOptions | undefined;
  if (profile.auth === 'scram') {
    if (!profile.scram) throw new Error('connection profile: auth "scram" needs "scram.username" and "scram.password"');
    const mechanism = profile.scram.mechanism === 'SCRAM-SHA-512' ? 'scram-sha-512' : 'scram-sha-256';
    sasl = { mechanism, username: profile.scram.username, password: readSecretRef(profile.scram.password) };
  } else if (profile.auth === 'iam') {
    throw new Error('connection profile: auth "iam" is not wired in this build');
  }
  return {
    clientId: profile.clientId,
    brokers: profile.bootstrapServers,
    ssl: profile.tls,
    sasl,
    logLevel: logLevel.NOTHING,
  };
}

export async function createKafka(profile: ConnectionProfile): Promise<Kafka> {
  return new Kafka(await kafkaConfigFor(profile));
}
