import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { DriftItem } from '../../../reconciler/notify/assess';
import { silentLogger } from '../../../reconciler/shared/logger';
import {
  SIGNATURE_HEADER,
  createWebhookNotifier,
  verifyWebhookSignature,
  webhookPayload,
  webhookSignature,
  type RunNotices,
} from '../../../reconciler/notify/webhook';

const context = { environment: 'prod', cluster: 'b-1:9096', host: 'jumper' };
const item: DriftItem = {
  id: 'topic-config:orders:retention.ms',
  action: 'update',
  kind: 'topic-config',
  resource: 'orders retention.ms',
  expected: '604800000',
  found: '1000',
  reason: 'detect mode',
  plan: '~ topic-config orders retention.ms: 1000 → 604800000',
};
const run = (over: Partial<RunNotices>): RunNotices => ({
  trigger: 'schedule',
  revision: '0123456789abcdef',
  headRevision: '0123456789abcdef',
  counts: { planned: 1, applied: 0, failed: 0, unhealed: 1 },
  notices: [],
  sourceError: null,
  sourceRecovered: false,
  ...over,
});
const at = '2026-12-02T12:00:00.000Z';

describe('webhookPayload', () => {
  it('fires drift with the changes as the plan prints them, the environment, the revision and a dedup key', () => {
    const payload = webhookPayload(
      run({
        notices: [{ type: 'drift', revision: '0123456789abcdef', healed: false, reminder: false, items: [item] }],
      }),
      context,
      at,
    );
    expect(payload).toMatchObject({
      version: 1,
      status: 'firing',
      dedupKey: 'msk-gitops/prod/drift',
      environment: 'prod',
      revision: '0123456789abcdef',
      counts: { unhealed: 1 },
      sentAt: at,
      alerts: [
        {
          name: 'drift',
          status: 'firing',
          reminder: false,
          changes: [{ plan: '~ topic-config orders retention.ms: 1000 → 604800000', reason: 'detect mode' }],
        },
      ],
    });
    expect(payload?.summary).toBe('[prod] drift on b-1:9096: 1 change detected, not changed (commit 0123456789ab)');
  });

  it('resolves under the same key; news that is not an alert (an apply, a healed drift) sends nothing', () => {
    expect(
      webhookPayload(run({ notices: [{ type: 'drift-resolved', revision: 'r', items: [item] }] }), context, at),
    ).toMatchObject({ status: 'resolved', dedupKey: 'msk-gitops/prod/drift' });
    expect(
      webhookPayload(
        run({
          notices: [
            { type: 'applied', revision: 'r', changes: [item], failed: [] },
            { type: 'drift', revision: 'r', healed: true, reminder: false, items: [item] },
          ],
        }),
        context,
        at,
      ),
    ).toBeNull();
  });

  it('puts every alert of one run in one message, the firing ones first', () => {
    const payload = webhookPayload(
      run({
        notices: [
          { type: 'recovered', revision: 'r', step: 'connect' },
          { type: 'invalid-commit', revision: 'r', status: 'invalid', problems: ['acls.yaml:8:5: bad'] },
        ],
      }),
      context,
      at,
    );
    expect(payload?.status).toBe('firing');
    expect(payload?.alerts.map((a) => [a.name, a.status])).toEqual([
      ['invalid-commit', 'firing'],
      ['reconcile-failed', 'resolved'],
    ]);
    expect(payload?.alerts[0].problems).toEqual(['acls.yaml:8:5: bad']);
  });

  it('fires and resolves source-unreachable', () => {
    expect(webhookPayload(run({ sourceError: 'git fetch failed' }), context, at)?.alerts[0]).toMatchObject({
      name: 'source-unreachable',
      status: 'firing',
    });
    expect(webhookPayload(run({ sourceRecovered: true }), context, at)?.status).toBe('resolved');
  });
});

describe('webhook signature', () => {
  it('is sha256=<hex HMAC of the body>, checked in constant time', () => {
    const signature = webhookSignature('s3cret', '{"a":1}');
    expect(signature).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(verifyWebhookSignature('s3cret', '{"a":1}', signature)).toBe(true);
    expect(verifyWebhookSignature('other', '{"a":1}', signature)).toBe(false);
    expect(verifyWebhookSignature('s3cret', '{"a":2}', signature)).toBe(false);
    expect(verifyWebhookSignature('s3cret', '{"a":1}', undefined)).toBe(false);
  });
});

describe('createWebhookNotifier', () => {
  it('retries a receiver that fails with backoff and signs what it finally delivers; never logs the URL', async () => {
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    let failures = 2;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (failures-- > 0) return void res.writeHead(503).end();
        received.push({ headers: req.headers, body });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const lines: string[] = [];
    const logger = {
      ...silentLogger(),
      error: (message: string, fields?: object) => lines.push(message + JSON.stringify(fields)),
    };
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook?token=url-secret`;
      const notifier = createWebhookNotifier({ name: 'pager', url, secret: 'k', context, logger, baseDelayMs: 5 });
      notifier.notifyRun(run({ notices: [{ type: 'failure', revision: 'r', step: 'connect', message: 'down' }] }));
      await notifier.flush();
      expect(received).toHaveLength(1);
      expect(verifyWebhookSignature('k', received[0].body, received[0].headers[SIGNATURE_HEADER] as string)).toBe(true);
      expect(JSON.parse(received[0].body)).toMatchObject({
        status: 'firing',
        dedupKey: 'msk-gitops/prod/reconcile-failed',
      });

      failures = 100;
      notifier.notifyRun(run({ notices: [{ type: 'recovered', revision: 'r', step: 'connect' }] }));
      await notifier.flush();
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain('webhook: message not delivered');
      expect(lines[0]).not.toContain('url-secret');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
