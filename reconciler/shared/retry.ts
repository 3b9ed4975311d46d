/**
 * Retry with exponential backoff, written once: the applier's retriable Kafka errors, the users store's
 * AlterUserScramCredentials, Slack deliveries and the controller's reconcile retries all wait the same way.
 */

/**
 * Delay after `failures` consecutive failures: doubling from `initialMs`, capped at `maxMs`, then moved by a random
 * ±`jitter` of itself so controllers that failed together do not retry together; 0 before any failure.
 */
export function backoffMs(
  failures: number,
  initialMs: number,
  maxMs = Number.POSITIVE_INFINITY,
  jitter = 0,
  random: () => number = Math.random,
): number {
  if (failures <= 0) return 0;
  const base = Math.min(maxMs, initialMs * 2 ** Math.min(failures - 1, 30));
  return jitter === 0 ? base : Math.round(base * (1 + jitter * (2 * random() - 1)));
}

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts: number;
  /** The wait after the first failure; each further one doubles it. */
  initialMs: number;
  maxMs?: number;
  sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `action` (given the attempt number, from 1) until it resolves; an error for which `retriable` is true is
 * retried after a backoff while attempts remain, any other error (and the last one) is thrown as it is.
 */
export async function withRetries<T>(
  options: RetryOptions,
  retriable: (error: unknown) => boolean,
  action: (attempt: number) => Promise<T>,
): Promise<T> {
  const sleep = options.sleep ?? defaultSleep;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await action(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !retriable(error)) throw error;
      await sleep(backoffMs(attempt, options.initialMs, options.maxMs));
    }
  }
}

/** kafkajs marks the errors worth sending again with `retriable: true`. */
export function isRetriableKafkaError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { retriable?: unknown }).retriable === true;
}
