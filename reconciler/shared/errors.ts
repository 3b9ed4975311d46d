/**
 * The errors msk-gitops raises on purpose, in one module low in the tree so every folder can throw and catch them
 * without importing a folder above it. Every one takes the standard `{ cause }` option (ES2022) and code that wraps an
 * error passes it, so a log or a debugger can follow the chain while the message stays the one a person reads.
 * The classes are flat (each extends Error) because callers tell them apart with `instanceof`.
 */

/** The message of anything thrown, for a person: an Error's message, anything else as a string. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Bad arguments: printed with the command's usage, exit code 1 (cli/command's USAGE_EXIT_CODE), never a stack trace. */
export class UsageError extends Error {}

/** An error whose message is meant for the user as it is (exit 1, no stack trace). */
export class UserFacingError extends Error {}

/** A connection setting that is missing or wrong; the message names the setting (flag, variable or config key). */
export class ConnectionSettingError extends Error {}

/** A secret reference (env, file, Secrets Manager) that cannot be resolved; the message names the reference, never a value. */
export class SecretResolutionError extends Error {}

/** An MSK IAM token that could not be signed (no AWS credentials, no region). */
export class IamTokenError extends Error {}

/** A plan the safety rules refused whole: nothing of it may be applied. */
export class PlanRefusedError extends Error {}

/** A controller config file with problems, each naming its setting. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('\n'));
  }
}

/** The controller config names an environment the manifests do not declare: the controller does not start. */
export class EnvironmentConfigError extends Error {}

/** A wait for the controller's lock that was called off (the process was asked to stop first). */
export class LockWaitAborted extends Error {}

/** Another controller holds the lock file. */
export class LockHeldError extends Error {
  constructor(
    readonly file: string,
    readonly pid: number,
  ) {
    super(`another msk-gitops controller (pid ${pid}) holds ${file}; stop it first, or pass --wait to wait for it`);
  }
}

/** One named step of a reconcile failed; the message is the cause's, the cause is kept. */
export class StepError<Step extends string = string> extends Error {
  constructor(
    readonly step: Step,
    cause: unknown,
  ) {
    super(errorMessage(cause), { cause });
  }
}

/** One attempt of a retried action failed; `retriable` says whether another attempt may succeed (see shared/retry). */
export class AttemptFailed extends Error {
  constructor(
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
