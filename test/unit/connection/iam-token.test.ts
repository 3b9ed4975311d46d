/**
 * The MSK IAM token, proven without AWS: AWS's signer runs with known static credentials, and the test recomputes the
 * SigV4 presigned-URL signature itself (canonical request → string to sign → HMAC chain), so a token that MSK would
 * reject for its shape or signature fails here.
 */
import { createHash, createHmac } from 'node:crypto';
import {
  mskIamTokenSource,
  refreshingOAuthBearerProvider,
  unsecuredJwtSource,
  type BearerToken,
} from '../../../reconciler/connection/iam-token';

// The documented example keys from AWS's SigV4 test suite: known, and valid nowhere.
const ACCESS_KEY_ID = 'AKIDEXAMPLE';
const SECRET_ACCESS_KEY = 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY';
const SESSION_TOKEN = 'IQoJb3JpZ2luX2VjEXAMPLE//session/token+with=chars';

/** RFC 3986 percent-encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
function uriEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data, 'utf8').digest();
const sha256Hex = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');

/** SigV4 for a presigned GET of `https://host/?<query>` with only `host` signed and an empty body. */
function recomputeSignature(url: URL, secretAccessKey: string): string {
  const params = [...url.searchParams.entries()].filter(
    // The signer appends User-Agent after signing; the signature never covers itself.
    ([key]) => key !== 'X-Amz-Signature' && key !== 'User-Agent',
  );
  const canonicalQuery = params
    .map(([key, value]) => [uriEncode(key), uriEncode(value)] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const canonicalRequest = [
    'GET',
    '/',
    canonicalQuery,
    `host:${url.host}\n`,
    'host',
    sha256Hex(''), // presigned request without a body: the hash of the empty payload
  ].join('\n');
  const amzDate = url.searchParams.get('X-Amz-Date')!;
  const [, date, region, service, terminator] = url.searchParams.get('X-Amz-Credential')!.split('/');
  const scope = `${date}/${region}/${service}/${terminator}`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256Hex(canonicalRequest)].join('\n');
  const kDate = hmac(`AWS4${secretAccessKey}`, date);
  const kRegion = hmac(kDate, region);
  const kService = hmac(kRegion, service);
  const kSigning = hmac(kService, terminator);
  return hmac(kSigning, stringToSign).toString('hex');
}

function decodeToken(token: string): URL {
  expect(token).toMatch(/^[A-Za-z0-9_-]+$/); // base64url, no padding
  return new URL(Buffer.from(token, 'base64url').toString('utf8'));
}

