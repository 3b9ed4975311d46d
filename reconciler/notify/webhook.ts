/**
 * The generic JSON webhook: one signed JSON message per controller run that Alertmanager-style receivers and
 * PagerDuty-style incident tools can take. It turns the notices of one run (already deduplicated, reminded and
 * resolved by the controller's one decision function, `assess` in notify/assess.ts, the same notices Slack gets)
 * into alerts that fire and resolve under a stable dedup key. The body is signed with HMAC-SHA256
 * (`X-Msk-Gitops-Signature-256: sha256=<hex>`). URL and secret are secrets: never logged, never in an error.
 *
 * The payload is documented in docs/controller.md ("JSON webhook"); `version` changes if a field changes meaning.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { DriftItem, Notice } from './assess';
import type { Logger } from '../shared/logger';
import { postWithRetry } from './delivery';
import { slackMessage } from './slack';

export const SIGNATURE_HEADER = 'x-msk-gitops-signature-256';

export type AlertName = 'drift' | 'invalid-commit' | 'reconcile-failed' | 'unverified-commit' | 'source-unreachable';

export interface WebhookChange {
  kind: string;
  action: string;
  resource: string;
  /** The change as `msk-gitops plan` prints it. */
  plan: string;
  expected: string;
  found: string;
  origin?: string;
  /** Why it was not healed (detect mode, deletions disabled, refused). */
  reason?: string;
}

export interface WebhookAlert {
  name: AlertName;
  status: 'firing' | 'resolved';
  /** Stable per environment and alert: a receiver groups a firing and its resolve by it. */
  dedupKey: string;
  /** An unchanged firing alert sent again after the reminder interval. */
  reminder: boolean;
  severity: 'critical' | 'warning';
  summary: string;
  changes: WebhookChange[];
  /** Manifest problems (`file:line:column: message`) or the failure's message. */
  problems: string[];
}

export interface WebhookPayload {
  version: 1;
  source: 'msk-gitops';
  /** firing when any alert in the message fires, else resolved. */
  status: 'firing' | 'resolved';
  /** The first alert's dedup key (the firing one first): for tools that take one key per message. */
  dedupKey: string;
  environment: string;
  cluster: string;
  host: string;
  /** The revision the run reconciled, and the branch head it fetched (they differ while the head is refused). */
  revision: string | null;
  headRevision: string | null;
  trigger: string;
  sentAt: string;
  counts: { planned: number; applied: number; failed: number; unhealed: number };
  summary: string;
  alerts: WebhookAlert[];
}

export interface WebhookContext {
  environment: string;
  cluster: string;
  host: string;
}

/** Everything one controller run told people: the notices and the source's state, in order. */
export interface RunNotices {
  trigger: string;
  revision: string | null;
  headRevision: string | null;
  counts: WebhookPayload['counts'];
  notices: Notice[];
  /** The source failed in this run for the first time (a repeat of the same failure is not news). */
  sourceError: string | null;
  sourceRecovered: boolean;
}

function change(item: DriftItem): WebhookChange {
  return {
    kind: item.kind,
    action: item.action,
    resource: item.resource,
    plan: item.plan,
    expected: item.expected,
    found: item.found,
    ...(item.origin ? { origin: item.origin } : {}),
    ...(item.reason ? { reason: item.reason } : {}),
  };
}

const MAX_CHANGES = 100;

/** The alert a notice fires or resolves; null for notices that are news, not alerts (an apply, a healed drift). */
function alertOf(notice: Notice, context: WebhookContext): Omit<WebhookAlert, 'dedupKey'> | null {
  const summary = slackMessage(notice, { cluster: context.cluster, host: context.host }).text;
  const base = { reminder: false, summary, changes: [] as WebhookChange[], problems: [] as string[] };
  switch (notice.type) {
    case 'drift':
      if (notice.healed) return null;
      return {
        ...base,
        name: 'drift',
        status: 'firing',
        severity: 'warning',
        reminder: notice.reminder,
        changes: notice.items.slice(0, MAX_CHANGES).map(change),
      };
    case 'drift-resolved':
      return {
        ...base,
        name: 'drift',
        status: 'resolved',
        severity: 'warning',
        changes: notice.items.slice(0, MAX_CHANGES).map(change),
      };
    case 'invalid-commit':
      return { ...base, name: 'invalid-commit', status: 'firing', severity: 'critical', problems: notice.problems };
    case 'commit-fixed':
      return { ...base, name: 'invalid-commit', status: 'resolved', severity: 'critical' };
    case 'failure':
      return {
        ...base,
        name: 'reconcile-failed',
        status: 'firing',
        severity: 'critical',
        problems: [`${notice.step}: ${notice.message}`],
      };
    case 'recovered':
      return { ...base, name: 'reconcile-failed', status: 'resolved', severity: 'critical' };
    case 'unverified-commit':
      return { ...base, name: 'unverified-commit', status: 'firing', severity: 'critical', problems: [notice.reason] };
    case 'commit-verified':
      return { ...base, name: 'unverified-commit', status: 'resolved', severity: 'critical' };
    case 'applied':
      return null;
  }
}

