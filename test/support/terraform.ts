/**
 * Real terraform for the stack suites: a CLI config that installs the AWS provider from the filesystem mirror named by
 * TF_PLUGIN_MIRROR (the folder above registry.terraform.io; CI sets it), and a runner for one stack directory.
 */
import { execFile } from 'node:child_process';
import { appendFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';

export const TF_PLUGIN_MIRROR = process.env.TF_PLUGIN_MIRROR;

/** Writes the CLI config into `work` and returns the environment terraform runs with (no user config, no telemetry). */
export function terraformEnvironment(work: string, mirror: string): NodeJS.ProcessEnv {
  const cliConfig = join(work, 'terraform.tfrc');
  writeFileSync(
    cliConfig,
    `provider_installation {\n  filesystem_mirror {\n    path = ${JSON.stringify(mirror)}\n  }\n}\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TF_CLI_CONFIG_FILE: cliConfig,
    TF_IN_AUTOMATION: '1',
    CHECKPOINT_DISABLE: '1',
  };
  delete env.TF_CLI_ARGS;
  return env;
}

export interface TerraformResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface TerraformStep {
  /** Exit codes that resolve (plan -detailed-exitcode answers 2 for "changes"); any other rejects. */
  accept?: number[];
  /** Ends terraform (SIGTERM: it stops and writes its state) after this long, so a stuck step fails with its output. */
  timeoutMs?: number;
}

/**
 * Runs terraform in `cwd`. A failure rejects with terraform's own output (the last lines of what it was doing), so a
 * failing step says what terraform said. Every run's output is appended to `cwd`/terraform.log and its duration
 * goes to stderr as it happens: a slow step on a loaded machine is seen while it runs.
 */
export function terraformIn(cwd: string, env: NodeJS.ProcessEnv) {
  return (args: string[], step: TerraformStep = {}): Promise<TerraformResult> =>
    new Promise((resolve, reject) => {
      const started = Date.now();
      execFile(
        'terraform',
        args,
        { cwd, env, maxBuffer: 256 * 1024 * 1024, timeout: step.timeoutMs ?? 0, killSignal: 'SIGTERM' },
        (error, stdout, stderr) => {
          const seconds = ((Date.now() - started) / 1000).toFixed(1);
          process.stderr.write(`  terraform ${args[0]} (${basename(cwd)}): ${seconds} s\n`);
          appendFileSync(
            join(cwd, 'terraform.log'),
            `\n$ terraform ${args.join(' ')}  (${seconds} s)\n${stdout}${stderr}`,
          );
          const failure = error as (Error & { code?: unknown; killed?: boolean; signal?: string }) | null;
          // Ended by a signal (our timeout), terraform has no exit code: that is a failure, never a 0.
          const code = failure ? (typeof failure.code === 'number' ? failure.code : -1) : 0;
          if (!failure || (step.accept ?? [0]).includes(code)) {
            resolve({ stdout, stderr, code });
            return;
          }
          const killed =
            failure.killed || failure.signal ? `, ended by ${failure.signal ?? 'a signal'} after ${seconds} s` : '';
          const tail = `${stdout}\n${stderr}`.trim().split('\n').slice(-40).join('\n');
          reject(new Error(`terraform ${args[0]} in ${cwd} failed (exit ${code}${killed}):\n${tail}`));
        },
      );
    });
}
