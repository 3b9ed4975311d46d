/**
 * Delivery of one JSON message to a receiver that may be briefly down: bounded retries with exponential backoff,
 * a timeout per attempt, no retry of a 4xx that will not get better (bad payload, revoked URL; 429 is retried).
 * Shared by Slack and the JSON webhook. The URL may be a secret: it is only passed to fetch, never returned in a
 * problem or logged.
 */
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
  const sleep = options.sleep ?? sleepUnref;
  let problem = '';
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body,
        signal: AbortSignal.timeout(options.timeoutMs),
      });
      if (response.ok) return null;
      problem = `HTTP ${response.status}`;
      if (response.status < 500 && response.status !== 429) break;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause;
      problem = cause?.code ?? (error instanceof Error ? error.name : 'error');
    }
    if (attempt < options.attempts) await sleep(options.baseDelayMs * 2 ** (attempt - 1));
  }
  return problem;
}
