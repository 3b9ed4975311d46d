/**
 * Structured logs: one JSON object per line on stdout (time, level, msg, fields) for journald and log shippers,
 * or a human line per event for `msk-gitops up` in a terminal. One logger, two renderings, so the daemon and the
 * interactive command never diverge in what they say.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** Multi-line human text (a rendered plan); in JSON mode it becomes one line with the text as a field. */
  block(msg: string, text: string, fields?: LogFields): void;
}

const LEVELS: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

export interface LoggerOptions {
  format: LogFormat;
  level?: LogLevel;
  out: { write(chunk: string): unknown };
  now?: () => Date;
}

export function createLogger(options: LoggerOptions): Logger {
  const min = LEVELS[options.level ?? 'info'];
  const now = options.now ?? (() => new Date());
  const emit = (level: LogLevel, msg: string, fields: LogFields = {}, text?: string): void => {
    if (LEVELS[level] < min) return;
    if (options.format === 'json') {
      const line = JSON.stringify({
        time: now().toISOString(),
        level,
        msg,
        ...fields,
        ...(text === undefined ? {} : { text }),
      });
      options.out.write(`${line}\n`);
      return;
    }
    const detail = Object.entries(fields)
      .filter(([, value]) => value !== undefined && value !== null && value !== '')
      .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
      .join(' ');
    const prefix = level === 'info' ? '' : `${level}: `;
    options.out.write(
      `${prefix}${msg}${detail ? ` (${detail})` : ''}\n${text === undefined ? '' : `${text.replace(/\n?$/, '\n')}`}`,
    );
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
    block: (msg, text, fields) => emit('info', msg, fields, text),
  };
}

export function silentLogger(): Logger {
  const noop = (): void => undefined;
  return { debug: noop, info: noop, warn: noop, error: noop, block: noop };
}
