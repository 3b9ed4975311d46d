import { parseArgs } from 'node:util';
import { formatDiagnostic } from '../model/load';
import { reconcileOnce } from '../reconcile';
import { loadDaemonConfig } from '../daemon/config';
import { startDaemon, type RunningDaemon } from '../daemon/daemon';
import { createLogger, type LogFormat } from '../shared/logger';
import { type Command } from './command';
import {
  ConfigError,
  EnvironmentConfigError,
  LockHeldError,
  LockWaitAborted,
  UsageError,
  UserFacingError,
  errorMessage,
} from '../shared/errors';

export function parseLogFormat(value: string | undefined, fallback: LogFormat): LogFormat {
  if (value === undefined) return fallback;
  if (value !== 'json' && value !== 'text') throw new UsageError('--log-format must be json or text');
  return value;
}

/** Resolves on the first SIGTERM or SIGINT; the returned function removes the handlers. */
export function untilSignal(): { signal: Promise<NodeJS.Signals>; dispose(): void } {
  let handler!: (signal: NodeJS.Signals) => void;
  const signal = new Promise<NodeJS.Signals>((resolve) => (handler = resolve));
  process.once('SIGTERM', handler);
  process.once('SIGINT', handler);
  return {
    signal,
    dispose: () => {
      process.off('SIGTERM', handler);
      process.off('SIGINT', handler);
    },
  };
}

/** Stops the daemon at the end of a command; the process then exits even if a reconcile was abandoned. */
export async function stopForExit(daemon: RunningDaemon): Promise<void> {
  const { finished } = await daemon.stop();
  // An abandoned reconcile may still hold a Kafka connection open: do not let it keep the process alive.
  if (!finished) setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
}

export const runCommand: Command = {
  usage: 'msk-gitops run --config FILE [--wait] [--once] [--log-format json|text]',
  async run({ argv, stdout, env, cwd }) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        config: { type: 'string' },
        wait: { type: 'boolean', default: false },
        once: { type: 'boolean', default: false },
        'log-format': { type: 'string' },
      },
    });
    if (positionals.length > 0) throw new UsageError(`unexpected argument "${positionals[0]}"`);
    if (!values.config) throw new UsageError('--config FILE is required');
    const logger = createLogger({ format: parseLogFormat(values['log-format'], 'json'), out: stdout });
    let config;
    try {
      config = loadDaemonConfig(values.config);
    } catch (error) {
      if (error instanceof ConfigError)
        throw new UserFacingError(`invalid config:\n${error.message}`, { cause: error });
      throw error;
    }
    const signals = untilSignal();
    const abort = new AbortController();
    void signals.signal.then(() => abort.abort());
    let daemon: RunningDaemon;
    try {
      daemon = await startDaemon({
        config,
        logger,
        reconcile: reconcileOnce,
        formatDiagnostic,
        env,
        cwd,
        waitForLock: values.wait,
        signal: abort.signal,
        features: values.once ? { triggers: false, http: false } : {},
      });
    } catch (error) {
      signals.dispose();
      if (error instanceof LockWaitAborted) {
        logger.info(error.message);
        return 0;
      }
      if (error instanceof LockHeldError) throw new UserFacingError(error.message, { cause: error });
      if (error instanceof EnvironmentConfigError)
        throw new UserFacingError(`invalid config:\n${values.config}: ${error.message}`, { cause: error });
      throw new UserFacingError(errorMessage(error), { cause: error });
    }
    try {
      if (values.once) {
        await daemon.trigger('once');
        const last = daemon.controller.status().lastReconcile;
        return last && ['in-sync', 'converged'].includes(last.status) ? 0 : 1;
      }
      void daemon.trigger('start');
      const signal = await signals.signal;
      logger.info('stopping', { signal });
      return 0;
    } finally {
      signals.dispose();
      await stopForExit(daemon);
    }
  },
};
