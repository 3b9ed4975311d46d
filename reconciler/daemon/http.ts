/**
 * The controller's HTTP endpoint (localhost by default): health, readiness, status as JSON, Prometheus metrics, and
 * the optional GitHub push webhook. node:http only.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ControllerStatus } from './controller';
import { judgeDelivery, RateLimit, type WebhookType } from '../source/webhook';
import {
  renderStatusFragment,
  renderStatusPage,
  STATUS_PAGE_SCRIPT,
  STATUS_PAGE_STYLE,
  type StatusPageData,
} from './status-page';

export interface HttpDeps {
  status(): StatusPageData;
  metrics(): Promise<string>;
  webhooks?: {
    type: WebhookType;
    path: string;
    secret: string;
    branch: string | null;
    onPush(type: WebhookType): void;
  }[];
  /** A webhook body may not exceed `maxBodyBytes` (pushes are well under 1 MiB); at most `perMinute` deliveries. */
  webhookLimits?: { maxBodyBytes: number; perMinute: number };
}

/** Ready when the last reconcile reached the cluster and did not fail. */
export function readiness(status: ControllerStatus): { ready: boolean; reason: string } {
  if (!status.lastReconcile) return { ready: false, reason: 'no reconcile yet' };
  if (status.connected === false) return { ready: false, reason: 'cannot reach the cluster' };
  if (status.lastReconcile.status === 'failed')
    return { ready: false, reason: `last reconcile failed: ${status.lastError?.step ?? ''}` };
  return { ready: true, reason: `last reconcile ${status.lastReconcile.status}` };
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        // Stop keeping it; the caller answers 413 and closes the connection.
        chunks.length = 0;
        resolve(null);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export function createControllerServer(deps: HttpDeps): Server {
  const maxBodyBytes = deps.webhookLimits?.maxBodyBytes ?? 1024 * 1024;
  const limiter = new RateLimit(deps.webhookLimits?.perMinute ?? 30);
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const json = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(`${JSON.stringify(body, null, 2)}\n`);
    };
    const hook = deps.webhooks?.find((candidate) => candidate.path === url.pathname);
    if (hook && req.method === 'POST') {
      const allowed = limiter.take();
      if (!allowed.ok) {
        res.setHeader('retry-after', String(allowed.retryAfterSeconds));
        req.resume();
        return json(429, { error: 'too many deliveries; try later' });
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > maxBodyBytes) {
        res.setHeader('connection', 'close');
        req.resume();
        return json(413, { error: `body too large (limit ${maxBodyBytes} bytes)` });
      }
      readBody(req, maxBodyBytes)
        .then((body) => {
          if (body === null) {
            res.setHeader('connection', 'close');
            return json(413, { error: `body too large (limit ${maxBodyBytes} bytes)` });
          }
          const verdict = judgeDelivery({
            type: hook.type,
            secret: hook.secret,
            body,
            headers: req.headers,
            branch: hook.branch,
          });
          // The payload is never used beyond this verdict: a delivery only makes the controller fetch.
          if (verdict.status === 202) hook.onPush(hook.type);
          json(verdict.status, { result: verdict.reason });
        })
        .catch(() => json(400, { error: 'could not read the body' }));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return json(405, { error: 'method not allowed' });
    const page = (type: string, body: string) => {
      res.writeHead(200, {
        'content-type': `${type}; charset=utf-8`,
        'cache-control': 'no-store',
        'x-content-type-options': 'nosniff',
        'x-frame-options': 'DENY',
        'referrer-policy': 'no-referrer',
        // No inline script, nothing from elsewhere: what escaping might miss still cannot run.
        'content-security-policy':
          "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      });
      res.end(body);
    };
    switch (url.pathname) {
      case '/':
        return page('text/html', renderStatusPage(deps.status()));
      case '/status/fragment':
        return page('text/html', renderStatusFragment(deps.status()));
      case '/status.js':
        return page('text/javascript', STATUS_PAGE_SCRIPT);
      case '/status.css':
        return page('text/css', STATUS_PAGE_STYLE);
      case '/healthz':
        return json(200, { status: 'ok' });
      case '/readyz': {
        const status = deps.status();
        const verdict = readiness(status);
        return json(verdict.ready ? 200 : 503, {
          ready: verdict.ready,
          reason: verdict.reason,
          connected: status.connected,
          lastReconcile: status.lastReconcile,
        });
      }
      case '/status':
        return json(200, deps.status());
      case '/metrics':
        deps.metrics().then(
          (text) => {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
            res.end(text);
          },
          () => json(500, { error: 'metrics unavailable' }),
        );
        return;
      default:
        return json(404, { error: 'not found', endpoints: ['/', '/healthz', '/readyz', '/status', '/metrics'] });
    }
  });
}

export function listen(server: Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server.address() as AddressInfo);
    });
  });
}

export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
