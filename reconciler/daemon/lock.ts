/**
 * Exactly one controller per lock file: the file is created with O_EXCL and holds the holder's pid. A lock whose
 * pid is dead (a crash, a reboot) is taken over; a live holder makes a second instance refuse, or wait.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LockHeldError, LockWaitAborted } from '../shared/errors';

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function holder(file: string): number | null {
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

export interface Lock {
  file: string;
  release(): void;
}

export function tryAcquireLock(file: string, pid = process.pid): Lock {
  mkdirSync(path.dirname(file), { recursive: true });
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o644);
      writeSync(fd, `${pid}\n`);
      closeSync(fd);
      return {
        file,
        release: () => {
          if (holder(file) === pid) rmSync(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = holder(file);
      if (owner !== null && owner !== pid && isAlive(owner)) throw new LockHeldError(file, owner);
      // A dead holder's lock (or an empty one left by a crash between create and write): take it over.
      rmSync(file, { force: true });
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

export async function acquireLock(
  file: string,
  options: { wait: boolean; pollMs?: number; onWait?: (pid: number) => void; signal?: AbortSignal },
): Promise<Lock> {
  let told = false;
  for (;;) {
    try {
      return tryAcquireLock(file);
    } catch (error) {
      if (!(error instanceof LockHeldError) || !options.wait) throw error;
      if (!told) options.onWait?.(error.pid);
      told = true;
      if (options.signal?.aborted)
        throw new LockWaitAborted(`stopped while waiting for pid ${error.pid} to release ${file}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, options.pollMs ?? 1000);
        function done() {
          clearTimeout(timer);
          options.signal?.removeEventListener('abort', done);
          resolve();
        }
        options.signal?.addEventListener('abort', done, { once: true });
      });
    }
  }
}
