import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { localGeneratedPasswords, resolvePassword } from '../../../reconciler/users/passwords';

describe('passwords', () => {
  const dir = () => path.join(mkdtempSync(path.join(tmpdir(), 'pw-')), 'secrets');

  it('generates once, keeps the value in a 0600 file in a 0700 directory, and reuses it', async () => {
    const where = dir();
    const store = localGeneratedPasswords(where);
    const first = await resolvePassword('lms-user', { generate: true }, store);
    const again = await resolvePassword('lms-user', { generate: true }, localGeneratedPasswords(where));
    expect(first).toHaveLength(43);
    expect(again).toBe(first);
    expect(store.locate('lms-user')).toBe(path.join(where, 'lms-user.password'));
    expect(statSync(store.locate('lms-user')).mode & 0o777).toBe(0o600);
    expect(statSync(where).mode & 0o777).toBe(0o700);
    expect(await resolvePassword('other', { generate: true }, store)).not.toBe(first);
  });

  it('reads env and file sources; errors name the user and the reference, never a value', async () => {
    const store = localGeneratedPasswords(dir());
    expect(await resolvePassword('a', { env: 'PW_A' }, store, { PW_A: 's3cret-a' })).toBe('s3cret-a');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'pwf-')), 'pw');
    writeFileSync(file, 's3cret-b\n');
    expect(await resolvePassword('b', { file }, store)).toBe('s3cret-b');
    await expect(resolvePassword('c', { env: 'PW_MISSING' }, store, {})).rejects.toThrow(
      'password of user c: environment variable PW_MISSING is not set',
    );
    await expect(resolvePassword('d', { file: '/nonexistent/pw' }, store)).rejects.toThrow(
      'password of user d: cannot read secret file /nonexistent/pw: ENOENT',
    );
  });
});
