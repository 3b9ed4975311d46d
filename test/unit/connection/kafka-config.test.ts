/** The kafkajs config a profile produces (TLS, SASL), and secret references resolved without AWS. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { explainConnectionError, kafkaConfigFor } from '../../../reconciler/connection/kafka';
import {
  describeServerChallenge,
  lengthPrefixedBytes,
  oauthBearerClientMessage,
} from '../../../reconciler/connection/oauthbearer';
import { parseConnectionProfile } from '../../../reconciler/connection/profile';
import { resolveSecret } from '../../../reconciler/connection/secrets';
import { UserFacingError } from '../../../reconciler/shared/errors';

const dir = mkdtempSync(path.join(tmpdir(), 'msk-gitops-kafka-config-'));
const caFile = path.join(dir, 'ca.pem');
const CA_PEM = '-----BEGIN CERTIFICATE-----\nMIIBtest\n-----END CERTIFICATE-----\n';
writeFileSync(caFile, CA_PEM);

const profile = (input: Record<string, unknown>) =>
  parseConnectionProfile({ bootstrapServers: ['b-1:9096', 'b-2:9096'], ...input }, 'test');

describe('kafkaConfigFor: TLS', () => {
  it('is off for a plaintext local broker', async () => {
    expect((await kafkaConfigFor(profile({ auth: 'plaintext' }))).ssl).toBe(false);
  });

  it('is `true` (Node trusts its CAs, which include Amazon Trust Services) when TLS is on without a CA file', async () => {
    expect((await kafkaConfigFor(profile({ auth: 'plaintext', tls: true }))).ssl).toBe(true);
  });

  it('passes the CA file as the only trusted CA, verifying certificates by default', async () => {
    const ssl = (await kafkaConfigFor(profile({ auth: 'plaintext', tls: true, caFile }))).ssl;
    expect(ssl).toEqual({ ca: [Buffer.from(CA_PEM)], rejectUnauthorized: true });
  });

  it('turns verification off only when asked', async () => {
    expect((await kafkaConfigFor(profile({ auth: 'plaintext', tls: true, rejectUnauthorized: false }))).ssl).toEqual({
      rejectUnauthorized: false,
    });
    expect(
      (await kafkaConfigFor(profile({ auth: 'plaintext', tls: true, caFile, rejectUnauthorized: false }))).ssl,
    ).toMatchObject({ rejectUnauthorized: false });
  });

  it('an unreadable CA file names the setting and the path', async () => {
    await expect(kafkaConfigFor(profile({ auth: 'plaintext', tls: true, caFile: '/nope/ca.pem' }))).rejects.toThrow(
      'connection profile: "caFile" /nope/ca.pem: cannot read (ENOENT)',
    );
  });
});

describe('kafkaConfigFor: SASL', () => {
  it('SCRAM resolves the password reference at connect time', async () => {
    const config = await kafkaConfigFor(
      profile({ auth: 'scram', tls: true, scram: { username: 'lms-user', password: { env: 'APP_PW' } } }),
      { env: { APP_PW: 's3cret' } },
    );
    expect(config).toMatchObject({
      clientId: 'msk-gitops',
      brokers: ['b-1:9096', 'b-2:9096'],
      ssl: true,
      sasl: { mechanism: 'scram-sha-512', username: 'lms-user', password: 's3cret' },
    });
  });

  it('a missing password names the setting and the reference, never a value', async () => {
    await expect(
      kafkaConfigFor(profile({ auth: 'scram', scram: { username: 'u', password: { env: 'NOPE_PW' } } }), { env: {} }),
    ).rejects.toThrow('connection profile: "scram.password": environment variable NOPE_PW is not set');
  });

  it('IAM is OAUTHBEARER with a provider that returns the (cached) token', async () => {
    let minted = 0;
    const tokenProvider = async () => ({ token: `tok-${++minted}`, expiryTime: Date.now() + 900_000 });
    const config = await kafkaConfigFor(profile({ auth: 'iam', region: 'eu-west-1' }), { tokenProvider });
    expect(config.ssl).toBe(true);
    const sasl = config.sasl as { mechanism: string; oauthBearerProvider: () => Promise<{ value: string }> };
    expect(sasl.mechanism).toBe('oauthbearer');
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'tok-1' });
    expect(await sasl.oauthBearerProvider()).toEqual({ value: 'tok-1' });
    expect(minted).toBe(1);
  });

  it('IAM without an injected provider signs with the region from the profile', async () => {
    const config = await kafkaConfigFor(profile({ auth: 'iam', region: 'eu-central-1' }));
    expect(config.sasl).toMatchObject({ mechanism: 'oauthbearer' });
  });
});

describe('explainConnectionError', () => {
  const scram = profile({ auth: 'scram', scram: { username: 'admin', password: { env: 'PW' } } });
  it('says who failed to authenticate where, and what to check', () => {
    const error = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: Authentication failed'), {
      name: 'KafkaJSSASLAuthenticationError',
    });
    const explained = explainConnectionError(error, scram);
    expect(explained).toBeInstanceOf(UserFacingError);
    expect(explained.message).toBe(
      'authentication failed at b-1:9096,b-2:9096 as SCRAM-SHA-512 user "admin": SASL SCRAM SHA512 authentication failed: ' +
        'Authentication failed; check the username and the password reference (--scram-password-env/-file/-secret)',
    );
  });
  it('an unreachable cluster points at servers, network and the TLS/port pairing', () => {
    const error = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:1'), {
      name: 'KafkaJSConnectionError',
    });
    expect(explainConnectionError(error, scram).message).toMatch(/^cannot reach b-1:9096,b-2:9096 .*TLS \(off\)/);
  });
});

describe('resolveSecret', () => {
  const sm = mockClient(SecretsManagerClient);
  afterEach(() => sm.reset());
  const client = () => new SecretsManagerClient({ region: 'eu-west-1' });

  it('reads env and file references', async () => {
    const pwFile = path.join(dir, 'pw');
    writeFileSync(pwFile, 'from-file\n');
    expect(await resolveSecret({ env: 'X' }, { X: 'from-env' })).toBe('from-env');
    expect(await resolveSecret({ file: pwFile })).toBe('from-file');
    await expect(resolveSecret({ file: path.join(dir, 'none') })).rejects.toThrow(
      /cannot read secret file .*none: ENOENT/,
    );
  });

  it('reads a plain Secrets Manager secret, and a JSON field by "id#field" or by field', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'plain' }).resolves({ SecretString: 'p@ss' });
    sm.on(GetSecretValueCommand, { SecretId: 'AmazonMSK_app' }).resolves({
      SecretString: JSON.stringify({ username: 'app', password: 'app-pw' }),
    });
    const deps = { secretsManager: client() };
    expect(await resolveSecret({ secretsManager: 'plain' }, {}, deps)).toBe('p@ss');
    expect(await resolveSecret({ secretsManager: 'AmazonMSK_app#password' }, {}, deps)).toBe('app-pw');
    expect(await resolveSecret({ secretsManager: 'AmazonMSK_app', field: 'password' }, {}, deps)).toBe('app-pw');
  });

  it('errors name the secret and the field, never the value', async () => {
    sm.on(GetSecretValueCommand, { SecretId: 'AmazonMSK_app' }).resolves({
      SecretString: '{"username":"app","password":"app-pw"}',
    });
    sm.on(GetSecretValueCommand, { SecretId: 'denied' }).rejects(
      Object.assign(new Error('User is not authorized to perform: secretsmanager:GetSecretValue'), {
        name: 'AccessDeniedException',
      }),
    );
    const deps = { secretsManager: client() };
    const missing = resolveSecret({ secretsManager: 'AmazonMSK_app#pasword' }, {}, deps);
    await expect(missing).rejects.toThrow('Secrets Manager secret AmazonMSK_app has no string field "pasword"');
    await expect(resolveSecret({ secretsManager: 'AmazonMSK_app#pasword' }, {}, deps)).rejects.not.toThrow(/app-pw/);
    await expect(resolveSecret({ secretsManager: 'denied' }, {}, deps)).rejects.toThrow(
      'Secrets Manager secret denied: AccessDeniedException: User is not authorized to perform: secretsmanager:GetSecretValue',
    );
    await expect(resolveSecret({ secretsManager: 'AmazonMSK_app#a', field: 'b' }, {}, deps)).rejects.toThrow(
      'names field "a" and also "field: b"',
    );
  });
});

describe('the OAUTHBEARER wire messages', () => {
  it('the client message is RFC 7628 GS2 with the bearer token, length-prefixed', () => {
    const bytes = oauthBearerClientMessage('tok');
    expect(bytes.readInt32BE(0)).toBe(bytes.length - 4);
    expect(bytes.subarray(4).toString()).toBe('n,,\u0001auth=Bearer tok\u0001\u0001');
  });
  it("the broker's error challenge becomes a status, an empty reply is success", () => {
    const reply = Buffer.from('{"status":"invalid_token"}');
    const framed = Buffer.concat([Buffer.from([0, 0, 0, reply.length]), reply]);
    expect(lengthPrefixedBytes(framed)).toEqual(reply);
    expect(lengthPrefixedBytes(Buffer.from([0, 0, 0, 0]))).toHaveLength(0);
    expect(describeServerChallenge(reply)).toBe('the broker refused the token (status "invalid_token")');
  });
});
