/**
 * A local manifests folder (a checkout someone edits, or `desired-state/` under `msk-gitops up`): no revision,
 * and a chokidar watcher that calls back once edits have settled for `debounceMs`, so saving five files in an
 * editor is one reconcile, not five.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import type { Source, SourceSnapshot } from './snapshot';

/**
 * A folder has no commit, so its revision is a digest of its YAML files: an edit is a new revision (a deployment),
 * while a change found on the cluster with the same digest is drift, exactly as with git.
 */
export function folderRevision(dir: string): string {
  const hash = createHash('sha256');
  const walk = (relative: string): void => {
    const entries = readdirSync(path.join(dir, relative), { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    );
    for (const entry of entries) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const name = path.join(relative, entry.name);
      if (entry.isDirectory()) walk(name);
      else if (/\.ya?ml$/.test(entry.name))
        hash
          .update(`${name}\0`)
          .update(readFileSync(path.join(dir, name)))
          .update('\0');
    }
  };
  walk('');
  return `local-${hash.digest('hex').slice(0, 16)}`;
}

export class LocalSource implements Source {
  private last: SourceSnapshot | null = null;

  constructor(private readonly dir: string) {}

  async sync(): Promise<SourceSnapshot> {
    if (!existsSync(this.dir)) throw new Error(`manifests folder ${this.dir} does not exist`);
    this.last = { dir: this.dir, revision: folderRevision(this.dir) };
    return this.last;
  }

  lastSnapshot(): SourceSnapshot | null {
    return this.last;
  }
}

export interface FolderWatch {
  close(): Promise<void>;
}

/** Calls `onSettled(paths)` once no file under `dir` has changed for `debounceMs`. Resolves when watching. */
export async function watchFolder(
  dir: string,
  debounceMs: number,
  onSettled: (changed: string[]) => void,
): Promise<FolderWatch> {
  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    // Editors write swap and backup files; git keeps its own folder. Neither is a manifest edit.
    ignored: (file: string) => /(^|[/\\])(\.git|node_modules)([/\\]|$)|\.sw[px]$|~$/.test(file),
  });
  let timer: NodeJS.Timeout | null = null;
  let changed = new Set<string>();
  watcher.on('all', (_event, file) => {
    changed.add(file);
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const paths = [...changed];
      changed = new Set();
      onSettled(paths);
    }, debounceMs);
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    close: async () => {
      if (timer) clearTimeout(timer);
      await watcher.close();
    },
  };
}
