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
  /** Resolves to the process exit code. Throw UsageError for bad arguments (exit 2). */
  run(ctx: CommandContext): Promise<number>;
}

/** Bad arguments: printed with the command's usage, exit code 2, never a stack trace. */
export class UsageError extends Error {}

/** An error whose message is meant for the user as it is (exit 1, no stack trace). */
export class UserFacingError extends Error {}
