/**
 * What the bench's parent and its measuring child say to each other. Each measurement runs in a fresh child process
 * so its peak RSS is its own (one size's heap never inflates the next); the child prints one result line.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { RequestCount } from './requests';

export interface MeasureJob {
  mode: 'offline';
  dir: string;
}

export interface MeasureResult {
  mode: MeasureJob['mode'];
  /** Wall time of the measured call only (not the child's start-up). */
  wallMs: number;
  requests: RequestCount;
  /** Peak resident set of the child at its end, KiB (process.resourceUsage().maxRSS). */
  maxRssKiB: number;
  /** Resident set after imports and before the measured call, KiB. */
  startRssKiB: number;
  validateMs?: number;
  planNoopMs?: number;
  planFromEmptyMs?: number;
  planFromEmptyChanges?: number;
  desiredTopics?: number;
  desiredAcls?: number;
}

export const RESULT_MARKER = 'MSK_GITOPS_BENCH_RESULT ';

/** Runs one measurement in a child Node (through tsx: the bench is a development tool). */
export function runMeasurement(job: MeasureJob, env: NodeJS.ProcessEnv): Promise<MeasureResult> {
  const script = path.join(__dirname, 'measure.ts');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(job)], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARKER));
      if (code !== 0 || !line) {
        reject(new Error(`bench measurement (${job.mode}) exited ${code}:\n${(stdout + stderr).slice(-3000)}`));
        return;
      }
      resolve(JSON.parse(line.slice(RESULT_MARKER.length)) as MeasureResult);
    });
  });
}