describe('the MSK IAM token', () => {
  const region = 'eu-west-1';

  it('is a presigned kafka-cluster:Connect request whose SigV4 signature recomputes from the known keys', async () => {
    const before = Date.now();
    const credentials = async () => ({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY });
    const { token, expiryTime } = await mskIamTokenSource({ region, credentials })();
    const url = decodeToken(token);

    expect(url.protocol).toBe('https:');
    expect(url.host).toBe(`kafka.${region}.amazonaws.com`);
    expect(url.pathname).toBe('/');
    expect(url.searchParams.get('Action')).toBe('kafka-cluster:Connect');
    expect(url.search).toContain('Action=kafka-cluster%3AConnect');
    expect(url.searchParams.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-SignedHeaders')).toBe('host');
    expect(url.searchParams.get('User-Agent')).toMatch(/^aws-msk-iam-sasl-signer-js\//);
    expect(url.searchParams.has('X-Amz-Security-Token')).toBe(false);

    const amzDate = url.searchParams.get('X-Amz-Date')!;
    expect(amzDate).toMatch(/^\d{8}T\d{6}Z$/);
    const signedAt = Date.parse(
      amzDate.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    expect(signedAt).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000);
    expect(expiryTime).toBe(signedAt + 900_000);
    expect(url.searchParams.get('X-Amz-Credential')).toBe(
      `${ACCESS_KEY_ID}/${amzDate.slice(0, 8)}/${region}/kafka-cluster/aws4_request`,
    );

    expect(url.searchParams.get('X-Amz-Signature')).toBe(recomputeSignature(url, SECRET_ACCESS_KEY));
    // And the recomputation is not vacuous: another secret gives another signature.
    expect(url.searchParams.get('X-Amz-Signature')).not.toBe(recomputeSignature(url, `${SECRET_ACCESS_KEY}x`));
  });

  it('signs the session token of temporary credentials (instance profile, SSO) into the request', async () => {
    const credentials = async () => ({
      accessKeyId: ACCESS_KEY_ID,
      secretAccessKey: SECRET_ACCESS_KEY,
      sessionToken: SESSION_TOKEN,
    });
    const url = decodeToken((await mskIamTokenSource({ region: 'us-east-2', credentials })()).token);
    expect(url.host).toBe('kafka.us-east-2.amazonaws.com');
    expect(url.searchParams.get('X-Amz-Security-Token')).toBe(SESSION_TOKEN);
    expect(url.searchParams.get('X-Amz-Signature')).toBe(recomputeSignature(url, SECRET_ACCESS_KEY));
  });

  it('with credentials expiring within 15 minutes: a valid integer X-Amz-Expires, and re-signed before they lapse', async () => {
    const expiration = new Date(Date.now() + 120_000);
    const credentials = async () => ({ accessKeyId: ACCESS_KEY_ID, secretAccessKey: SECRET_ACCESS_KEY, expiration });
    const { token, expiryTime } = await mskIamTokenSource({ region, credentials })();
    const url = decodeToken(token);
    // Signer 1.0.3 alone would sign "X-Amz-Expires=119.999" here, which SigV4 does not allow.
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toBe(recomputeSignature(url, SECRET_ACCESS_KEY));
    expect(expiryTime).toBe(expiration.getTime());
  });

  it('says which step failed when there are no credentials', async () => {
    const credentials = async () => {
      throw new Error('Could not load credentials from any providers');
    };
    await expect(mskIamTokenSource({ region, credentials })()).rejects.toThrow(
      /^MSK IAM auth \(region eu-west-1\): cannot sign the auth token: Could not load credentials from any providers\. The default AWS credential chain/,
    );
  });
});

describe('the token refresh (kafkajs calls the provider on every (re)authentication)', () => {
  function countingSource(lifetimeMs: number, clock: { now: number }) {
    const minted: BearerToken[] = [];
    const source = async () => {
      const token = { token: `token-${minted.length + 1}`, expiryTime: clock.now + lifetimeMs };
      minted.push(token);
      return token;
    };
    return { source, minted };
  }

  it('reuses the token until it is within the refresh margin of expiry, then signs a new one', async () => {
    const clock = { now: 1_000_000 };
    const { source, minted } = countingSource(900_000, clock);
    const provider = refreshingOAuthBearerProvider(source, { now: () => clock.now, refreshBeforeMs: 60_000 });

    expect(await provider()).toEqual({ value: 'token-1' });
    clock.now += 839_000; // 61 s left: still good
    expect(await provider()).toEqual({ value: 'token-1' });
    clock.now += 1_000; // exactly 60 s left: refresh
    expect(await provider()).toEqual({ value: 'token-2' });
    expect(minted).toHaveLength(2);
    clock.now += 10 * 60_000;
    expect(await provider()).toEqual({ value: 'token-2' });
    clock.now += 10 * 60_000; // long expired (an idle daemon): a fresh token, never the stale one
    expect(await provider()).toEqual({ value: 'token-3' });
  });

  it('signs once for connections that authenticate at the same time', async () => {
    const clock = { now: 0 };
    const { source, minted } = countingSource(900_000, clock);
    const provider = refreshingOAuthBearerProvider(source, { now: () => clock.now });
    const values = await Promise.all([provider(), provider(), provider()]);
    expect(values.map((v) => v.value)).toEqual(['token-1', 'token-1', 'token-1']);
    expect(minted).toHaveLength(1);
  });

  it('tries again after a failed signing instead of caching the failure', async () => {
    let calls = 0;
    const provider = refreshingOAuthBearerProvider(async () => {
      calls += 1;
      if (calls === 1) throw new Error('credentials not yet available');
      return { token: 'ok', expiryTime: Date.now() + 900_000 };
    });
    await expect(provider()).rejects.toThrow('credentials not yet available');
    expect(await provider()).toEqual({ value: 'ok' });
  });
});

describe('the unsecured JWT used against the local OAUTHBEARER listener', () => {
  it('is alg none with sub, iat and exp, and carries its expiry', async () => {
    const { token, expiryTime } = await unsecuredJwtSource('admin', {
      now: () => 1_700_000_000_000,
      lifetimeMs: 60_000,
    })();
    const [header, claims, signature] = token.split('.');
    expect(JSON.parse(Buffer.from(header, 'base64url').toString())).toEqual({ alg: 'none' });
    expect(JSON.parse(Buffer.from(claims, 'base64url').toString())).toEqual({
      sub: 'admin',
      iat: 1_700_000_000,
      exp: 1_700_000_060,
    });
    expect(signature).toBe('');
    expect(expiryTime).toBe(1_700_000_060_000);
  });
});
