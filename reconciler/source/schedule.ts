/**
 * The fetch schedule: a node-cron task that asks the controller for a reconcile (which coalesces if busy). Each tick
 * is moved by a random ±10% of the schedule's interval, as Flux jitters its intervals, so controllers started
 * together (or many clusters on one git host) do not all fetch in the same second.
 */
import cron from 'node-cron';

export interface Schedule {
  stop(): Promise<void>;
}

/**
 * How long to wait after a tick: uniform in [0, 2 × fraction × interval]. Against nominal times shifted by
 * `fraction × interval`, that is ±fraction of the interval, and the mean interval stays the schedule's.
 */
export function jitterDelayMs(intervalMs: number, fraction = 0.1, random: () => number = Math.random): number {
  return Math.floor(random() * 2 * fraction * Math.max(0, intervalMs));
}

export function scheduleTriggers(expression: string, onTick: () => void, jitter = 0.1): Schedule {
  const pending = new Set<NodeJS.Timeout>();
  const task = cron.schedule(
    expression,
    () => {
      const next = task.getNextRun();
      const delay = next ? jitterDelayMs(next.getTime() - Date.now(), jitter) : 0;
      const timer = setTimeout(() => {
        pending.delete(timer);
        onTick();
      }, delay);
      timer.unref?.();
      pending.add(timer);
    },
    { name: 'msk-gitops-fetch', noOverlap: true },
  );
  return {
    stop: async () => {
      for (const timer of pending) clearTimeout(timer);
      pending.clear();
      await task.stop();
      await task.destroy();
    },
  };
}
