import { AttemptFailed } from '../../../reconciler/shared/errors';
import { withRetries } from '../../../reconciler/shared/retry';

describe('withRetries', () => {
  const retriable = (error: unknown) => error instanceof AttemptFailed && error.retriable;

  it('retries a retriable failure with doubling waits, and returns the first success', async () => {
    const waits: number[] = [];
    const sleep = (ms: number) => (waits.push(ms), Promise.resolve());
    const result = await withRetries({ attempts: 4, initialMs: 100, sleep }, retriable, async (attempt) => {
      if (attempt < 3) throw new AttemptFailed(`try ${attempt}`, true);
      return attempt;
    });
    expect(result).toBe(3);
    expect(waits).toEqual([100, 200]);
  });

  it('throws the last failure when the attempts run out, and a non-retriable one at once', async () => {
    const sleep = () => Promise.resolve();
    let calls = 0;
    const always = () => {
      calls += 1;
      return Promise.reject(new AttemptFailed(`try ${calls}`, true));
    };
    await expect(withRetries({ attempts: 3, initialMs: 1, sleep }, retriable, always)).rejects.toThrow('try 3');
    calls = 0;
    const fatal = () => {
      calls += 1;
      return Promise.reject(new AttemptFailed('HTTP 404', false));
    };
    await expect(withRetries({ attempts: 3, initialMs: 1, sleep }, retriable, fatal)).rejects.toThrow('HTTP 404');
    expect(calls).toBe(1);
  });
});
