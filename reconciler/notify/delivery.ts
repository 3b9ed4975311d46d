/**
 * Delivery of one JSON message to a receiver that may be briefly down: bounded retries with exponential backoff,
 * a timeout per attempt, no retry of a 4xx that will not get better (bad payload, revoked URL; 429 is retried).
 * Shared by Slack and the JSON webhook. The URL may be a secret: it is only passed to fetch, never returned in a
 * problem or logged.
 */
import { AttemptFailed, errorMessage } from '../shared/errors';
import { withRetries } from '../shared/retry';

export interface DeliveryOptions {
  attempts: number;
  baseDelayMs: number;
  timeoutMs: number;
  fetchFn?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export const sleepUnref = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/** Posts `body`; resolves null when delivered, else the last problem (`HTTP 503`, `ECONNREFUSED`, `TimeoutError`). */
export async function postWithRetry(
  url: string,
  body: string,
  headers: Record<string, string>,
  options: DeliveryOptions,
): Promise<string | null> {
  const doFetch = options.fetchFn ?? fetch;
  const post = async (): Promise<void> => {
    let response: Response;
    try {
      response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      throw new AttemptFailed(cause?.code ?? (error instanceof Error ? error.name : 'error'), true, { cause: error });
    }
    if (response.ok) return;
    throw new AttemptFailed(`HTTP ${response.status}`, response.status >= 500 || response.status === 429);
  };
  try {
    await withRetries(
      { attempts: options.attempts, initialMs: options.baseDelayMs, sleep: options.sleep ?? sleepUnref },
      (error) => error instanceof AttemptFailed && error.retriable,
      post,
    );
    return null;
  } catch (error) {
    return errorMessage(error);
  }
}
