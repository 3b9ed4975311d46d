/**
 * A local manifests folder (a checkout someone edits, or `desired-state/` under `msk-gitops up`): no revision,
 * and a chokidar watcher that calls back once edits have settled for `debounceMs`, so saving five files in an
 * editor is one reconcile, not five.
 */
import { existsSync } from 'node:fs';
import { watch, type FSWatcher } from 'chokidar';
import type { Source, SourceSnapshot } from '../daemon/controller';

export class LocalSource implements Source {
  constructor(private readonly dir: string) {}

  async sync(): Promise<SourceSnapshot> {
    if (!existsSync(this.dir)) throw new Error(`manifests folder ${this.dir} does not exist`);
    return { dir: this.dir, revision: null };
  }

  lastSnapshot(): SourceSnapshot | null {
    return existsSync(this.dir) ? { dir: this.dir, revision: null } : null;
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
