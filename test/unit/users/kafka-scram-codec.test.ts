import { createHmac, createHash } from 'node:crypto';
import {
  alterUserScramCredentialsRequest,
  alterUserScramCredentialsResponse,
  describeUserScramCredentialsRequest,
  describeUserScramCredentialsResponse,
  saltedPassword,
} from '../../../reconciler/users/kafka-scram';

async function body(request: { encode(): Promise<{ buffer: Buffer }> }): Promise<number[]> {
  return [...(await request.encode()).buffer];
}

describe('KIP-554 requests, version 0 (flexible)', () => {
  it('DescribeUserScramCredentials: header v2 tag buffer, compact array of compact strings, tag buffers', async () => {
    const request = describeUserScramCredentialsRequest(['ab']);
    expect(request).toMatchObject({ apiKey: 50, apiVersion: 0 });
    // 0x00 header tags | array len+1=2 | string len+1=3 'a' 'b' | struct tags | body tags
    expect(await body(request)).toEqual([0, 2, 3, 0x61, 0x62, 0, 0]);
    // null describes everyone: compact null array is length 0
    expect(await body(describeUserScramCredentialsRequest(null))).toEqual([0, 0, 0]);
  });

  it('AlterUserScramCredentials: deletions then upsertions with compact bytes', async () => {
    const request = alterUserScramCredentialsRequest(
      [{ name: 'x', mechanism: 'SCRAM-SHA-256' }],
      [
        {
          name: 'y',
          mechanism: 'SCRAM-SHA-512',
          iterations: 4096,
          salt: Buffer.from([9]),
          saltedPassword: Buffer.from([7, 8]),
        },
      ],
    );
    expect(request).toMatchObject({ apiKey: 51, apiVersion: 0 });
    expect(await body(request)).toEqual([
      0, // header v2 tagged fields
      2,
      2,
      0x78,
      1,
      0, // deletions: [x, SHA-256]
      2,
      2,
      0x79,
      2,
      0,
      0,
      0x10,
      0,
      2,
      9,
      3,
      7,
      8,
      0, // upsertions: [y, SHA-512, 4096, salt, salted]
      0, // body tagged fields
    ]);
  });

  it('decodes a DescribeUserScramCredentials response after the response header v1 tag buffer', async () => {
    const payload = Buffer.from([
      0, // response header tagged fields
      0,
      0,
      0,
      0, // throttle
      0,
      0, // error code
      0, // null error message
      3, // two results
      2,
      0x61,
      0,
      0,
      0,
      /* creds */ 2,
      2,
      0,
      0,
      0x20,
      0,
      0,
      0,
      2,
      0x62,
      0,
      91,
      3,
      0x6e,
      0x6f,
      /* no creds */ 1,
      0,
      0,
    ]);
    const decoded = await describeUserScramCredentialsResponse.decode(payload);
    expect(decoded.results).toEqual([
      { name: 'a', errorCode: 0, errorMessage: null, credentials: [{ mechanism: 'SCRAM-SHA-512', iterations: 8192 }] },
      { name: 'b', errorCode: 91, errorMessage: 'no', credentials: [] },
    ]);
  });

  it('reports a request-level error by name, and per-user alter errors as data', async () => {
    const failed = { errorCode: 31, errorMessage: null, results: [] };
    await expect(describeUserScramCredentialsResponse.parse(failed)).rejects.toThrow(
      'DescribeUserScramCredentials failed: CLUSTER_AUTHORIZATION_FAILED',
    );
    const payload = Buffer.from([0, 0, 0, 0, 0, 2, 2, 0x61, 0, 93, 0, 0, 0]);
    expect((await alterUserScramCredentialsResponse.decode(payload)).results).toEqual([
      { name: 'a', errorCode: 93, errorMessage: null },
    ]);
  });
});

describe('saltedPassword (SCRAM Hi)', () => {
  it('reproduces the RFC 7677 SCRAM-SHA-256 exchange', () => {
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const salted = saltedPassword('pencil', salt, 4096, 'SCRAM-SHA-256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    const storedKey = createHash('sha256').update(clientKey).digest();
    const authMessage =
      'n=user,r=rOprNGfwEbeRWgbNEkqO,' +
      'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,' +
      'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0';
    const signature = createHmac('sha256', storedKey).update(authMessage).digest();
    const proof = Buffer.from(clientKey.map((byte, i) => byte ^ signature[i]));
    expect(proof.toString('base64')).toBe('dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=');
  });

  it('has the hash length of the mechanism', () => {
    expect(saltedPassword('p', Buffer.from('s'), 4096, 'SCRAM-SHA-512')).toHaveLength(64);
    expect(saltedPassword('p', Buffer.from('s'), 4096, 'SCRAM-SHA-256')).toHaveLength(32);
  });
});
