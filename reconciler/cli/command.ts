/** The shape every `msk-gitops` subcommand has; the dispatcher in ../cli.ts only routes to these (its one-line
 * summary lives in ./commands.ts, so `msk-gitops --help` loads no command's module). */
export interface CommandContext {
  argv: string[];
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

export interface Command {
  usage: string;
  /** Resolves to the process exit code. Throw UsageError for bad arguments (exit USAGE_EXIT_CODE). */
  run(ctx: CommandContext): Promise<number>;
}

/**
 * The exit code of bad arguments, for every command: 1, like any error. Never 2, which `plan --detailed-exitcode` and
 * `drift` return for "changes present": a pipeline must not read a typo as success with changes.
 */
export const USAGE_EXIT_CODE = 1;

/** The manifests folder a command reads when none is given (`npm start`'s example manifests). */
export const DEFAULT_MANIFESTS_DIR = 'desired-state';
