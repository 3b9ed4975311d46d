import type { AddressInfo } from 'node:net';
import { closeServer, createControllerServer, listen } from '../../../reconciler/daemon/http';
import { Metrics } from '../../../reconciler/daemon/metrics';
import { backoffMs } from '../../../reconciler/shared/retry';
import { jitterDelayMs } from '../../../reconciler/source/schedule';
import type { ControllerStatus } from '../../../reconciler/daemon/controller';
import { githubSignature, verifyGithubSignature } from '../../../reconciler/source/webhook';
import { change, converged, failed } from './fixtures';

const status: ControllerStatus = {
  startedAt: '2026-01-01T00:00:00.000Z',
  running: false,
  conditions: [],
  lastAppliedRevision: 'c1',
  lastAttemptedRevision: 'c1',
  lastHandledTriggerAt: '2026-01-01T00:00:00.500Z',
  lastHandledTrigger: 'start',
  history: [],
  headRevision: 'c1',
  convergedRevision: 'c1',
  lastReconcile: {
    at: '2026-01-01T00:00:01.000Z',
    durationMs: 120,
    status: 'converged',
    revision: 'c1',
    trigger: 'start',
    applied: 1,
  },
  connected: true,
  drift: [],
  badCommit: null,
  lastGoodCommitReconcile: null,
  lastError: null,
  sourceError: null,
  consecutiveFailures: 0,
  nextRetryAt: null,
  signature: null,
};

describe('webhook signature', () => {
  it('accepts only the exact HMAC-SHA256 of the body', () => {
    const body = Buffer.from('{"ref":"refs/heads/main"}');
    expect(verifyGithubSignature('s3cret', body, githubSignature('s3cret', body))).toBe(true);
    expect(verifyGithubSignature('other', body, githubSignature('s3cret', body))).toBe(false);
    expect(verifyGithubSignature('s3cret', body, undefined)).toBe(false);
    expect(verifyGithubSignature('s3cret', body, 'sha256=00')).toBe(false);
  });
});

describe('controller HTTP endpoint', () => {
  it('serves healthz, readyz, status, metrics and the verified webhook', async () => {
    const metrics = new Metrics();
    metrics.observeRun(
      { trigger: 'start', revision: 'c1', startedAt: 0, outcome: converged([change('acl:a')]), notices: [] },
      0,
    );
    metrics.observeRun(
      { trigger: 'retry', revision: 'c1', startedAt: 0, outcome: failed('connect', 'x'), notices: [] },
      0,
    );
    let pushes = 0;
    const server = createControllerServer({
      status: () => status,
      metrics: () => metrics.render(),
      webhooks: [{ type: 'github', path: '/webhook/github', secret: 'hook', branch: 'main', onPush: () => pushes++ }],
    });
    const { port } = (await listen(server, '127.0.0.1', 0)) as AddressInfo;
    const base = `http://127.0.0.1:${port}`;
    try {
      expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`${base}/readyz`);
      expect(ready.status).toBe(200);
      expect(await (await fetch(`${base}/status`)).json()).toMatchObject({ convergedRevision: 'c1' });
      const text = await (await fetch(`${base}/metrics`)).text();
      expect(text).toContain('msk_gitops_reconcile_total{result="converged",environment="default"} 1');
      expect(text).toContain('msk_gitops_changes_applied_total{kind="acl",action="create",environment="default"} 1');
      expect(text).toContain('msk_gitops_errors_total{step="connect",environment="default"} 1');
      expect(text).toContain('msk_gitops_reconcile_duration_seconds_count{environment="default"} 2');

      const body = JSON.stringify({ ref: 'refs/heads/main' });
      const post = (signature: string, event = 'push') =>
        fetch(`${base}/webhook/github`, {
          method: 'POST',
          body,
          headers: { 'x-github-event': event, 'x-hub-signature-256': signature },
        });
      expect((await post('sha256=bad')).status).toBe(401);
      expect((await post(githubSignature('hook', body))).status).toBe(202);
      expect((await post(githubSignature('hook', body), 'ping')).status).toBe(200);
      expect(pushes).toBe(1);
    } finally {
      await closeServer(server);
    }
  });
});

