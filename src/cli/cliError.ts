import { exitCodes, type ExitCode } from "./exitCodes.js";

/**
 * An error meant for the person at the terminal: printed as `error: <message>` (never with a stack
 * trace) and ending the process with `exitCode`.
 */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    readonly code: string,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** Bad command-line input or input file: exit code 2. */
export function usageError(message: string, code = "UsageError"): CliError {
  return new CliError(message, exitCodes.usage, code);
}

/** The command could not do its work: exit code 1. */
export function failure(message: string, code = "Failure"): CliError {
  return new CliError(message, exitCodes.failure, code);
}

/** The one line printed for an error: its message, never its stack. */
export function errorLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return `error: ${message}`;
}
