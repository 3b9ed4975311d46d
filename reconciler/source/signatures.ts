/**
 * Only trusted commits reach the cluster: a commit is applied when `git verify-commit` accepts its signature against
 * the operator's allowed signers (SSH keys in an allowed-signers file, GPG public keys imported into a keyring of the
 * controller's own) and, when a list is given, its committer email is on it. git decides, not a second implementation:
 * its exit code is the verdict; `git log --format=%G?…` only names the signer or the reason for a person.
 *
 * The user's and the system's git config are ignored here, so a `gpg.ssh.allowedSignersFile` in someone's
 * ~/.gitconfig can never widen what the controller trusts.
 */
import { execFile } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { promisify } from 'node:util';
import { errorMessage } from '../shared/errors';

const run = promisify(execFile);

export interface VerifySettings {
  allowedSignersFile?: string;
  gpgPublicKeyFiles?: string[];
  committerEmails?: string[];
}

export interface SignatureVerdict {
  /** The commit that was checked. */
  revision: string;
  verified: boolean;
  /** Who signed it (the allowed signer's principal or the GPG user id), when git could tell. */
  signer: string | null;
  /** The signing key's fingerprint, when the commit is signed. */
  key: string | null;
  committer: string;
  /** Why the commit is refused; null when verified. */
  reason: string | null;
}

const STATUS_TEXT: Record<string, string> = {
  N: 'the commit is not signed',
  B: 'the signature is bad (the commit was changed after signing)',
  X: 'the signature has expired',
  Y: 'the signing key has expired',
  R: 'the signing key is revoked',
  E: 'the signing key is not among the trusted keys',
  U: 'the signing key is not among the trusted keys',
};

export class CommitVerifier {
  private readonly cache = new Map<string, SignatureVerdict>();
  private readonly gnupgHome: string;
  private prepared = false;

  /** `stateDir` holds the controller's own GPG keyring (created 0700). */
  constructor(
    private readonly settings: VerifySettings,
    stateDir: string,
    private readonly baseEnv: Record<string, string> = {},
  ) {
    this.gnupgHome = `${stateDir.replace(/\/+$/, '')}/gnupg`;
  }

  /** Imports the GPG public keys; a file gpg cannot read is an error before the controller starts. */
  async prepare(): Promise<void> {
    if (this.prepared) return;
    mkdirSync(this.gnupgHome, { recursive: true, mode: 0o700 });
    for (const file of this.settings.gpgPublicKeyFiles ?? []) {
      try {
        await run('gpg', ['--batch', '--quiet', '--homedir', this.gnupgHome, '--import', file], { env: this.env() });
      } catch (error) {
        const stderr = String((error as { stderr?: string }).stderr ?? errorMessage(error));
        throw new Error(`cannot import the GPG public keys in ${file}: ${stderr.trim().split('\n').pop() ?? ''}`);
      }
    }
    this.prepared = true;
  }

  private env(): Record<string, string> {
    const entries: [string, string][] = [];
    if (this.settings.allowedSignersFile)
      entries.push(['gpg.ssh.allowedSignersFile', this.settings.allowedSignersFile]);
    const env: Record<string, string> = {
      ...this.baseEnv,
      GNUPGHOME: this.gnupgHome,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_CONFIG_COUNT: String(entries.length),
    };
    entries.forEach(([key, value], i) => {
      env[`GIT_CONFIG_KEY_${i}`] = key;
      env[`GIT_CONFIG_VALUE_${i}`] = value;
    });
    return env;
  }

  /** The verdict on one commit (cached: a commit's signature never changes, the trusted keys only at a restart). */
  async verify(repoDir: string, revision: string): Promise<SignatureVerdict> {
    const cached = this.cache.get(revision);
    if (cached) return cached;
    await this.prepare();
    const env = this.env();
    const { stdout } = await run('git', ['log', '-1', '--format=%G?%x00%GS%x00%GF%x00%ce', revision], {
      cwd: repoDir,
      env,
    });
    const [status = 'N', signer = '', key = '', committer = ''] = stdout.replace(/\n$/, '').split('\0');
    const accepted = await run('git', ['verify-commit', revision], { cwd: repoDir, env }).then(
      () => true,
      () => false,
    );
    const emails = this.settings.committerEmails;
    const committerAllowed = !emails || emails.some((email) => email.toLowerCase() === committer.toLowerCase());
    let reason: string | null = null;
    if (!accepted) {
      reason = STATUS_TEXT[status] ?? `git verify-commit refused it (${status})`;
      if (key) reason += ` (key ${key})`;
    } else if (!committerAllowed) reason = `the committer ${committer} is not among the allowed committer emails`;
    const verdict: SignatureVerdict = {
      revision,
      verified: reason === null,
      signer: signer || null,
      key: key || null,
      committer,
      reason,
    };
    this.cache.set(revision, verdict);
    return verdict;
  }

  /** The newest verified commit on the first-parent line from `head`, looking back at most `depth` commits. */
  async lastVerified(repoDir: string, head: string, depth = 200): Promise<SignatureVerdict | null> {
    const { stdout } = await run('git', ['rev-list', '--first-parent', `--max-count=${depth}`, head], {
      cwd: repoDir,
      env: this.env(),
    });
    for (const revision of stdout.split('\n').filter(Boolean)) {
      const verdict = await this.verify(repoDir, revision);
      if (verdict.verified) return verdict;
    }
    return null;
  }
}

/** The head is refused and no commit within reach verifies: there is nothing trusted to reconcile. */
export class NoVerifiedCommitError extends Error {
  constructor(readonly head: SignatureVerdict) {
    super(`commit ${head.revision.slice(0, 12)} is refused (${head.reason}) and no earlier commit verifies`);
  }
}
