/** `msk-gitops connection`: shows the resolved profile (references, never secrets) and proves it connects. */
import { parseArgs } from 'node:util';
import type { Command } from '../cli/command';
import { CONNECTION_USAGE, connectionOptions, profileFromArgs } from './cli-options';
import { connectAdmin, describeIdentity } from './kafka';
import type { ConnectionProfile } from './profile';
import { describeSecretRef } from './secrets';

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
    const admin = await connectAdmin(profile, { env: ctx.env });
    try {
      const cluster = await admin.describeCluster();
      const brokers = cluster.brokers.map((b) => `${b.nodeId}@${b.host}:${b.port}`).join(', ');
      ctx.stdout.write(
        `connected:         cluster ${cluster.clusterId}, controller ${cluster.controller}, brokers ${brokers}\n`,
      );
    } finally {
      await admin.disconnect();
    }
    return 0;
  },
};
