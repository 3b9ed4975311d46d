/**
 * GitHub push webhooks: the signature check (HMAC-SHA256 of the raw body with the shared secret, compared in
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
