/**
 * Slack through an incoming webhook: notices rendered as Block Kit (pure, `slackMessage`) and a sender that never
 * blocks a reconcile (`createSlackNotifier`: a queue drained in the background, bounded retries with backoff, then a
 * log line). The webhook URL is a secret: it is only ever passed to fetch, never logged or put in an error.
 */
import type { DriftItem, Notice } from './assess';
import type { Logger } from '../shared/logger';
import { postWithRetry } from './delivery';

export interface SlackContext {
  /** Which cluster, as people know it (bootstrap servers or a name). */
  cluster: string;
  /** Where the controller runs. */
  host: string;
}

type TextObject = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
export type Block =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'context'; elements: TextObject[] }
  | { type: 'divider' };
export interface SlackMessage {
  /** The notification text (phones, screen readers) when blocks are shown. */
  text: string;
  blocks: Block[];
}

const MAX_ITEMS = 20; // Block Kit allows 50 blocks per message: leave room for header, fields and context.
const MAX_VALUE = 300;

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function short(revision: string | null): string {
  return revision ? revision.slice(0, 12) : 'local folder';
}

/** A value as Slack shows it: the plan's words, cut to MAX_VALUE characters. */
export function describeValue(text: string): string {
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text;
}

function itemBlock(item: DriftItem): Block {
  const lines = [
    `*${item.kind}* \`${escape(item.resource)}\` (${item.action})`,
    `expected: \`${escape(describeValue(item.expected))}\``,
    `found: \`${escape(describeValue(item.found))}\``,
  ];
  if (item.reason) lines.push(`not healed: ${escape(item.reason)}`);
  if (item.origin) lines.push(`declared at ${escape(item.origin)}`);
  return { type: 'section', text: { type: 'mrkdwn', text: lines.join('\n') } };
}

