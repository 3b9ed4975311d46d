/**
 * The controller's configuration file (`msk-gitops run --config FILE`): which cluster, which manifests source, what
 * to do per resource kind, where to report. JSON or YAML, validated by zod; every error names its place in the file
 * (`config.json:4:7: source.git.url: ...`) or the missing setting by its dotted name, all errors at once.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConnectionProfileSchema, SecretRefSchema } from '../connection/profile';
import { deepestNodeOn, keyRangeOf, parseConfigDocument } from '../model/yaml-file';
import { ConfigError } from '../shared/errors';
import { GitSourceSchema, LocalSourceSchema } from '../source/config';

export { GitSourceSchema, LocalSourceSchema, type GitSourceConfig, type LocalSourceConfig } from '../source/config';

import { KindModeSchema } from '../model/schema';

export { KindModeSchema };

const WebhookSchema = z
  .object({
    /** github: X-Hub-Signature-256; gitlab: X-Gitlab-Token; generic: X-Signature-256 (HMAC-SHA256 of the body). */
    type: z.enum(['github', 'gitlab', 'generic']),
    secretRef: SecretRefSchema,
    path: z.string().startsWith('/').optional(),
  })
  .strict();

const NotifyWebhookSchema = z
  .object({
    /** Names the receiver in logs (its URL is a secret and is never logged). */
    name: z.string().min(1).default('webhook'),
    /** The receiver's URL (it often carries a token, so it is a secret reference). */
    urlRef: SecretRefSchema,
    /** The HMAC-SHA256 key the body is signed with (header X-Msk-Gitops-Signature-256: sha256=<hex>). */
    secretRef: SecretRefSchema,
    /** One attempt's time limit; failed deliveries are retried with backoff (5 attempts). */
    timeoutMs: z.number().int().min(100).max(60_000).default(5000),
  })
  .strict();