export function dedupKey(environment: string, name: AlertName): string {
  return `msk-gitops/${environment}/${name}`;
}

/** The message for one run, or null when the run changed no alert (nothing to send). Pure. */
export function webhookPayload(run: RunNotices, context: WebhookContext, sentAt: string): WebhookPayload | null {
  const partial: Omit<WebhookAlert, 'dedupKey'>[] = [];
  if (run.sourceError)
    partial.push({
      name: 'source-unreachable',
      status: 'firing',
      severity: 'warning',
      reminder: false,
      summary: `msk-gitops cannot fetch the manifests: ${run.sourceError}. The cluster keeps the last good state.`,
      changes: [],
      problems: [run.sourceError],
    });
  if (run.sourceRecovered)
    partial.push({
      name: 'source-unreachable',
      status: 'resolved',
      severity: 'warning',
      reminder: false,
      summary: `msk-gitops can fetch the manifests again (commit ${run.revision?.slice(0, 12) ?? 'local folder'}).`,
      changes: [],
      problems: [],
    });
  for (const notice of run.notices) {
    const alert = alertOf(notice, context);
    if (alert) partial.push(alert);
  }
  if (partial.length === 0) return null;
  // A later notice about the same alert in one run (fired, then resolved by the last-good-commit run) wins.
  const byName = new Map<AlertName, WebhookAlert>();
  for (const alert of partial) {
    byName.delete(alert.name);
    byName.set(alert.name, {
      name: alert.name,
      status: alert.status,
      dedupKey: dedupKey(context.environment, alert.name),
      severity: alert.severity,
      reminder: alert.reminder,
      summary: alert.summary,
      changes: alert.changes,
      problems: alert.problems,
    });
  }
  const alerts = [...byName.values()].sort((a, b) => Number(b.status === 'firing') - Number(a.status === 'firing'));
  const first = alerts[0];
  return {
    version: 1,
    source: 'msk-gitops',
    status: first.status,
    dedupKey: first.dedupKey,
    environment: context.environment,
    cluster: context.cluster,
    host: context.host,
    revision: run.revision,
    headRevision: run.headRevision,
    trigger: run.trigger,
    sentAt,
    counts: run.counts,
    summary: `[${context.environment}] ${alerts.map((a) => `${a.status === 'resolved' ? 'resolved: ' : ''}${a.summary}`).join('; ')}`,
    alerts,
  };
}

/** `sha256=<hex>` of the body with the shared secret: what the receiver recomputes and compares. */
export function webhookSignature(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** Constant-time check of a received signature header (for receivers written in TypeScript, and the tests). */
export function verifyWebhookSignature(secret: string, body: string, header: string | undefined): boolean {
  if (!header) return false;
  const expected = Buffer.from(webhookSignature(secret, body));
  const given = Buffer.from(header);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface WebhookNotifier {
  /** Queues the run's message (if the run changed an alert); never blocks the controller. */
  notifyRun(run: RunNotices): void;
  /** Resolves when everything queued so far was delivered or given up on. */
  flush(): Promise<void>;
}

export interface WebhookNotifierOptions {
  /** Names the receiver in logs (the URL is a secret and never logged). */
  name: string;
  url: string;
  secret: string;
  context: WebhookContext;
  logger: Logger;
  timeoutMs?: number;
  attempts?: number;
  baseDelayMs?: number;
  fetchFn?: typeof fetch;
  now?: () => Date;
}

export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  const attempts = options.attempts ?? 5;
  let queue: Promise<void> = Promise.resolve();
  const deliver = async (payload: WebhookPayload): Promise<void> => {
    const body = JSON.stringify(payload);
    const problem = await postWithRetry(
      options.url,
      body,
      { [SIGNATURE_HEADER]: webhookSignature(options.secret, body), 'user-agent': 'msk-gitops' },
      {
        attempts,
        baseDelayMs: options.baseDelayMs ?? 1000,
        timeoutMs: options.timeoutMs ?? 5000,
        fetchFn: options.fetchFn,
      },
    );
    if (problem !== null)
      options.logger.error('webhook: message not delivered', {
        receiver: options.name,
        problem,
        attempts,
        status: payload.status,
        dedupKey: payload.dedupKey,
      });
  };
  return {
    notifyRun: (run) => {
      const payload = webhookPayload(run, options.context, (options.now?.() ?? new Date()).toISOString());
      if (payload) queue = queue.then(() => deliver(payload)).catch(() => undefined);
    },
    flush: () => queue,
  };
}