describe('metrics', () => {
  it('label every series with the environment and show suspended kinds', async () => {
    const metrics = new Metrics({ environment: 'prod', modes: { topics: 'apply', acls: 'suspend', users: 'detect' } });
    metrics.observeRun(
      { trigger: 'start', revision: 'c1', startedAt: 0, outcome: converged([change('acl:a')]), notices: [] },
      0,
    );
    const series = (await metrics.render()).split('\n').filter((line) => line && !line.startsWith('#'));
    expect(series.filter((line) => !line.includes('environment="prod"'))).toEqual([]);
    expect(series).toEqual(
      expect.arrayContaining([
        'msk_gitops_suspended{kind="topics",environment="prod"} 0',
        'msk_gitops_suspended{kind="acls",environment="prod"} 1',
        'msk_gitops_suspended{kind="users",environment="prod"} 0',
      ]),
    );
  });
});

describe('webhooks', () => {
  it('take GitLab and generic HMAC deliveries, refuse big bodies and too many deliveries, and only fetch', async () => {
    const pushes: string[] = [];
    const server = createControllerServer({
      status: () => status,
      metrics: async () => '',
      webhooks: [
        { type: 'gitlab', path: '/webhook/gitlab', secret: 'gl-token', branch: 'main', onPush: (t) => pushes.push(t) },
        { type: 'generic', path: '/hooks/any', secret: 'hmac-key', branch: 'main', onPush: (t) => pushes.push(t) },
      ],
      webhookLimits: { maxBodyBytes: 2048, perMinute: 6 },
    });
    const { port } = (await listen(server, '127.0.0.1', 0)) as AddressInfo;
    const post = (path: string, headers: Record<string, string>, body = '{"ref":"refs/heads/other"}') =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', body, headers });
    try {
      expect((await post('/webhook/gitlab', { 'x-gitlab-token': 'wrong', 'x-gitlab-event': 'Push Hook' })).status).toBe(
        401,
      );
      expect(
        (await post('/webhook/gitlab', { 'x-gitlab-token': 'gl-token', 'x-gitlab-event': 'Note Hook' })).status,
      ).toBe(200);
      // The payload names another branch: it is not trusted, the controller fetches and git says what changed.
      expect(
        (await post('/webhook/gitlab', { 'x-gitlab-token': 'gl-token', 'x-gitlab-event': 'Push Hook' })).status,
      ).toBe(202);
      const body = '{"anything":true}';
      expect((await post('/hooks/any', { 'x-signature-256': githubSignature('other', body) }, body)).status).toBe(401);
      expect((await post('/hooks/any', { 'x-signature-256': githubSignature('hmac-key', body) }, body)).status).toBe(
        202,
      );
      const big = await post('/hooks/any', { 'x-signature-256': 'sha256=00' }, 'x'.repeat(4096));
      expect(big.status).toBe(413);
      expect(pushes).toEqual(['gitlab', 'generic']);
      const limited = await post('/hooks/any', { 'x-signature-256': githubSignature('hmac-key', body) }, body);
      expect(limited.status).toBe(429);
      expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(pushes).toHaveLength(2);
    } finally {
      await closeServer(server);
    }
  });
});

describe('jitter and backoff', () => {
  it('moves schedule ticks within ±10% of the interval and backs off without an attempt limit', () => {
    expect(jitterDelayMs(60_000, 0.1, () => 0)).toBe(0);
    expect(jitterDelayMs(60_000, 0.1, () => 0.999999)).toBe(11_999);
    expect(backoffMs(1, 1000, 8000, 0.1, () => 0)).toBe(900);
    expect(backoffMs(3, 1000, 8000, 0.1, () => 1)).toBe(4400);
    expect(backoffMs(1000, 1000, 8000, 0.1, () => 0.5)).toBe(8000);
  });
});
