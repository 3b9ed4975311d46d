/**
 * The connection code path against the real broker: OAUTHBEARER (the MSK IAM path, with a test token in place of
 * the signer's), SCRAM from flags and from a config file, and a wrong password as a clear message.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Admin } from 'kafkajs';
import { connectionOptions, profileFromArgs } from '../../reconciler/cli/connection-options';
import { unsecuredJwtSource } from '../../reconciler/connection/iam-token';
import { connectAdmin } from '../../reconciler/connection/kafka';
import { parseConnectionProfile, type ConnectionProfile } from '../../reconciler/connection/profile';
import { testProfile, uniquePrefix } from '../support/kafka';
import { UserFacingError } from '../../reconciler/shared/errors';

const flags = (...args: string[]) => parseArgs({ args, options: connectionOptions, strict: true }).values;

async function createAndListTopic(admin: Admin, topic: string): Promise<string[]> {
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 2 }], waitForLeaders: true });
    return (await admin.listTopics()).filter((name) => name === topic);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}

describe('connections to the real broker', () => {
  const prefix = uniquePrefix('conn');

  it('auth iam: kafkaConfigFor → kafkajs OAUTHBEARER → token provider creates and lists a topic', async () => {
    const oauthBootstrap = process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP;
    if (!oauthBootstrap) throw new Error('MSK_GITOPS_TEST_OAUTH_BOOTSTRAP is not set: run through jest (global setup)');
    const profile = parseConnectionProfile(
      {
        bootstrapServers: oauthBootstrap.split(','),
        auth: 'iam',
        region: 'eu-west-1',
        tls: false, // the local OAUTHBEARER listener is SASL_PLAINTEXT; MSK's is TLS
        allowInsecureIam: true,
      },
      'test',
    );
    let tokensMinted = 0;
    const jwt = unsecuredJwtSource('admin');
    const tokenProvider = async () => {
      tokensMinted += 1;
      return jwt();
    };
    const admin = await connectAdmin(profile, { tokenProvider });
    expect(await createAndListTopic(admin, `${prefix}oauth`)).toEqual([`${prefix}oauth`]);
    // Several broker connections authenticated (bootstrap, both brokers, controller) with one cached token.
    expect(tokensMinted).toBe(1);
  });

  it('auth iam against a broker that rejects the token: a clear message naming the IAM identity', async () => {
    const profile = parseConnectionProfile(
      {
        bootstrapServers: process.env.MSK_GITOPS_TEST_OAUTH_BOOTSTRAP!.split(','),
        auth: 'iam',
        region: 'eu-west-1',
        tls: false,
        allowInsecureIam: true,
      },
      'test',
    );
    // An expired token: the unsecured validator rejects it, as MSK rejects an expired presigned URL.
    const expired = unsecuredJwtSource('admin', { now: () => Date.now() - 3_600_000, lifetimeMs: 60_000 });
    const attempt = connectAdmin(profile, { tokenProvider: expired });
    await expect(attempt).rejects.toThrow(UserFacingError);
    await expect(connectAdmin(profile, { tokenProvider: expired })).rejects.toThrow(
      /^authentication failed at .* as MSK IAM \(OAUTHBEARER, region eu-west-1\): .*kafka-cluster:Connect/,
    );
  });

  it('auth scram through profileFromArgs with flags', async () => {
    const servers = testProfile().bootstrapServers.join(',');
    const profile = await profileFromArgs(
      flags(
        '--bootstrap-servers',
        servers,
        '--auth',
        'scram',
        '--scram-username',
        'admin',
        '--scram-password-env',
        'CONN_TEST_ADMIN_PASSWORD',
      ),
      { CONN_TEST_ADMIN_PASSWORD: process.env.KAFKA_SASL_PASSWORD },
    );
    const admin = await connectAdmin(profile, { env: { CONN_TEST_ADMIN_PASSWORD: process.env.KAFKA_SASL_PASSWORD } });
    expect(await createAndListTopic(admin, `${prefix}flags`)).toEqual([`${prefix}flags`]);
  });

  it('auth scram through a daemon config file (connection: section, password from a file)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-conn-'));
    const passwordFile = path.join(dir, 'admin-password');
    writeFileSync(passwordFile, `${process.env.KAFKA_SASL_PASSWORD}\n`);
    const configFile = path.join(dir, 'config.yaml');
    writeFileSync(
      configFile,
      [
        'repo: ./desired-state',
        'connection:',
        `  bootstrapServers: [${testProfile().bootstrapServers.join(', ')}]`,
        '  auth: scram',
        '  scram:',
        '    mechanism: SCRAM-SHA-512',
        '    username: admin',
        `    password: {file: ${passwordFile}}`,
        '',
      ].join('\n'),
    );
    const profile: ConnectionProfile = await profileFromArgs(flags('--config', configFile), {});
    const admin = await connectAdmin(profile);
    expect(await createAndListTopic(admin, `${prefix}file`)).toEqual([`${prefix}file`]);
  });

  it('a wrong password is one clear sentence, not a stack', async () => {
    const profile = await profileFromArgs(
      flags(
        '--bootstrap-servers',
        testProfile().bootstrapServers.join(','),
        '--scram-username',
        'admin',
        '--scram-password-env',
        'WRONG_PW',
      ),
      { WRONG_PW: 'not-the-password' },
    );
    const attempt = connectAdmin(profile, { env: { WRONG_PW: 'not-the-password' } });
    await expect(attempt).rejects.toThrow(UserFacingError);
    const error = await connectAdmin(profile, { env: { WRONG_PW: 'not-the-password' } }).catch((e: Error) => e);
    expect((error as Error).message).toMatch(
      /^authentication failed at 127\.0\.0\.1:\d+,127\.0\.0\.1:\d+ as SCRAM-SHA-512 user "admin": .*Authentication failed.*; check the username and the password reference/,
    );
    expect((error as Error).message).not.toContain('not-the-password');
    expect((error as Error).message).not.toContain('\n');
  });
});
