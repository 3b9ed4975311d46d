import path from 'node:path';
import { parseArgs } from 'node:util';
import { localAdminProfile, startLocalCluster } from '../localkafka/broker';
import { formatDiagnostic } from '../model/load';
import { reconcileOnce } from '../reconcile';
import { DaemonConfigSchema } from '../daemon/config';
import { startDaemon } from '../daemon/daemon';
import { createLogger } from '../shared/logger';
import { renderRunText } from '../daemon/run-text';
import { generatedPasswordsDir } from '../users/store';
import { kafkaVersionOption } from './broker';
import { DEFAULT_MANIFESTS_DIR, type Command } from './command';
import { environmentArg } from './args';
import { parseLogFormat, stopForExit, untilSignal } from './run';
import { UsageError, UserFacingError } from '../shared/errors';

export const upCommand: Command = {
  usage: 'msk-gitops up [DIR] [--env NAME] [--once] [--port N] [--kafka-version V] [--log-format text|json]',
  async run({ argv, stdout, cwd, env }) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        once: { type: 'boolean', default: false },
        port: { type: 'string' },
        'kafka-version': { type: 'string' },
        'log-format': { type: 'string' },
        'debounce-ms': { type: 'string' },
        env: { type: 'string' },
      },
    });
    if (positionals.length > 1) throw new UsageError('expected at most one manifests folder');
    const dir = path.resolve(cwd, positionals[0] ?? DEFAULT_MANIFESTS_DIR);
    const portBase = values.port === undefined ? undefined : Number(values.port);
    if (portBase !== undefined && !Number.isInteger(portBase)) throw new UsageError('--port must be a number');
    const debounceMs = values['debounce-ms'] === undefined ? 300 : Number(values['debounce-ms']);
    if (!Number.isInteger(debounceMs) || debounceMs < 0) throw new UsageError('--debounce-ms must be a whole number');
    const format = parseLogFormat(values['log-format'], 'text');
    const logger = createLogger({ format, out: stdout });
    const color = format === 'text' && Boolean(stdout.isTTY) && !env.NO_COLOR;

    const kafkaVersion = kafkaVersionOption(values['kafka-version'], env);
    const { layout } = await startLocalCluster({ portBase, kafkaVersion, log: (line) => logger.info(line) });
    const connection = localAdminProfile(layout, env);
    const config = DaemonConfigSchema.parse({
      connection,
      source: { local: { dir, debounceMs } },
      ...(values.env === undefined ? {} : { environment: environmentArg(values.env) }),
      retry: { initialMs: 2000, maxMs: 30_000 },
      shutdownTimeoutMs: 10_000,
    });

    const daemon = await startDaemon({
      config,
      logger,
      reconcile: reconcileOnce,
      formatDiagnostic,
      env,
      cwd,
      features: { lock: false, http: false, audit: false, triggers: !values.once },
      quietRuns: format === 'text',
      onRun: (report) => {
        if (format === 'text') stdout.write(renderRunText(report, { color, formatDiagnostic }));
      },
    });
    const signals = untilSignal();
    try {
      await daemon.trigger(values.once ? 'once' : 'start');
      const last = daemon.controller.status().lastReconcile;
      // Where the apps connect and where their generated passwords are: printed with --once too.
      logger.info(
        `apps connect to ${layout.scramBootstrap.join(',')} over SASL_PLAINTEXT with SCRAM-SHA-512; ` +
          `generated passwords are in ${generatedPasswordsDir({ cwd })}/<user>.password`,
      );
      if (values.once) {
        if (!last) throw new UserFacingError(`nothing to reconcile: ${dir} does not exist`);
        return ['in-sync', 'converged'].includes(last.status) ? 0 : 1;
      }
      const shown = path.relative(cwd, dir).startsWith('..') ? dir : path.relative(cwd, dir) || '.';
      logger.info(
        `watching ${shown} for edits; Ctrl-C stops watching (the broker keeps running: msk-gitops broker stop)`,
      );
      await signals.signal;
      return 0;
    } finally {
      signals.dispose();
      await stopForExit(daemon);
    }
  },
};
