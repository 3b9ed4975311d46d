/**
 * The controller process, assembled: lock, secrets, source, controller, triggers (schedule, folder watch, webhook),
 * reporting (logs, Slack, audit log, metrics) and the HTTP endpoint; and its orderly stop. `msk-gitops run` and
 * `msk-gitops up` both start it, so the long-running daemon and the laptop loop are one code path.
 */
import { readdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import { environmentNames, unknownEnvironmentMessage } from '../model/load';
import { ENVIRONMENTS_DIR } from '../model/schema';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { resolveSecret } from '../connection/secrets';
import type { ReconcileOutcome, ReconcileRequest } from '../reconcile';
import { GitSource, redactUrls } from '../source/git';
import { LocalSource, watchFolder, type FolderWatch } from '../source/local';
import { scheduleTriggers, type Schedule } from '../source/schedule';
import type { WebhookType } from '../source/webhook';
import { createSlackNotifier, type SlackNotifier } from '../notify/slack';
import { createWebhookNotifier, type WebhookNotifier } from '../notify/webhook';
import { AuditLog, auditEntries } from './audit-log';
import type { DaemonConfig } from './config';
import { Controller, type RunReport, type Timers } from './controller';
import type { Source } from '../source/snapshot';
import { closeServer, createControllerServer, listen } from './http';
import { acquireLock, type Lock } from './lock';
import type { Logger } from '../shared/logger';
import { Metrics } from './metrics';
import { EnvironmentConfigError, errorMessage } from '../shared/errors';

export interface DaemonOptions {
  config: DaemonConfig;
  logger: Logger;
  reconcile: (req: ReconcileRequest) => Promise<ReconcileOutcome>;
  formatDiagnostic: (diagnostic: ReconcileOutcome['diagnostics'][number]) => string;
  /** The command's environment: every secret reference (git, Slack, webhooks, Kafka, users) resolves here. */
  env?: NodeJS.ProcessEnv;
  /** Where the reconcile's relative paths (generated passwords) resolve (default process.cwd()). */
  cwd?: string;
  /** Wait for another instance's lock instead of refusing. */
  waitForLock?: boolean;
  /** Aborts a wait for the lock (SIGTERM while waiting). */
  signal?: AbortSignal;
  /** `up` runs without a lock, HTTP or audit log; `run` has them all. */
  features?: { lock?: boolean; http?: boolean; audit?: boolean; triggers?: boolean };
  /** Extra reporting after each run (the human renderer of `up`). */
  onRun?: (report: RunReport) => void | Promise<void>;
  /** `onRun` tells each run to a person: skip the per-run log lines. */
  quietRuns?: boolean;
  timers?: Timers;
  /** Overrides the Slack sender's retry timing (tests). */
  slackRetry?: { attempts: number; baseDelayMs: number };
  /** Overrides the JSON webhooks' retry timing (tests). */
  notifyRetry?: { attempts: number; baseDelayMs: number };
}

export interface RunningDaemon {
  controller: Controller;
  metrics: Metrics;
  http: AddressInfo | null;
  slack: SlackNotifier | null;
  /** The JSON webhook receivers (`notify.webhooks`). */
  notifiers: WebhookNotifier[];
  source: Source;
  /** Fetch/reconcile now (what the webhook and the schedule call). */
  trigger(reason: string): Promise<void>;
  /** Stops triggers, lets the current reconcile finish (up to the shutdown timeout), closes HTTP, releases the lock. */
  stop(): Promise<{ finished: boolean }>;
}

/**
 * A controller for an environment the manifests do not declare would report every run invalid: refuse to start
 * instead. Needs the manifests, so it fetches once; a source that cannot be read now is left to the runs to report.
 */
async function checkEnvironment(source: Source, environment: string, logger: Logger): Promise<void> {
  let dir: string;
  try {
    dir = (await source.sync()).dir;
  } catch (error) {
    logger.warn('cannot read the manifests at start; the environment is checked on every run', {
      error: errorMessage(error),
    });
    return;
  }
  const listed = await readdir(path.join(dir, ENVIRONMENTS_DIR)).catch(() => [] as string[]);
  const declared = environmentNames(listed.map((name) => ({ path: `${ENVIRONMENTS_DIR}/${name}` })));
  if (declared.length > 0 && !declared.includes(environment))
    throw new EnvironmentConfigError(unknownEnvironmentMessage('environment', environment, declared));
}

export async function startDaemon(options: DaemonOptions): Promise<RunningDaemon> {
  const { config, logger } = options;
  const env = options.env ?? process.env;
  const features = { lock: true, http: true, audit: true, triggers: true, ...options.features };

  let lock: Lock | null = null;
  if (features.lock) {
    lock = await acquireLock(config.lockFile, {
      wait: options.waitForLock ?? false,
      signal: options.signal,
      onWait: (pid) =>
        logger.warn('another controller holds the lock; waiting for it to stop', { pid, lockFile: config.lockFile }),
    });
    logger.info('lock taken', { lockFile: config.lockFile, pid: process.pid });
  }

  const cleanups: (() => Promise<void> | void)[] = [() => lock?.release()];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  };

  try {
    let source: Source;
    const git = config.source.git;
    if (git) {
      const token = git.auth.tokenRef ? await resolveSecret(git.auth.tokenRef, env) : undefined;
      const sshKey = git.auth.sshKeyRef ? await resolveSecret(git.auth.sshKeyRef, env) : undefined;
      const gitSource = new GitSource(git, { token, sshKey, username: git.auth.username });
      try {
        await gitSource.prepare();
      } catch (error) {
        throw new Error(`source.git.verify: ${errorMessage(error)}`);
      }
      source = gitSource;
    } else if (config.source.local) {
      source = new LocalSource(config.source.local.dir);
    } else {
      throw new Error('config: source needs "git" or "local"');
    }

    const cluster = config.connection.bootstrapServers.join(',');
    await checkEnvironment(source, config.environment, logger);

    let slack: SlackNotifier | null = null;
    if (config.slack) {
      const webhookUrl = await resolveSecret(config.slack.webhookUrlRef, env);
      slack = createSlackNotifier({
        webhookUrl,
        logger,
        context: { cluster, host: hostname() },
        ...(options.slackRetry ?? {}),
      });
    }
    const notifiers: WebhookNotifier[] = [];
    for (const receiver of config.notify.webhooks)
      notifiers.push(
        createWebhookNotifier({
          name: receiver.name,
          url: await resolveSecret(receiver.urlRef, env),
          secret: await resolveSecret(receiver.secretRef, env),
          timeoutMs: receiver.timeoutMs,
          context: { environment: config.environment, cluster, host: hostname() },
          logger,
          ...(options.notifyRetry ?? {}),
        }),
      );
    const webhookConfigs = [
      ...(config.webhook ? [{ type: 'github' as const, ...config.webhook }] : []),
      ...config.webhooks,
    ];
    const webhooks: { type: WebhookType; path: string; secret: string }[] = [];
    for (const hook of webhookConfigs)
      webhooks.push({
        type: hook.type,
        path: hook.path ?? `/webhook/${hook.type}`,
        secret: await resolveSecret(hook.secretRef, env),
      });

    const metrics = new Metrics({ environment: config.environment, modes: config.modes });
    const audit = features.audit ? new AuditLog(config.auditLog, config.environment) : null;
    const controller = new Controller({
      reconcile: options.reconcile,
      source,
      profile: config.connection,
      modes: config.modes,
      formatDiagnostic: options.formatDiagnostic,
      logger,
      timers: options.timers,
      reminderMs: (config.notify.reminderMinutes ?? config.slack?.reminderMinutes ?? 240) * 60_000,
      retry: config.retry,
      // The tree's environments/<environment>.yaml over its shared manifests (the environment is only a label when the
      // tree declares none).
      request: {
        env,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        environment: config.environment,
        environmentSetting: 'environment',
        environmentMayBeLabel: true,
      },
      sinks: {
        notify: (notice) => {
          if (notice.type === 'unverified-commit' || notice.type === 'commit-verified') {
            const refused = notice.type === 'unverified-commit';
            metrics.observeSignature(!refused, refused);
            try {
              audit?.append([
                {
                  time: new Date().toISOString(),
                  revision: notice.revision,
                  event: refused ? 'commit-refused' : 'commit-verified',
                  detail: refused ? notice.reason : `signed by ${notice.signer ?? 'an allowed signer'}`,
                },
              ]);
            } catch (error) {
              logger.error('audit log write failed', { file: config.auditLog, error: errorMessage(error) });
            }
          }
          slack?.notify(notice);
        },
        onSourceError: (message, firstTime) => {
          metrics.observeError('source');
          if (firstTime) {
            logger.error('manifests source failed; keeping the last good state', { error: message });
            slack?.send({
              text: `msk-gitops cannot fetch the manifests: ${message}. The cluster keeps the last good state.`,
              blocks: [
                {
                  type: 'header',
                  text: { type: 'plain_text', text: ':satellite_antenna: Manifests source unreachable' },
                },
                { type: 'section', text: { type: 'mrkdwn', text: message.slice(0, 2900) } },
                {
                  type: 'context',
                  elements: [{ type: 'mrkdwn', text: 'keeping the last good state; retrying on the schedule' }],
                },
              ],
            });
          } else {
            logger.warn('manifests source still failing', { error: message });
          }
        },
        onSourceRecovered: (revision) => {
          logger.info('manifests source reachable again', { revision });
          slack?.send({
            text: `msk-gitops can fetch the manifests again (commit ${revision?.slice(0, 12) ?? 'local folder'}).`,
            blocks: [
              {
                type: 'header',
                text: { type: 'plain_text', text: ':white_check_mark: Manifests source reachable again' },
              },
              {
                type: 'section',
                fields: [{ type: 'mrkdwn', text: `*Commit*\n\`${revision?.slice(0, 12) ?? 'local folder'}\`` }],
              },
            ],
          });
        },
        onRunEnd: (run) => {
          if (notifiers.length === 0) return;
          const head = run.runs[0];
          const batch = {
            trigger: run.trigger,
            revision: head?.revision ?? null,
            headRevision: run.headRevision,
            counts: head?.counts ?? { planned: 0, applied: 0, failed: 0, unhealed: 0 },
            notices: run.notices,
            sourceError: run.sourceError,
            sourceRecovered: run.sourceRecovered,
          };
          for (const notifier of notifiers) notifier.notifyRun(batch);
        },
        onRun: async (report) => {
          const { outcome } = report;
          const status = controller.status();
          metrics.observeRun(report, status.drift.length);
          if (status.signature) metrics.observeSignature(status.signature.verified, false);
          if (audit && outcome.results.length > 0) {
            try {
              audit.append(auditEntries(report, new Date().toISOString()));
            } catch (error) {
              logger.error('audit log write failed', { file: config.auditLog, error: errorMessage(error) });
            }
          }
          const level =
            outcome.status === 'failed' || outcome.status === 'invalid' || outcome.status === 'refused'
              ? 'warn'
              : 'info';
          if (!options.quietRuns)
            logger[level]('reconcile finished', {
              result: outcome.status,
              revision: report.revision,
              trigger: report.trigger,
              durationMs: outcome.durationMs,
              planned: outcome.plan?.changes.length ?? 0,
              applied: outcome.results.filter((r) => r.ok).length,
              failed: outcome.results.filter((r) => !r.ok).length,
              ...(outcome.error ? { step: outcome.error.step, error: outcome.error.message } : {}),
            });
          if (!options.quietRuns) {
            for (const notice of report.notices) logger.info(`notice: ${notice.type}`, { revision: notice.revision });
          }
          await options.onRun?.(report);
        },
      },
    });

    let server: Server | null = null;
    let address: AddressInfo | null = null;
    if (features.http) {
      server = createControllerServer({
        status: () => ({
          environment: config.environment,
          ...controller.status(),
          source: git
            ? { git: { url: redactUrls(git.url), branch: git.branch, path: git.path } }
            : { local: config.source.local?.dir },
          modes: config.modes,
        }),
        metrics: () => metrics.render(),
        webhooks: webhooks.map((hook) => ({
          ...hook,
          branch: git?.branch ?? null,
          onPush: (type) => {
            logger.info('webhook: delivery received; fetching now', { type, path: hook.path });
            void controller.trigger(`webhook (${type})`);
          },
        })),
        webhookLimits: config.webhookLimits,
      });
      address = await listen(server, config.http.host, config.http.port).catch((error: NodeJS.ErrnoException) => {
        throw new Error(
          `http: cannot listen on ${config.http.host}:${config.http.port} (${error.code ?? error.message}); set "http.port" in the config`,
        );
      });
      const srv = server;
      cleanups.push(() => closeServer(srv));
      logger.info('http endpoint listening', { url: `http://${address.address}:${address.port}` });
    }

    let schedule: Schedule | null = null;
    let folder: FolderWatch | null = null;
    if (features.triggers) {
      if (git) {
        schedule = scheduleTriggers(git.schedule, () => void controller.trigger('schedule'));
        cleanups.push(() => schedule?.stop());
      } else if (config.source.local) {
        const local = config.source.local;
        folder = await watchFolder(local.dir, local.debounceMs, (changed) => {
          logger.info('manifests changed', { files: changed.length });
          void controller.trigger('file change');
        });
        cleanups.push(() => folder?.close());
      }
    }

    logger.info('controller started', {
      source: git ? `${redactUrls(git.url)}#${git.branch}:${git.path}` : config.source.local?.dir,
      modes: config.modes,
      slack: slack !== null,
      notify: config.notify.webhooks.map((receiver) => receiver.name),
    });

    let stopping: Promise<{ finished: boolean }> | null = null;
    return {
      controller,
      metrics,
      http: address,
      slack,
      notifiers,
      source,
      trigger: (reason) => controller.trigger(reason),
      stop: () => {
        stopping ??= (async () => {
          await schedule?.stop();
          await folder?.close();
          const finished = await controller.stop(config.shutdownTimeoutMs);
          if (!finished)
            logger.warn('shutdown timeout: abandoning the running reconcile', { timeoutMs: config.shutdownTimeoutMs });
          await slack?.flush();
          await Promise.all(notifiers.map((notifier) => notifier.flush()));
          await cleanup();
          logger.info('controller stopped', { finished });
          return { finished };
        })();
        return stopping;
      },
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}
