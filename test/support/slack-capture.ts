/** A local stand-in for a Slack incoming webhook: records every message the controller posts. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SlackMessage } from '../../reconciler/notify/slack';

export interface SlackCapture {
  /** A webhook URL on 127.0.0.1 shaped like Slack's (its last segment is the secret part). */
  url: string;
  messages: SlackMessage[];
  close(): void;
}

export async function startSlackCapture(): Promise<SlackCapture> {
  const messages: SlackMessage[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      messages.push(JSON.parse(body) as SlackMessage);
      res.writeHead(200).end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/services/T0/B0/secret`,
    messages,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
