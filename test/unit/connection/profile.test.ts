/** The connection profile: sources and precedence, and errors that name the setting as the user wrote it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { connectionOptions, profileFromArgs } from '../../../reconciler/cli/connection-options';
import { parseConnectionProfile, profileFromEnv } from '../../../reconciler/connection/profile';
import { connectionSettingsFromText, loadConnectionProfileFile } from '../../../reconciler/connection/profile-file';
import { UsageError, UserFacingError } from '../../../reconciler/shared/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-profile-'));
function file(name: string, text: string): string {
  const target = path.join(dir, name);
  writeFileSync(target, text);
  return target;
}

function flags(...args: string[]) {
  return parseArgs({ args, options: connectionOptions, strict: true }).values;
}

const MSK_IAM = ['b-1.demo.kafka.eu-west-1.amazonaws.com:9098', 'b-2.demo.kafka.eu-west-1.amazonaws.com:9098'];

describe('profileFromEnv (the tests’ and bring-your-own-broker entry)', () => {
  it('reads the SCRAM variables the jest global setup exports, keeping the password as a reference', () => {
    expect(
      profileFromEnv({
        KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:19092, 127.0.0.1:19093',
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'admin',
        KAFKA_SASL_PASSWORD: 'admin-secret',
      }),
    ).toEqual({
      bootstrapServers: ['127.0.0.1:19092', '127.0.0.1:19093'],
      auth: 'scram',
      tls: false,
      rejectUnauthorized: true,
      clientId: 'msk-gitops',
      scram: { mechanism: 'SCRAM-SHA-512', username: 'admin', password: { env: 'KAFKA_SASL_PASSWORD' } },
    });
  });

  it('is undefined without KAFKA_BOOTSTRAP_SERVERS', () => {
    expect(profileFromEnv({ KAFKA_SASL_USERNAME: 'admin' })).toBeUndefined();
  });

  it('reads IAM with TLS on by default and the region from AWS_REGION', () => {
    expect(
      profileFromEnv({ KAFKA_BOOTSTRAP_SERVERS: MSK_IAM.join(','), KAFKA_AUTH: 'iam', AWS_REGION: 'eu-west-1' }),
    ).toMatchObject({
      auth: 'iam',
      tls: true,
      region: 'eu-west-1',
    });
  });

  it('reads plaintext from KAFKA_SASL_MECHANISM=NONE and a password file or secret reference', () => {
    expect(profileFromEnv({ KAFKA_BOOTSTRAP_SERVERS: 'k:9092', KAFKA_SASL_MECHANISM: 'none' })?.auth).toBe('plaintext');
    expect(
      profileFromEnv({
        KAFKA_BOOTSTRAP_SERVERS: 'k:9096',
        KAFKA_SASL_USERNAME: 'app',
        KAFKA_SASL_PASSWORD_SECRET: 'AmazonMSK_app#password',
        KAFKA_TLS: 'true',
      })?.scram?.password,
    ).toEqual({ secretsManager: 'AmazonMSK_app#password' });
  });
});

describe('errors name the setting, as the source spells it', () => {
  const env = (extra: NodeJS.ProcessEnv) => () => profileFromEnv({ KAFKA_BOOTSTRAP_SERVERS: 'k:9098', ...extra });
  const fromFile = (text: string) => () => loadConnectionProfileFile(file('bad.yaml', text));

  it.each<[string, () => unknown, string | RegExp]>([
    ['env: unknown auth', env({ KAFKA_AUTH: 'iamm' }), 'KAFKA_AUTH: expected iam, scram or plaintext, got "iamm"'],
    ['env: iam without region', env({ KAFKA_AUTH: 'iam' }), 'AWS_REGION is required when auth is "iam"'],
    [
      'env: iam without TLS',
      env({ KAFKA_AUTH: 'iam', AWS_REGION: 'eu-west-1', KAFKA_TLS: 'false' }),
      /KAFKA_TLS must be on when auth is "iam"/,
    ],
    ['env: not a boolean', env({ KAFKA_TLS: 'maybe' }), 'KAFKA_TLS: expected true or false, got "maybe"'],
    [
      'env: bad server',
      env({ KAFKA_BOOTSTRAP_SERVERS: 'k:9096,broker2', KAFKA_AUTH: 'plaintext' }),
      'KAFKA_BOOTSTRAP_SERVERS: expected host:port, got "broker2"',
    ],
    [
      'env: scram without password',
      env({ KAFKA_AUTH: 'scram', KAFKA_SASL_USERNAME: 'app' }),
      /KAFKA_SASL_PASSWORD \(or KAFKA_SASL_PASSWORD_FILE, KAFKA_SASL_PASSWORD_SECRET\) is required$/,
    ],
    [
      'env: bad mechanism',
      env({ KAFKA_AUTH: 'scram', KAFKA_SASL_MECHANISM: 'SCRAM-SHA-1' }),
      'KAFKA_SASL_MECHANISM: expected SCRAM-SHA-512 or SCRAM-SHA-256, got "SCRAM-SHA-1"',
    ],
    ['env: auth not set', env({}), 'KAFKA_AUTH is required'],
    [
      'env: unsupported mechanism',
      env({ KAFKA_SASL_MECHANISM: 'PLAIN' }),
      'KAFKA_SASL_MECHANISM: expected SCRAM-SHA-512, SCRAM-SHA-256, OAUTHBEARER, AWS_MSK_IAM or NONE, got "PLAIN"',
    ],
    [
      'file: bad auth, with line and column',
      fromFile('bootstrapServers: [k:9098]\nauth: iamm\n'),
      /bad\.yaml:2:7: "auth": expected iam, scram or plaintext, got "iamm"$/,
    ],
    [
      'file: unknown key at its line',
      fromFile('bootstrapServers: [k:9098]\nauth: plaintext\nregoin: eu-west-1\n'),
      /bad\.yaml:3:1: "regoin": unknown setting$/,
    ],
    [
      'file: iam without region',
      fromFile('bootstrapServers: [k:9098]\nauth: iam\n'),
      /^connection profile .*bad\.yaml: "region" is required when auth is "iam"$/,
    ],
    [
      'file: caFile without tls',
      fromFile('bootstrapServers: [k:9092]\nauth: plaintext\ntls: false\ncaFile: /ca.pem\n'),
      /"caFile" is set but tls is off/,
    ],
    [
      'file: password as a plain string',
      fromFile('bootstrapServers: [k:9096]\nauth: scram\nscram: {username: app, password: hunter2}\n'),
      /"scram.password": expected \{env: VAR\}, \{file: PATH\} or \{secretsManager: ID\}/,
    ],
    [
      'file: region typo',
      fromFile('bootstrapServers: [k:9098]\nauth: iam\nregion: Ireland\n'),
      /"region": expected an AWS region such as eu-west-1, got "Ireland"/,
    ],
    ['file: YAML syntax', fromFile('bootstrapServers: [k:9098\n'), /bad\.yaml:\d+:\d+: /],
    [
      'file: missing',
      () => loadConnectionProfileFile(path.join(dir, 'nope.json')),
      /^connection profile .*nope\.json: cannot read \(ENOENT\)$/,
    ],
  ])('%s', (_label, run, expected) => {
    expect(run).toThrow(expected);
  });

  it('never echoes a secret: a bad password reference says what shape is expected, not the value', () => {
    expect(fromFile('bootstrapServers: [k:9096]\nauth: scram\nscram: {username: app, password: hunter2}\n')).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('hunter2') }),
    );
  });

  it.each<[string, string[], string | RegExp]>([
    ['unknown auth', ['--auth', 'iamm'], '--auth: expected iam, scram or plaintext, got "iamm"'],
    ['bad server', ['--bootstrap-servers', 'broker-1'], '--bootstrap-servers: expected host:port, got "broker-1"'],
    ['bad region', ['--region', 'EU'], '--region: expected an AWS region such as eu-west-1, got "EU"'],
    ['two password sources', ['--scram-password-env', 'A', '--scram-password-file', '/p'], /pass only one/],
    ['tls and no-tls', ['--tls', '--no-tls'], '--tls and --no-tls: pass only one'],
  ])('flag: %s is a usage error naming the flag', async (_label, args, expected) => {
    const run = profileFromArgs(flags(...args), {});
    await expect(run).rejects.toThrow(UsageError);
    await expect(profileFromArgs(flags(...args), {})).rejects.toThrow(expected);
  });

  it('a combined profile names both the key and the flag that would fix it', async () => {
    const run = profileFromArgs(flags('--bootstrap-servers', 'k:9098', '--auth', 'iam'), {});
    await expect(run).rejects.toThrow(UserFacingError);
    await expect(profileFromArgs(flags('--bootstrap-servers', 'k:9098', '--auth', 'iam'), {})).rejects.toThrow(
      'connection profile (flags and environment): "region" (--region) is required when auth is "iam"',
    );
  });

  it('no cluster at all is a usage error that says how to name one', async () => {
    await expect(profileFromArgs(flags(), {})).rejects.toThrow(/no cluster named: pass --bootstrap-servers/);
  });
});

describe('precedence: config file < environment < flags', () => {
  const profileFile = file(
    'jumper.json',
    JSON.stringify({
      bootstrapServers: MSK_IAM,
      auth: 'iam',
      region: 'eu-west-1',
      clientId: 'msk-gitops-jumper',
      msk: { clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc', secretsKmsKeyId: 'alias/msk-scram' },
    }),
  );

  it('a pure profile file alone is a complete profile', () => {
    expect(loadConnectionProfileFile(profileFile)).toEqual({
      bootstrapServers: MSK_IAM,
      auth: 'iam',
      tls: true,
      rejectUnauthorized: true,
      region: 'eu-west-1',
      clientId: 'msk-gitops-jumper',
      msk: { clusterArn: 'arn:aws:kafka:eu-west-1:123456789012:cluster/demo/abc', secretsKmsKeyId: 'alias/msk-scram' },
    });
  });

  it('the daemon config file embeds the profile under connection:', async () => {
    const daemonConfig = file(
      'daemon.yaml',
      [
        'repo: /srv/desired-state',
        'schedule: "*/5 * * * *"',
        'connection:',
        '  bootstrapServers: [127.0.0.1:19092]',
        '  auth: scram',
        '  scram:',
        '    username: admin',
        '    password: {env: LOCAL_ADMIN_PASSWORD}',
        '',
      ].join('\n'),
    );
    expect(await profileFromArgs(flags('--config', daemonConfig), {})).toMatchObject({
      bootstrapServers: ['127.0.0.1:19092'],
      auth: 'scram',
      scram: { username: 'admin', password: { env: 'LOCAL_ADMIN_PASSWORD' } },
    });
  });

  it('a daemon config without a connection: section takes the connection from env and flags', async () => {
    const daemonConfig = file('daemon-only.yaml', 'repo: /srv/desired-state\n');
    expect(connectionSettingsFromText('repo: /srv/desired-state\n', 'daemon-only.yaml')).toEqual({});
    expect(
      await profileFromArgs(
        flags('--config', daemonConfig, '--bootstrap-servers', 'k:9092', '--auth', 'plaintext'),
        {},
      ),
    ).toMatchObject({ auth: 'plaintext', bootstrapServers: ['k:9092'] });
  });

  it('env overrides the file, flags override env', async () => {
    const env = { AWS_REGION: 'us-east-1', KAFKA_CLIENT_ID: 'from-env' };
    const profile = await profileFromArgs(flags('--config', profileFile, '--client-id', 'from-flag'), env);
    expect(profile).toMatchObject({ region: 'us-east-1', clientId: 'from-flag', auth: 'iam' });
  });

  it('flags switch a SCRAM environment to IAM without the SCRAM settings getting in the way', async () => {
    const env = {
      KAFKA_BOOTSTRAP_SERVERS: '127.0.0.1:19092',
      KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
      KAFKA_SASL_USERNAME: 'admin',
      KAFKA_SASL_PASSWORD: 'admin-secret',
    };
    const profile = await profileFromArgs(
      flags('--auth', 'iam', '--region', 'eu-west-1', '--bootstrap-servers', MSK_IAM.join(',')),
      env,
    );
    expect(profile).toMatchObject({ auth: 'iam', tls: true, region: 'eu-west-1', bootstrapServers: MSK_IAM });
    expect(profile.scram).toBeUndefined();
  });

  it('SCRAM from flags: the password is a reference to an env var, a file or a secret', async () => {
    const profile = await profileFromArgs(
      flags(
        '--bootstrap-servers',
        'b-1.demo.kafka.eu-west-1.amazonaws.com:9096',
        '--auth',
        'scram',
        '--tls',
        '--ca-file',
        '/etc/pki/msk-ca.pem',
        '--scram-username',
        'lms-user',
        '--scram-password-secret',
        'AmazonMSK_lms-user#password',
      ),
      {},
    );
    expect(profile).toMatchObject({
      tls: true,
      caFile: '/etc/pki/msk-ca.pem',
      scram: {
        mechanism: 'SCRAM-SHA-512',
        username: 'lms-user',
        password: { secretsManager: 'AmazonMSK_lms-user#password' },
      },
    });
  });

  it('--no-tls works whether or not the command parses with allowNegative', async () => {
    const env = { KAFKA_BOOTSTRAP_SERVERS: 'k:9092', KAFKA_AUTH: 'plaintext', KAFKA_TLS: 'true' };
    expect((await profileFromArgs(flags('--no-tls'), env)).tls).toBe(false);
    const negative = parseArgs({ args: ['--no-tls'], options: connectionOptions, allowNegative: true }).values;
    expect((await profileFromArgs(negative, env)).tls).toBe(false);
  });

  it('the test-only IAM escape lets auth iam run without TLS, and is only a file/profile setting', () => {
    expect(
      parseConnectionProfile(
        { bootstrapServers: ['127.0.0.1:19095'], auth: 'iam', region: 'eu-west-1', tls: false, allowInsecureIam: true },
        'test',
      ),
    ).toMatchObject({ auth: 'iam', tls: false });
    expect(Object.keys(connectionOptions)).not.toContain('allow-insecure-iam');
  });
});
