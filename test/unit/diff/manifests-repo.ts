/**
 * A real git repository of manifests, built in a temp dir with a fixed author and clock so its commits (and so
 * everything derived from them) are the same on every run; and a way to run the CLI in it.
 */
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { simpleGit, type SimpleGit } from 'simple-git';
import { main } from '../../../reconciler/cli';

/** A commit's change: file path → new text, or null to delete the file. */
export type FileChanges = Record<string, string | null>;

export interface ManifestsRepo {
  dir: string;
  git: SimpleGit;
  /** Writes the files (relative to the repository root), commits them and tags the commit. */
  commit(tag: string, message: string, files: FileChanges): Promise<void>;
  /** Changes files in the work tree without committing. */
  write(files: FileChanges): Promise<void>;
  remove(): Promise<void>;
}

const FIXED_DATE = '2026-01-15T10:00:00Z';

export async function createManifestsRepo(): Promise<ManifestsRepo> {
  const dir = await mkdtemp(path.join(tmpdir(), 'msk-gitops-pr-'));
  // Only this repository's settings count: a developer's global git config (signing, hooks) must not leak in.
  const git = simpleGit({
    baseDir: dir,
    config: ['user.name=Reviewer Bot', 'user.email=bot@example.com', 'commit.gpgsign=false', 'tag.gpgsign=false'],
  }).env({
    // A minimal environment: simple-git refuses variables like EDITOR, and nothing else should leak in either.
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: dir,
    GIT_AUTHOR_DATE: FIXED_DATE,
    GIT_COMMITTER_DATE: FIXED_DATE,
    GIT_CONFIG_NOSYSTEM: '1',
  });
  await git.init(['--initial-branch=main']);
  const write = async (files: FileChanges) => {
    for (const [file, text] of Object.entries(files)) {
      const target = path.join(dir, file);
      if (text === null) {
        await rm(target, { force: true });
      } else {
        await mkdir(path.dirname(target), { recursive: true });
        await writeFile(target, text);
      }
    }
  };
  return {
    dir,
    git,
    write,
    async commit(tag, message, files) {
      await write(files);
      await git.add(['--all']);
      await git.commit(message);
      await git.addTag(tag);
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

function collector(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      chunks.push(String(chunk));
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

/** `msk-gitops <argv>` as a user runs it from `cwd`. */
export async function runCli(cwd: string, argv: string[], env: NodeJS.ProcessEnv = {}): Promise<CliRun> {
  const out = collector();
  const err = collector();
  const code = await main(argv, { stdout: out.stream, stderr: err.stream, env: { ...process.env, ...env }, cwd });
  return { code, stdout: out.text(), stderr: err.text() };
}
