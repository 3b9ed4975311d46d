/**
 * `msk-gitops connection`: shows the resolved profile (references, never secrets), proves it connects, and says which
 * Kafka the cluster runs, with a warning when that version is not one msk-gitops is tested against.
 */
import { parseArgs } from 'node:util';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs } from './connection-options';
import { connectBuilt, describeIdentity } from '../connection/kafka';
import type { ConnectionProfile } from '../connection/profile';
import { describeSecretRef } from '../connection/secrets';
import { TESTED_KAFKA_VERSIONS, kafkaLine } from '../localkafka/versions';
import { apiVersionsRequest, apiVersionsResponse, kafkaVersionOf } from '../observe/kafka-version';
import { adminWithScram } from '../users/kafka-scram';
import type { Command } from './command';

const TESTED_LINES = [...new Set(Object.keys(TESTED_KAFKA_VERSIONS).map(kafkaLine))];

/** The lines `connection` prints about the cluster's Kafka version; the second one a warning when untested. */
export function describeKafkaVersion(finding: { release?: string; evidence: string }): string[] {
  const tested = `tested with msk-gitops: ${TESTED_LINES.join(', ')}; see docs/kafka-versions.md`;
  if (!finding.release)
    return [
      `kafka version:     unknown, ${finding.evidence}`,
      `warning: the cluster's Kafka version is unknown (${tested})`,
    ];
  const line = `kafka version:     ${finding.release} (${finding.evidence})`;
  return TESTED_LINES.includes(finding.release)
    ? [line]
    : [line, `warning: Kafka ${finding.release} is not tested (${tested})`];
}

export function describeProfile(profile: ConnectionProfile): string[] {
  const tls = profile.tls
    ? `on${profile.caFile ? `, CA ${profile.caFile}` : ''}${profile.rejectUnauthorized ? '' : ', certificates NOT verified'}`
    : 'off';
  return [
    `bootstrap servers: ${profile.bootstrapServers.join(',')}`,
    `auth:              ${describeIdentity(profile)}`,
    ...(profile.scram ? [`password:          from ${describeSecretRef(profile.scram.password)}`] : []),
    `tls:               ${tls}`,
    `client id:         ${profile.clientId}`,
    ...(profile.msk ? [`msk cluster:       ${profile.msk.clusterArn}`] : []),
  ];
}

export const connectionCommand: Command = {
  usage: `msk-gitops connection [--dry-run] ${CONNECTION_USAGE}`,
  async run(ctx) {
    const { values } = parseArgs({
      args: ctx.argv,
      options: { ...connectionOptions, 'dry-run': { type: 'boolean' } },
      strict: true,
    });
    const profile = await profileFromArgs(values, ctx.env);
    ctx.stdout.write(`${describeProfile(profile).join('\n')}\n`);
    if (values['dry-run']) return 0;
    const { admin, scram } = await connectBuilt(profile, { env: ctx.env }, adminWithScram);
    try {
      const cluster = await admin.describeCluster();
      const brokers = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(', ');
      ctx.stdout.write(
        `connected:         cluster ${cluster.clusterId}, controller ${cluster.controller}, brokers ${brokers}\n`,
      );
      if (scram) {
        const answer = await scram.send(apiVersionsRequest(), apiVersionsResponse);
        ctx.stdout.write(`${describeKafkaVersion(kafkaVersionOf(answer)).join('\n')}\n`);
      }
    } finally {
      await admin.disconnect();
    }
    return 0;
  },
};