export const DaemonConfigSchema = z
  .object({
    /** The environment this controller serves: its metrics, logs, status, locks and audit lines carry it. */
    environment: z
      .string()
      .regex(/^[a-z0-9][a-z0-9-]*$/, { message: 'lowercase letters, digits and "-"' })
      .default('default'),
    connection: ConnectionProfileSchema,
    source: z
      .object({ git: GitSourceSchema.optional(), local: LocalSourceSchema.optional() })
      .strict()
      .refine((source) => Boolean(source.git) !== Boolean(source.local), {
        message: 'set exactly one of "git" or "local"',
      }),
    modes: z
      .object({
        topics: KindModeSchema.default('apply'),
        acls: KindModeSchema.default('apply'),
        users: KindModeSchema.default('apply'),
        quotas: KindModeSchema.default('apply'),
      })
      .strict()
      .default({ topics: 'apply', acls: 'apply', users: 'apply', quotas: 'apply' }),
    slack: z
      .object({
        webhookUrlRef: SecretRefSchema,
        /** An unchanged drift is reported again after this long. */
        reminderMinutes: z.number().int().min(1).default(240),
      })
      .strict()
      .optional(),
    /** Receivers beyond Slack; the reminder interval applies to every receiver (Slack included) when set here. */
    notify: z
      .object({
        /** An unchanged drift is reported again after this long (default: slack.reminderMinutes, else 240). */
        reminderMinutes: z.number().int().min(1).optional(),
        /** Generic JSON webhooks (Alertmanager-style receivers, incident tools): one signed message per run. */
        webhooks: z.array(NotifyWebhookSchema).default([]),
      })
      .strict()
      .default({ webhooks: [] }),
    http: z
      .object({
        host: z.string().min(1).default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .default({ host: '127.0.0.1', port: 9464 }),
    auditLog: z.string().min(1).default('/var/lib/msk-gitops/audit.jsonl'),
    lockFile: z.string().min(1).default('/var/lib/msk-gitops/msk-gitops.lock'),
    /** GitHub push webhook on the HTTP server: a verified push triggers a fetch at once. */
    webhook: z
      .object({ secretRef: SecretRefSchema, path: z.string().startsWith('/').default('/webhook/github') })
      .strict()
      .optional(),
    /** More webhooks (GitHub, GitLab, generic HMAC), each on its own path; an authenticated delivery only fetches. */
    webhooks: z.array(WebhookSchema).default([]),
    /** What any webhook may send: a bigger body gets 413, more deliveries a minute get 429. */
    webhookLimits: z
      .object({
        maxBodyBytes: z
          .number()
          .int()
          .min(1024)
          .default(1024 * 1024),
        perMinute: z.number().int().min(1).default(30),
      })
      .strict()
      .default({ maxBodyBytes: 1024 * 1024, perMinute: 30 }),
    /** After a failed reconcile (broker down, …) retry after this, doubling up to `maxMs`. */
    retry: z
      .object({
        initialMs: z.number().int().min(10).default(5000),
        maxMs: z.number().int().min(10).default(300_000),
        /** Each delay is moved by a random ± this fraction of itself. */
        jitter: z.number().min(0).max(0.5).default(0.1),
      })
      .strict()
      .default({ initialMs: 5000, maxMs: 300_000, jitter: 0.1 }),
    /** On SIGTERM, how long the current reconcile may take to finish before the process exits anyway. */
    shutdownTimeoutMs: z.number().int().min(0).default(30_000),
  })
  .strict();
export type DaemonConfig = z.infer<typeof DaemonConfigSchema>;

/** Resolves the paths in the config relative to the config file's folder. */
function resolvePaths(config: DaemonConfig, baseDir: string): DaemonConfig {
  const abs = (p: string) => path.resolve(baseDir, p);
  return {
    ...config,
    auditLog: abs(config.auditLog),
    lockFile: abs(config.lockFile),
    source: {
      git: config.source.git && {
        ...config.source.git,
        checkoutDir: abs(config.source.git.checkoutDir),
        verify: config.source.git.verify && {
          ...config.source.git.verify,
          allowedSignersFile:
            config.source.git.verify.allowedSignersFile && abs(config.source.git.verify.allowedSignersFile),
          gpgPublicKeyFiles: config.source.git.verify.gpgPublicKeyFiles?.map(abs),
        },
      },
      local: config.source.local && { ...config.source.local, dir: abs(config.source.local.dir) },
    },
  };
}

/**
 * The state files' defaults carry the environment (`/var/lib/msk-gitops/prod/…`), so a staging and a production
 * controller on one host never share a lock, an audit log or a checkout. `default` keeps the historical paths.
 */
function withEnvironmentDefaults(config: DaemonConfig, raw: unknown): DaemonConfig {
  if (config.environment === 'default') return config;
  const given = (raw ?? {}) as { lockFile?: unknown; auditLog?: unknown; source?: { git?: { checkoutDir?: unknown } } };
  const state = `/var/lib/msk-gitops/${config.environment}`;
  return {
    ...config,
    lockFile: given.lockFile === undefined ? `${state}/msk-gitops.lock` : config.lockFile,
    auditLog: given.auditLog === undefined ? `${state}/audit.jsonl` : config.auditLog,
    source: {
      ...config.source,
      git: config.source.git && {
        ...config.source.git,
        checkoutDir: given.source?.git?.checkoutDir === undefined ? `${state}/checkout` : config.source.git.checkoutDir,
      },
    },
  };
}

/** Parses and validates a config text; `file` names it in messages and anchors relative paths. */
export function parseDaemonConfig(text: string, file: string): DaemonConfig {
  const { doc, placeOf: where, syntaxProblems } = parseConfigDocument(text, file);
  if (syntaxProblems.length > 0) throw new ConfigError(syntaxProblems);
  const raw = doc.toJS();
  const result = DaemonConfigSchema.safeParse(raw);
  if (!result.success) {
    const problems = result.error.issues.flatMap((issue) => {
      const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
      return keys.map((extra) => {
        const route = extra === undefined ? issue.path : [...issue.path, extra];
        const name = route.map(String).join('.') || '(top level)';
        if (extra !== undefined) {
          const range = keyRangeOf(doc, route);
          return `${range ? where(range[0]) : file}: ${name}: unknown setting`;
        }
        const { node, found } = deepestNodeOn(doc, route);
        const at = node?.range ? where(node.range[0]) : file;
        return found ? `${at}: ${name}: ${issue.message}` : `${at}: missing setting "${name}": ${issue.message}`;
      });
    });
    throw new ConfigError(problems);
  }
  const config = resolvePaths(withEnvironmentDefaults(result.data, raw), path.dirname(path.resolve(file)));
  const missing = unreadableFiles(config).map(({ route, file: named, code }) => {
    const { node } = deepestNodeOn(doc, route);
    const at = node?.range ? where(node.range[0]) : file;
    return `${at}: ${route.join('.')}: cannot read ${named} (${code})`;
  });
  if (missing.length > 0) throw new ConfigError(missing);
  return config;
}

/** Files the config names that must be there before the controller starts (a missing signer file is not "trust all"). */
function unreadableFiles(config: DaemonConfig): { route: (string | number)[]; file: string; code: string }[] {
  const verify = config.source.git?.verify;
  const named: { route: (string | number)[]; file: string }[] = [];
  if (verify?.allowedSignersFile)
    named.push({ route: ['source', 'git', 'verify', 'allowedSignersFile'], file: verify.allowedSignersFile });
  verify?.gpgPublicKeyFiles?.forEach((file, i) =>
    named.push({ route: ['source', 'git', 'verify', 'gpgPublicKeyFiles', i], file }),
  );
  return named.flatMap(({ route, file }) => {
    try {
      accessSync(file, constants.R_OK);
      return [];
    } catch (error) {
      return [{ route, file, code: (error as NodeJS.ErrnoException).code ?? 'error' }];
    }
  });
}

export function loadDaemonConfig(file: string): DaemonConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError([
      `${file}: cannot read the config file (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
    ]);
  }
  return parseDaemonConfig(text, file);
}
