/**
 * The manifests repository, followed with simple-git: cloned once into `checkoutDir`, then on every sync fetched
 * (`+refs/heads/BRANCH`, so a force-push is taken as it is) and hard-reset to the remote head. The working tree is
 * only ever what the remote says; the commit is returned so the controller can say what it converged.
 *
 * Credentials never touch a URL, .git/config or a command line: an HTTPS token goes in through git's
 * GIT_CONFIG_COUNT environment (an `http.extraHeader` for this process only); an SSH deploy key is written to a 0600
 * file that GIT_SSH_COMMAND names.
 */
import { chmodSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { GitSourceConfig } from './config';
import type { Source, SourceSnapshot } from './snapshot';
import { CommitVerifier, NoVerifiedCommitError } from './signatures';
import { errorMessage } from '../shared/errors';

export interface GitCredentials {
  token?: string;
  username?: string;
  sshKey?: string;
}

/** Removes anything that looks like a credential in a URL from a message (git echoes URLs in its errors). */
export function redactUrls(text: string): string {
  return text
    .replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@')
    .replace(/(Authorization:\s*\w+\s+)\S+/gi, '$1***');
}

const PASSED_ENV = [
  'PATH',
  'HOME',
  'USER',
  'LANG',
  'LC_ALL',
  'TMPDIR',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'GIT_SSL_CAINFO',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'https_proxy',
  'http_proxy',
  'no_proxy',
];

export function gitEnvironment(
  credentials: GitCredentials,
  keyFile: string | null,
  knownHosts: string,
  base: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  // Only what git needs from the environment: a daemon's environment may carry EDITOR, PAGER or GIT_* settings
  // that would change what git runs (simple-git refuses those, rightly).
  const env: Record<string, string> = {};
  for (const key of PASSED_ENV) {
    const value = base[key];
    if (value !== undefined) env[key] = value;
  }
  // Never ask a terminal for a password: a daemon has none, and a hang is worse than an error.
  env.GIT_TERMINAL_PROMPT = '0';
  if (credentials.token) {
    const basic = Buffer.from(`${credentials.username ?? 'x-access-token'}:${credentials.token}`).toString('base64');
    env.GIT_CONFIG_COUNT = '1';
    env.GIT_CONFIG_KEY_0 = 'http.extraHeader';
    env.GIT_CONFIG_VALUE_0 = `Authorization: Basic ${basic}`;
  }
  if (keyFile) {
    env.GIT_SSH_COMMAND = `ssh -i '${keyFile}' -o IdentitiesOnly=yes -o BatchMode=yes -o StrictHostKeyChecking=accept-new -o UserKnownHostsFile='${knownHosts}'`;
  }
  return env;
}

export class GitSource implements Source {
  private last: SourceSnapshot | null = null;
  private readonly keyFile: string | null;
  private readonly verifier: CommitVerifier | null;

  constructor(
    private readonly config: GitSourceConfig,
    private readonly credentials: GitCredentials = {},
    private readonly timeoutMs = 60_000,
  ) {
    const secretsDir = `${config.checkoutDir.replace(/\/+$/, '')}.credentials`;
    this.keyFile = credentials.sshKey ? path.join(secretsDir, 'deploy-key') : null;
    if (credentials.sshKey && this.keyFile) {
      mkdirSync(secretsDir, { recursive: true, mode: 0o700 });
      writeFileSync(this.keyFile, credentials.sshKey.endsWith('\n') ? credentials.sshKey : `${credentials.sshKey}\n`, {
        mode: 0o600,
      });
      chmodSync(this.keyFile, 0o600);
    }
    this.verifier = config.verify
      ? new CommitVerifier(config.verify, secretsDir, gitEnvironment({}, null, '/dev/null'))
      : null;
  }

  /** Checks what can be checked before the first fetch (the GPG keys import), so a bad key file stops the start. */
  async prepare(): Promise<void> {
    await this.verifier?.prepare();
  }

  private git(baseDir?: string): SimpleGit {
    const knownHosts = `${this.config.checkoutDir.replace(/\/+$/, '')}.credentials/known_hosts`;
    return simpleGit({
      baseDir,
      timeout: { block: this.timeoutMs },
      unsafe: { allowUnsafeSshCommand: true, allowUnsafeConfigEnvCount: true },
    }).env(gitEnvironment(this.credentials, this.keyFile, knownHosts));
  }

  private snapshot(revision: string): SourceSnapshot {
    return { dir: path.resolve(this.config.checkoutDir, this.config.path), revision };
  }

  lastSnapshot(): SourceSnapshot | null {
    return this.last;
  }

  /**
   * The manifests at an earlier commit, in a second worktree next to the checkout (`<checkoutDir>.last-good`), so the
   * controller can keep healing drift against the last good commit while the head is bad.
   */
  async snapshotAt(revision: string, worktree = 'last-good'): Promise<SourceSnapshot> {
    const goodDir = `${this.config.checkoutDir.replace(/\/+$/, '')}.${worktree}`;
    const fresh = async () => {
      rmSync(goodDir, { recursive: true, force: true });
      const git = this.git(this.config.checkoutDir);
      await git.raw(['worktree', 'prune']);
      await git.raw(['worktree', 'add', '--detach', '--force', goodDir, revision]);
    };
    try {
      if (existsSync(path.join(goodDir, '.git'))) {
        const git = this.git(goodDir);
        await git.raw(['checkout', '--detach', '--force', revision]);
        await git.clean('f', ['-d', '-x']);
      } else {
        await fresh();
      }
    } catch {
      // A worktree left from an earlier clone (the URL changed, the checkout was removed): start it again.
      await fresh().catch((error: unknown) => {
        throw new Error(`cannot check out ${revision.slice(0, 12)}: ${redactUrls(errorMessage(error))}`);
      });
    }
    return { dir: path.resolve(goodDir, this.config.path), revision };
  }

  /**
   * The head when its signature verifies; otherwise the newest verified commit before it (in its own worktree,
   * `<checkoutDir>.verified`), carrying the head's verdict so the controller can report the refusal.
   */
  private async verified(head: string): Promise<SourceSnapshot> {
    const verifier = this.verifier!;
    const verdict = await verifier.verify(this.config.checkoutDir, head);
    if (verdict.verified) return { ...this.snapshot(head), signature: verdict };
    const trusted = await verifier.lastVerified(this.config.checkoutDir, head);
    if (!trusted) throw new NoVerifiedCommitError(verdict);
    return { ...(await this.snapshotAt(trusted.revision, 'verified')), signature: verdict };
  }

  async sync(): Promise<SourceSnapshot> {
    const { checkoutDir, url, branch } = this.config;
    try {
      if (existsSync(path.join(checkoutDir, '.git'))) {
        const git = this.git(checkoutDir);
        if (!this.last) {
          // After a restart the previous checkout is the last good state until a fetch succeeds.
          this.last = this.snapshot((await git.revparse(['HEAD'])).trim());
        }
        const origin = (await git.remote(['get-url', 'origin'])) ?? '';
        if (origin.trim() !== url) {
          rmSync(checkoutDir, { recursive: true, force: true });
          return await this.sync();
        }
      } else {
        mkdirSync(path.dirname(checkoutDir), { recursive: true });
        rmSync(checkoutDir, { recursive: true, force: true });
        await this.git().clone(url, checkoutDir, ['--branch', branch, '--single-branch', '--no-tags']);
      }
      const git = this.git(checkoutDir);
      await git.fetch(['--prune', '--no-tags', 'origin', `+refs/heads/${branch}:refs/remotes/origin/${branch}`]);
      await git.reset(['--hard', `origin/${branch}`]);
      await git.clean('f', ['-d', '-x']);
      const revision = (await git.revparse(['HEAD'])).trim();
      if (!existsSync(path.resolve(checkoutDir, this.config.path))) {
        throw new Error(`commit ${revision.slice(0, 12)} has no folder "${this.config.path}"`);
      }
      this.last = this.verifier ? await this.verified(revision) : this.snapshot(revision);
      return this.last;
    } catch (error) {
      if (error instanceof NoVerifiedCommitError) throw error;
      const message = redactUrls(errorMessage(error)).trim().split('\n').slice(0, 4).join(' ');
      throw new Error(`git ${redactUrls(url)} (${branch}): ${message}`);
    }
  }
}
