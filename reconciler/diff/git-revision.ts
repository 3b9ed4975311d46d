/**
 * The manifests as a git revision has them, read from the object database without touching the work tree or the
 * index: one `ls-tree` for the names and one `cat-file --batch` for every blob, whatever the number of files.
 */
import { spawn } from 'node:child_process';
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { ManifestSource } from '../model/load';
import { UserFacingError } from '../shared/errors';

export interface RevisionManifests {
  /** The revision as the user named it (`origin/main`, `HEAD~1`). */
  ref: string;
  /** The commit it resolved to. */
  commit: string;
  /** False when the directory does not exist at that revision (the first pull request adding manifests). */
  dirExists: boolean;
  files: ManifestSource[];
}

/**
 * Which files under the manifests directory are manifests: the loader's rule for a directory on disk (`*.yaml`,
 * `*.yml`, not inside a dot-folder or node_modules), applied to a path relative to the manifests root.
 */
export function isManifestPath(relativePath: string): boolean {
  const parts = relativePath.split('/');
  const folders = parts.slice(0, -1);
  if (folders.some((folder) => folder.startsWith('.') || folder === 'node_modules')) return false;
  return ['.yaml', '.yml'].some((extension) => relativePath.endsWith(extension));
}

/**
 * Every manifest under `dir` (relative to `cwd`) at `ref`. Paths in the result are relative to `dir`, as
 * `buildDesiredState` expects (it finds `settings.yaml` at the root that way).
 */
export async function readManifestsAtRevision(options: {
  cwd: string;
  dir: string;
  ref: string;
}): Promise<RevisionManifests> {
  const { cwd, dir, ref } = options;
  const top = await repositoryRoot(cwd);
  const git = simpleGit(top);
  const commit = await resolveCommit(git, ref);
  const relativeDir = toPosix(path.relative(await realpath(top), await realpathOrSelf(path.resolve(cwd, dir))));
  if (relativeDir.startsWith('..') || path.isAbsolute(relativeDir)) {
    throw new UserFacingError(`${dir} is outside the git repository at ${top}`);
  }
  const entries = await listBlobs(git, commit, relativeDir);
  const manifests = entries
    .map((entry) => ({ ...entry, path: relativeDir ? entry.path.slice(relativeDir.length + 1) : entry.path }))
    .filter((entry) => isManifestPath(entry.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const texts = await readBlobs(
    top,
    manifests.map((entry) => entry.object),
  );
  const files = manifests.map((entry, index) => ({ path: entry.path, text: texts[index] }));
  return { ref, commit, dirExists: entries.length > 0 || (await isTree(git, commit, relativeDir)), files };
}

/** The directory may not exist in the work tree (deleted in this branch): then its path is taken as written. */
async function realpathOrSelf(file: string): Promise<string> {
  try {
    return await realpath(file);
  } catch {
    const parent = path.dirname(file);
    return parent === file ? file : path.join(await realpathOrSelf(parent), path.basename(file));
  }
}

async function repositoryRoot(cwd: string): Promise<string> {
  try {
    return (await simpleGit(cwd).revparse(['--show-toplevel'])).trim();
  } catch {
    throw new UserFacingError(`${cwd} is not inside a git repository`);
  }
}

async function resolveCommit(git: SimpleGit, ref: string): Promise<string> {
  if (ref.startsWith('-')) throw new UserFacingError(`"${ref}" is not a git revision`);
  // `--quiet` fails with exit 1 and no output, which simple-git does not always raise: the empty answer is the signal.
  const commit = await git.revparse(['--verify', '--quiet', `${ref}^{commit}`]).catch(() => '');
  if (!/^[0-9a-f]{40,64}$/.test(commit.trim())) {
    throw new UserFacingError(`unknown git revision "${ref}" (in a CI checkout, fetch it first: fetch-depth: 0)`);
  }
  return commit.trim();
}

interface BlobEntry {
  mode: string;
  object: string;
  path: string;
}

/** `ls-tree -r -z`: `<mode> SP <type> SP <object> TAB <path> NUL`; regular files only (no symlinks, no submodules). */
async function listBlobs(git: SimpleGit, commit: string, relativeDir: string): Promise<BlobEntry[]> {
  const args = ['ls-tree', '-r', '-z', '--full-tree', commit];
  if (relativeDir) args.push('--', relativeDir);
  const output = await git.raw(args);
  const entries: BlobEntry[] = [];
  for (const record of output.split('\0')) {
    if (!record) continue;
    const tab = record.indexOf('\t');
    const [mode, type, object] = record.slice(0, tab).split(' ');
    const file = record.slice(tab + 1);
    if (type !== 'blob' || mode === '120000') continue;
    if (relativeDir && !file.startsWith(`${relativeDir}/`)) continue; // the dir itself is a file at this revision
    entries.push({ mode, object, path: file });
  }
  return entries;
}

async function isTree(git: SimpleGit, commit: string, relativeDir: string): Promise<boolean> {
  if (!relativeDir) return true;
  try {
    return (await git.raw(['cat-file', '-t', `${commit}:${relativeDir}`])).trim() === 'tree';
  } catch {
    return false;
  }
}

/**
 * All blobs through one `git cat-file --batch` process. Its output is `<object> blob <size> LF <bytes> LF` per
 * request, so the sizes, not the text, delimit the files (a manifest may contain anything).
 */
function readBlobs(cwd: string, objects: string[]): Promise<string[]> {
  if (objects.length === 0) return Promise.resolve([]);
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['cat-file', '--batch'], { cwd, stdio: ['pipe', 'pipe', 'pipe'] });
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', (error) =>
      reject(new UserFacingError(`cannot run git cat-file: ${error.message}`, { cause: error })),
    );
    child.on('close', (code) => {
      if (code !== 0) {
        reject(new UserFacingError(`git cat-file --batch failed (exit ${code}): ${stderr.trim()}`));
        return;
      }
      try {
        resolve(parseBatch(Buffer.concat(chunks), objects.length));
      } catch (error) {
        reject(error);
      }
    });
    child.stdin.end(`${objects.join('\n')}\n`);
  });
}

function parseBatch(output: Buffer, count: number): string[] {
  const texts: string[] = [];
  let offset = 0;
  for (let i = 0; i < count; i++) {
    const headerEnd = output.indexOf(0x0a, offset);
    const header = output.subarray(offset, headerEnd).toString();
    const [object, type, size] = header.split(' ');
    if (type !== 'blob') throw new UserFacingError(`git cat-file: unexpected "${header}" for ${object}`);
    const start = headerEnd + 1;
    const end = start + Number(size);
    texts.push(output.subarray(start, end).toString('utf8'));
    offset = end + 1;
  }
  return texts;
}

function toPosix(file: string): string {
  return file.split(path.sep).join('/');
}
