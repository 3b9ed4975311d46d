#!/usr/bin/env node
/** `msk-gitops`: routes to a subcommand; turns errors into messages and exit codes, never a stack trace. */
import { commands } from './cli/commands';
import { USAGE_EXIT_CODE, type CommandContext } from './cli/command';
import { UsageError, UserFacingError } from './shared/errors';

function help(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length));
  const lines = Object.entries(commands).map(([name, cmd]) => `  ${name.padEnd(width)}  ${cmd.summary}`);
  return `usage: msk-gitops <command> [options]\n\ncommands:\n${lines.join('\n')}\n\nmsk-gitops <command> --help shows a command's options.\n`;
}

export async function main(argv: string[], ctx: Omit<CommandContext, 'argv'>): Promise<number> {
  const [name, ...rest] = argv;
  // Bad arguments exit 1, never 2: 2 means "changes present" to `plan --detailed-exitcode` and `drift`, so a typo in
  // a pipeline (`pln`, `--detailed-exitcod`, a missing KAFKA_BOOTSTRAP_SERVERS) must never read as success.
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    ctx.stdout.write(help());
    return name ? 0 : USAGE_EXIT_CODE;
  }
  const entry = Object.hasOwn(commands, name) ? commands[name] : undefined;
  if (!entry) {
    ctx.stderr.write(`msk-gitops: unknown command "${name}"\n\n${help()}`);
    return USAGE_EXIT_CODE;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(`usage: ${command.usage}\n\n${entry.summary}\n`);
    return 0;
  }
  try {
    return await command.run({ ...ctx, argv: rest });
  } catch (error) {
    // parseArgs errors are TypeErrors from another realm under jest, so they are known by their code, not their class.
    const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as {
      code?: unknown;
      message?: unknown;
    };
    if (error instanceof UsageError || String(code ?? '').startsWith('ERR_PARSE_ARGS')) {
      ctx.stderr.write(`msk-gitops ${name}: ${String(message)}\nusage: ${command.usage}\n`);
      return USAGE_EXIT_CODE;
    }
    ctx.stderr.write(`msk-gitops ${name}: ${typeof message === 'string' ? message : String(error)}\n`);
    if (!(error instanceof UserFacingError) && process.env.MSK_GITOPS_DEBUG)
      ctx.stderr.write(`${(error as Error).stack}\n`);
    return 1;
  }
}

/** `main` on this process's arguments, streams and exit code: both entry points (bin/, `tsx reconciler/cli.ts`). */
export function runAsProcess(): void {
  void main(process.argv.slice(2), {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
  }).then((code) => {
    process.exitCode = code;
  });
}

if (require.main === module) runAsProcess();
