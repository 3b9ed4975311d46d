import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseDaemonConfig } from '../../../reconciler/daemon/config';
import { tryAcquireLock } from '../../../reconciler/daemon/lock';
import { AuditLog } from '../../../reconciler/daemon/audit-log';
import { ConfigError, LockHeldError } from '../../../reconciler/shared/errors';

function problems(text: string): string[] {
  try {
    parseDaemonConfig(text, '/etc/msk-gitops/config.json');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('daemon config', () => {
  it('fills defaults and resolves paths against the config file', () => {
    const config = parseDaemonConfig(
      JSON.stringify({
        connection: { bootstrapServers: ['b-1:9096'], auth: 'plaintext', tls: true },
        source: { git: { url: 'https://github.com/acme/kafka.git', path: 'desired-state', checkoutDir: 'checkout' } },
      }),
      '/etc/msk-gitops/config.json',
    );
    expect(config.source.git).toMatchObject({
      branch: 'main',
      schedule: '* * * * *',
      checkoutDir: '/etc/msk-gitops/checkout',
    });
    expect(config.modes).toEqual({ topics: 'apply', acls: 'apply', users: 'apply', quotas: 'apply' });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('names every problem with file:line:column or the missing setting', () => {
    const text = [
      '{',
      '  "connection": {"bootstrapServers": ["b-1:9098"], "auth": "plaintext"},',
      '  "source": {"git": {"url": "https://x", "schedule": "every minute"}},',
      '  "modes": {"acls": "heal"},',
      '  "slak": {}',
      '}',
    ].join('\n');
    expect(problems(text)).toEqual([
      '/etc/msk-gitops/config.json:3:54: source.git.schedule: not a valid cron expression',
      '/etc/msk-gitops/config.json:4:21: modes.acls: Invalid option: expected one of "apply"|"detect"|"suspend"',
      '/etc/msk-gitops/config.json:5:3: slak: unknown setting',
    ]);
    expect(problems('{"source": {"local": {"dir": "x"}}}')[0]).toMatch(
      /^\/etc\/msk-gitops\/config.json:1:1: missing setting "connection"/,
    );
    expect(problems('{"connection": {"bootstrapServers": ["a:1"], "auth": "plaintext"}, "source": {}}')).toEqual([
      '/etc/msk-gitops/config.json:1:78: source: set exactly one of "git" or "local"',
    ]);
  });
});

describe('daemon config: environments and notify', () => {
  const base = {
    connection: { bootstrapServers: ['b-1:9096'], auth: 'plaintext', tls: true },
    source: { git: { url: 'https://github.com/acme/kafka.git' } },
  };
  it('gives each environment its own lock, audit log and checkout unless they are set', () => {
    const prod = parseDaemonConfig(JSON.stringify({ ...base, environment: 'prod' }), '/etc/msk-gitops/prod.json');
    const staging = parseDaemonConfig(JSON.stringify({ ...base, environment: 'staging' }), '/etc/msk-gitops/s.json');
    expect(prod).toMatchObject({
      lockFile: '/var/lib/msk-gitops/prod/msk-gitops.lock',
      auditLog: '/var/lib/msk-gitops/prod/audit.jsonl',
      source: { git: { checkoutDir: '/var/lib/msk-gitops/prod/checkout' } },
    });
    expect(staging.lockFile).toBe('/var/lib/msk-gitops/staging/msk-gitops.lock');
    const unnamed = parseDaemonConfig(JSON.stringify(base), '/etc/msk-gitops/config.json');
    expect(unnamed.lockFile).toBe('/var/lib/msk-gitops/msk-gitops.lock');
    const set = parseDaemonConfig(
      JSON.stringify({ ...base, environment: 'prod', lockFile: 'x.lock' }),
      '/etc/a/c.json',
    );
    expect(set.lockFile).toBe('/etc/a/x.lock');
  });

  it('places a bad environment name and an unknown notify setting', () => {
    expect(
      problems(
        JSON.stringify({ ...base, environment: 'Prod', notify: { webhooks: [{ urlRef: { env: 'U' }, secret: 'x' }] } }),
      ),
    ).toEqual([
      expect.stringMatching(/^\/etc\/msk-gitops\/config\.json:1:\d+: environment: lowercase letters/),
      expect.stringMatching(/^\/etc\/msk-gitops\/config\.json:1:\d+: missing setting "notify\.webhooks\.0\.secretRef"/),
      expect.stringMatching(/^\/etc\/msk-gitops\/config\.json:1:\d+: notify\.webhooks\.0\.secret: unknown setting/),
    ]);
  });
});

describe('lock file', () => {
  it('lets one holder in, names it to the second, and takes over a dead holder', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lock-'));
    const file = path.join(dir, 'msk-gitops.lock');
    const lock = tryAcquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    expect(() => tryAcquireLock(file, process.pid + 1)).toThrow(LockHeldError);
    expect(() => tryAcquireLock(file, process.pid + 1)).toThrow(`(pid ${process.pid})`);
    lock.release();
    writeFileSync(file, '2147483646\n'); // no such process
    const taken = tryAcquireLock(file);
    expect(readFileSync(file, 'utf8')).toBe(`${process.pid}\n`);
    taken.release();
  });
});

describe('audit log', () => {
  it('appends whole JSON lines', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'audit-')), 'sub', 'audit.jsonl');
    const log = new AuditLog(file);
    const entry = {
      time: 't',
      revision: 'c1',
      trigger: 'x',
      change: { id: 'a', kind: 'acl', action: 'create', resource: 'a', before: null, after: { n: 1 } },
      result: 'ok' as const,
    };
    log.append([entry, entry]);
    log.append([entry]);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 3).map((l) => JSON.parse(l))).toEqual([entry, entry, entry]);
  });
});
