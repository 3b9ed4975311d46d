/**
 * Push webhooks (GitHub, GitLab, or any sender that signs its body with HMAC-SHA256): the authentication check and
 * what an authenticated delivery asks for. A delivery only ever triggers a fetch: what the controller applies comes
 * from git, never from the payload. Pure; the HTTP server calls it.
 *
 * GitHub: the signature check (HMAC-SHA256 of the raw body with the shared secret, compared in
 * constant time against `X-Hub-Signature-256`) and what a verified delivery asks for. Pure; the HTTP server calls it.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export function githubSignature(secret: string, body: Buffer | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export function verifyGithubSignature(secret: string, body: Buffer, header: string | undefined): boolean {
  if (!header || !header.startsWith('sha256=')) return false;
  const expected = Buffer.from(githubSignature(secret, body));
  const given = Buffer.from(header);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export type WebhookVerdict =
  | { status: 401; reason: string }
  | { status: 202; fetch: true; reason: string }
  | { status: 200; fetch: false; reason: string };

/** Decides what a delivery means: a push to the followed branch fetches at once; anything else is acknowledged. */
export function judgeGithubDelivery(input: {
  secret: string;
  body: Buffer;
  signature: string | undefined;
  event: string | undefined;
  branch: string | null;
}): WebhookVerdict {
  if (!verifyGithubSignature(input.secret, input.body, input.signature)) {
    return { status: 401, reason: 'bad or missing X-Hub-Signature-256' };
  }
  if (input.event === 'ping') return { status: 200, fetch: false, reason: 'pong' };
  if (input.event !== 'push') return { status: 200, fetch: false, reason: `ignored event ${input.event ?? '(none)'}` };
  let ref: unknown;
  try {
    ref = (JSON.parse(input.body.toString('utf8')) as { ref?: unknown }).ref;
  } catch {
    return { status: 200, fetch: false, reason: 'push without a JSON body' };
  }
  if (input.branch !== null && ref !== `refs/heads/${input.branch}`) {
    return { status: 200, fetch: false, reason: `ignored push to ${String(ref)}` };
  }
  return { status: 202, fetch: true, reason: `push to ${String(ref)}` };
}

export type WebhookType = 'github' | 'gitlab' | 'generic';

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** The header a generic sender puts `sha256=<hex HMAC-SHA256 of the body>` in. */
export const GENERIC_SIGNATURE_HEADER = 'x-signature-256';

/**
 * Any of the three kinds of delivery. GitLab sends the shared secret itself in `X-Gitlab-Token` (compared in constant
 * time); a push (`X-Gitlab-Event: Push Hook`) fetches. A generic sender signs the body like GitHub does, in
 * `X-Signature-256`; every authenticated delivery fetches.
 */
export function judgeDelivery(input: {
  type: WebhookType;
  secret: string;
  body: Buffer;
  headers: Record<string, string | string[] | undefined>;
  branch: string | null;
}): WebhookVerdict {
  const header = (name: string) => {
    const value = input.headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  switch (input.type) {
    case 'github':
      return judgeGithubDelivery({
        secret: input.secret,
        body: input.body,
        signature: header('x-hub-signature-256'),
        event: header('x-github-event'),
        branch: input.branch,
      });
    case 'gitlab': {
      const token = header('x-gitlab-token');
      if (!token || !sameText(token, input.secret)) return { status: 401, reason: 'bad or missing X-Gitlab-Token' };
      const event = header('x-gitlab-event');
      if (event !== 'Push Hook') return { status: 200, fetch: false, reason: `ignored event ${event ?? '(none)'}` };
      return { status: 202, fetch: true, reason: 'push' };
    }
    case 'generic':
      if (!verifyGithubSignature(input.secret, input.body, header(GENERIC_SIGNATURE_HEADER)))
        return { status: 401, reason: 'bad or missing X-Signature-256' };
      return { status: 202, fetch: true, reason: 'signed delivery' };
  }
}

/** At most `perMinute` deliveries a minute (a token bucket refilled continuously); the rest get 429. */
export class RateLimit {
  private tokens: number;
  private last: number;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = perMinute;
    this.last = now();
  }

  /** True when a delivery may go through now; false with the seconds until one may. */
  take(): { ok: true } | { ok: false; retryAfterSeconds: number } {
    const now = this.now();
    this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { ok: true };
    }
    return { ok: false, retryAfterSeconds: Math.ceil(((1 - this.tokens) * 60) / this.perMinute) };
  }
}
