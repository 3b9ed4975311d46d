import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSlackNotifier, slackMessage } from '../../../reconciler/notify/slack';
import { createLogger } from '../../../reconciler/shared/logger';

const context = { cluster: 'b-1:9096', host: 'jumper' };

describe('slackMessage', () => {
  it('says what drifted (resource, expected, found), the commit and what the controller did', () => {
    const message = slackMessage(
      {
        type: 'drift',
        revision: '0123456789abcdef',
        healed: false,
        reminder: false,
        items: [
          {
            id: 'topic-config:orders:retention.ms',
            action: 'update',
            kind: 'topic-config',
            resource: 'orders retention.ms',
            expected: '604800000',
            found: '1000',
            reason: 'detect mode',
            plan: '~ topic-config orders retention.ms: 1000 → 604800000',
          },
        ],
      },
      context,
    );
    expect(message.text).toBe('drift on b-1:9096: 1 change detected, not changed (commit 0123456789ab)');
    const text = JSON.stringify(message.blocks);
    expect(text).toContain('expected: `604800000`');
    expect(text).toContain('found: `1000`');
    expect(text).toContain('`0123456789ab`');
    expect(text).toContain('only detected');
  });

  it('escapes Slack control characters in resource names', () => {
    const message = slackMessage(
      {
        type: 'drift-resolved',
        revision: null,
        items: [
          {
            id: 'x',
            action: 'create',
            kind: 'acl',
            resource: '<!channel>',
            expected: 'present',
            found: 'absent',
            plan: '+ acl <!channel>',
          },
        ],
      },
      context,
    );
    expect(JSON.stringify(message.blocks)).toContain('&lt;!channel&gt;');
  });
});

describe('createSlackNotifier', () => {
  it('retries a failing webhook with backoff, delivers in order, and never logs the URL', async () => {
    const received: string[] = [];
    let failures = 2;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        if (failures-- > 0) {
          res.writeHead(500).end();
          return;
        }
        received.push((JSON.parse(body) as { text: string }).text);
        res.writeHead(200).end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T000/B000/SECRETPATH`;
    const logs: string[] = [];
    const notifier = createSlackNotifier({
      webhookUrl: url,
      context,
      logger: createLogger({ format: 'json', out: { write: (l: string) => logs.push(l) } }),
      baseDelayMs: 5,
    });
    notifier.notify({ type: 'recovered', revision: 'abc', step: 'connect' });
    notifier.notify({ type: 'commit-fixed', revision: 'def', badRevision: 'abc' });
    await notifier.flush();
    server.close();
    expect(received).toEqual(['reconcile recovered (connect works again)', 'commit def is valid again (was abc)']);

    const dead = createSlackNotifier({
      webhookUrl: url,
      context,
      logger: createLogger({ format: 'json', out: { write: (l: string) => logs.push(l) } }),
      baseDelayMs: 1,
      attempts: 2,
    });
    dead.notify({ type: 'recovered', revision: 'abc', step: 'connect' });
    await dead.flush();
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('slack: message not delivered');
    expect(logs.join('')).not.toContain('SECRETPATH');
  });
});
