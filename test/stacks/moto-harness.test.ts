/** The moto harness itself: the real script, not a shim; it answers AWS calls; stop() ends exactly that process. */
import { findMotoServer, motoVersion, MOTO_VERSION, startMoto, type MotoServer } from '../support/moto';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('moto harness', () => {
  let moto: MotoServer | undefined;
  afterAll(async () => moto?.stop());

  it('finds the real moto_server script of the pinned version', () => {
    const binary = findMotoServer();
    expect(binary).not.toMatch(/[\\/]shims[\\/]/);
    expect(motoVersion(binary)).toBe(MOTO_VERSION);
  });

  it('starts on a free loopback port, answers STS with the fake account, and stops by its pid', async () => {
    moto = await startMoto();
    expect(moto.endpoint).toBe(`http://127.0.0.1:${moto.port}`);
    const response = await fetch(moto.endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=0',
      },
      body: 'Action=GetCallerIdentity&Version=2011-06-15',
    });
    expect(await response.text()).toContain('<Account>123456789012</Account>');
    expect(alive(moto.pid)).toBe(true);
    await moto.stop();
    expect(alive(moto.pid)).toBe(false);
  });
});