function itemBlocks(items: DriftItem[]): Block[] {
  const blocks = items.slice(0, MAX_ITEMS).map(itemBlock);
  if (items.length > MAX_ITEMS) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${items.length - MAX_ITEMS} more` }] });
  }
  return blocks;
}

function fields(pairs: [string, string][]): Block {
  return { type: 'section', fields: pairs.map(([name, value]) => ({ type: 'mrkdwn', text: `*${name}*\n${value}` })) };
}

function footer(context: SlackContext): Block {
  return {
    type: 'context',
    elements: [{ type: 'mrkdwn', text: `msk-gitops on ${escape(context.host)} · cluster ${escape(context.cluster)}` }],
  };
}

function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text, emoji: true } };
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export function slackMessage(notice: Notice, context: SlackContext): SlackMessage {
  const commit = `\`${short(notice.revision)}\``;
  switch (notice.type) {
    case 'drift': {
      const what = notice.healed ? 'healed' : 'detected, not changed';
      const title = notice.healed ? ':wrench: Drift healed' : ':warning: Drift detected';
      return {
        text: `${notice.reminder ? 'Reminder: ' : ''}drift on ${context.cluster}: ${plural(notice.items.length, 'change')} ${what} (commit ${short(notice.revision)})`,
        blocks: [
          header(`${title}${notice.reminder ? ' (reminder)' : ''}`),
          fields([
            ['Commit', commit],
            [
              'What the controller did',
              notice.healed
                ? 'healed: the cluster was set back to git'
                : 'only detected (detect mode or not healable): nothing changed',
            ],
            ['Resources', String(notice.items.length)],
          ]),
          { type: 'divider' },
          ...itemBlocks(notice.items),
          footer(context),
        ],
      };
    }
    case 'drift-resolved':
      return {
        text: `drift on ${context.cluster} resolved (commit ${short(notice.revision)})`,
        blocks: [
          header(':white_check_mark: Drift resolved'),
          fields([
            ['Commit', commit],
            ['Resolved', plural(notice.items.length, 'resource')],
          ]),
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: notice.items
                .slice(0, MAX_ITEMS)
                .map((i) => `• ${i.kind} \`${escape(i.resource)}\``)
                .join('\n'),
            },
          },
          footer(context),
        ],
      };
    case 'invalid-commit': {
      const title =
        notice.status === 'invalid' ? ':x: Invalid manifests — not applied' : ':no_entry: Plan refused — not applied';
      return {
        text: `commit ${short(notice.revision)} ${notice.status === 'invalid' ? 'has invalid manifests' : 'was refused'}; the cluster keeps the last good state`,
        blocks: [
          header(title),
          fields([
            ['Commit', commit],
            ['Cluster', 'unchanged: keeps the last good state'],
          ]),
          {
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `\`\`\`${escape(notice.problems.slice(0, 30).join('\n')).slice(0, 2900)}\`\`\``,
            },
          },
          footer(context),
        ],
      };
    }
    case 'commit-fixed':
      return {
        text: `commit ${short(notice.revision)} is valid again (was ${short(notice.badRevision)})`,
        blocks: [
          header(':white_check_mark: Manifests fixed'),
          fields([
            ['Commit', commit],
            ['Was broken at', `\`${short(notice.badRevision)}\``],
          ]),
          footer(context),
        ],
      };
    case 'applied': {
      const failed = notice.failed.length;
      return {
        text: `applied commit ${short(notice.revision)}: ${plural(notice.changes.length, 'change')}${failed ? `, ${failed} failed` : ''}`,
        blocks: [
          header(failed ? ':warning: Applied with failures' : ':rocket: Applied'),
          fields([
            ['Commit', commit],
            ['Applied', String(notice.changes.length)],
            ['Failed', String(failed)],
          ]),
          ...itemBlocks(notice.changes).slice(0, 10),
          ...notice.failed.slice(0, 10).map(({ item, error }): Block => ({
            type: 'section',
            text: {
              type: 'mrkdwn',
              text: `:x: *${item.kind}* \`${escape(item.resource)}\` (${item.action}): ${escape(error)}`,
            },
          })),
          footer(context),
        ],
      };
    }
    case 'failure':
      return {
        text: `reconcile failed at ${notice.step}: ${notice.message}`,
        blocks: [
          header(':rotating_light: Reconcile failed'),
          fields([
            ['Step', notice.step],
            ['Commit', commit],
          ]),
          { type: 'section', text: { type: 'mrkdwn', text: escape(notice.message).slice(0, 2900) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: 'retrying with backoff; nothing else is changed' }] },
          footer(context),
        ],
      };
    case 'unverified-commit':
      return {
        text: `commit ${short(notice.revision)} is not applied: ${notice.reason}; the cluster keeps ${notice.appliedRevision ? `verified commit ${short(notice.appliedRevision)}` : 'its state (no verified commit yet)'}`,
        blocks: [
          header(':lock: Unverified commit — not applied'),
          fields([
            ['Commit', commit],
            [
              'Cluster',
              notice.appliedRevision
                ? `kept at verified commit \`${short(notice.appliedRevision)}\` (drift is still healed)`
                : 'unchanged: no verified commit to apply',
            ],
          ]),
          { type: 'section', text: { type: 'mrkdwn', text: escape(notice.reason) } },
          footer(context),
        ],
      };
    case 'commit-verified':
      return {
        text: `commit ${short(notice.revision)} is verified${notice.signer ? ` (signed by ${notice.signer})` : ''}; applying again (was refusing ${short(notice.refusedRevision)})`,
        blocks: [
          header(':white_check_mark: Verified commit — applying again'),
          fields([
            ['Commit', commit],
            ['Signed by', escape(notice.signer ?? 'unknown')],
            ['Refused before', `\`${short(notice.refusedRevision)}\``],
          ]),
          footer(context),
        ],
      };
    case 'recovered':
      return {
        text: `reconcile recovered (${notice.step} works again)`,
        blocks: [
          header(':white_check_mark: Reconcile recovered'),
          fields([
            ['Step', notice.step],
            ['Commit', commit],
          ]),
          footer(context),
        ],
      };
  }
}

export interface SlackNotifier {
  notify(notice: Notice): void;
  send(message: SlackMessage): void;
  /** Resolves when everything queued so far was delivered or given up on. */
  flush(): Promise<void>;
}

export interface SlackNotifierOptions {
  webhookUrl: string;
  context: SlackContext;
  logger: Logger;
  attempts?: number;
  baseDelayMs?: number;
  timeoutMs?: number;
  fetchFn?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

export function createSlackNotifier(options: SlackNotifierOptions): SlackNotifier {
  const attempts = options.attempts ?? 4;
  let queue: Promise<void> = Promise.resolve();

  const deliver = async (message: SlackMessage): Promise<void> => {
    const problem = await postWithRetry(
      options.webhookUrl,
      JSON.stringify(message),
      {},
      {
        attempts,
        baseDelayMs: options.baseDelayMs ?? 1000,
        timeoutMs: options.timeoutMs ?? 5000,
        fetchFn: options.fetchFn,
        sleep: options.sleep,
      },
    );
    // The URL is a secret: the log names the message, not where it was going.
    if (problem !== null)
      options.logger.error('slack: message not delivered', { problem, attempts, text: message.text });
  };

  const send = (message: SlackMessage): void => {
    queue = queue.then(() => deliver(message)).catch(() => undefined);
  };
  return {
    send,
    notify: (notice) => send(slackMessage(notice, options.context)),
    flush: () => queue,
  };
}
