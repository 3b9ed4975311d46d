/** The fetch schedule: a node-cron task that asks the controller for a reconcile (which coalesces if busy). */
import cron from 'node-cron';

export interface Schedule {
  stop(): Promise<void>;
}

export function scheduleTriggers(expression: string, onTick: () => void): Schedule {
  const task = cron.schedule(expression, () => onTick(), { name: 'msk-gitops-fetch', noOverlap: true });
  return {
    stop: async () => {
      await task.stop();
      await task.destroy();
    },
  };
}
