/** A local JSON webhook receiver (an Alertmanager-style receiver, an incident tool): records bodies and headers. */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WebhookCapture {
  url: string;
  received: { headers: IncomingHttpHeaders; body: string }[];
  close(): void;
}

export async function startWebhookCapture(): Promise<WebhookCapture> {
  const received: WebhookCapture['received'] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts?token=receiver-token`,
    received,
    close() {
      server.closeAllConnections();
      server.close();
    },
  };
}
