/**
 * Signing keys for the signed-commits tests, made the way people make them: `ssh-keygen -t ed25519` (an SSH key and
 * its allowed-signers line) and `gpg --quick-gen-key` (a GPG key in a keyring of its own, exported armored).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface Signer {
  /** `git -c …` settings that make `git commit -S` sign with this key. */
  gitConfig: string[];
  /** Environment the signing git needs (GNUPGHOME for GPG). */
  env: Record<string, string>;
}

export interface SshSigner extends Signer {
  /** The allowed-signers line (`email ssh-ed25519 AAAA…`) that trusts this key. */
  allowedSignersLine: string;
}

export function sshSigner(dir: string, name: string, email: string): SshSigner {
  mkdirSync(dir, { recursive: true });
  const key = path.join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', email, '-f', key]);
  return {
    gitConfig: ['-c', 'gpg.format=ssh', '-c', `user.signingkey=${key}`],
    env: {},
    allowedSignersLine: `${email} ${readFileSync(`${key}.pub`, 'utf8').trim()}`,
  };
}

export interface GpgSigner extends Signer {
  /** The armored public key file to trust. */
  publicKeyFile: string;
}

export function gpgSigner(dir: string, name: string, email: string): GpgSigner {
  const home = path.join(dir, `${name}.gnupg`);
  mkdirSync(home, { recursive: true, mode: 0o700 });
  const env = { ...process.env, GNUPGHOME: home };
  execFileSync(
    'gpg',
    ['--batch', '--quiet', '--passphrase', '', '--quick-gen-key', `${name} <${email}>`, 'ed25519', 'sign', 'never'],
    {
      env,
      stdio: 'ignore',
    },
  );
  const publicKeyFile = path.join(dir, `${name}.asc`);
  writeFileSync(publicKeyFile, execFileSync('gpg', ['--batch', '--armor', '--export', email], { env }));
  return {
    gitConfig: ['-c', 'gpg.format=openpgp', '-c', `user.signingkey=${email}`],
    env: { GNUPGHOME: home },
    publicKeyFile,
  };
}
