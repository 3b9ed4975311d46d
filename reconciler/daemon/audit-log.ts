/**
 * The audit log: one JSON line per applied change (commit, time, result), append-only. Each line goes out in a
 * single write(2) on a file opened with O_APPEND and is fsynced, so concurrent appends never interleave and a crash
 * leaves at most a missing last line, never a torn one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { RunReport } from './controller';

export interface AuditEntry {
  time: string;
  revision: string | null;
  trigger: string;
  /** `before` and `after` as the plan has them (a plan never holds a secret). */
  change: { id: string; kind: string; action: string; resource: string; before: unknown; after: unknown };
  result: 'ok' | 'failed';
  error?: string;
}

/** A head commit refused for its signature, or the verified commit that ended the refusal. */
export interface AuditSignatureEvent {
  time: string;
  revision: string;
  event: 'commit-refused' | 'commit-verified';
  /** Why it was refused, or who signed the verified commit. */
  detail: string;
}

export function auditEntries(report: RunReport, time: string): AuditEntry[] {
  return report.outcome.results.map((result) => ({
    time,
    revision: report.revision,
    trigger: report.trigger,
    change: {
      id: result.change.id,
      kind: result.change.kind,
      action: result.change.action,
      resource: result.change.resource,
      before: result.change.before ?? null,
      after: result.change.after ?? null,
    },
    result: result.ok ? 'ok' : 'failed',
    ...(result.ok ? {} : { error: result.error ?? 'failed' }),
  }));
}

export class AuditLog {
  /** `environment`, when given, is written on every line: two controllers' logs read together stay apart. */
  constructor(
    readonly file: string,
    readonly environment?: string,
  ) {
    mkdirSync(path.dirname(file), { recursive: true });
  }

  append(entries: (AuditEntry | AuditSignatureEvent)[]): void {
    if (entries.length === 0) return;
    const fd = openSync(this.file, 'a', 0o640);
    try {
      for (const entry of entries) {
        const line = this.environment === undefined ? entry : { environment: this.environment, ...entry };
        writeSync(fd, `${JSON.stringify(line)}\n`);
      }
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
