import type { ProgressStream } from "./progress.js";

/**
 * Where a command writes. Commands never touch `process.stdout` directly, so tests can run them
 * in-process and read what a user would see.
 */
export interface CliIo {
  /** Normal output (results, endpoints, ready lines). */
  readonly out: (text: string) => void;
  /** Diagnostics and errors. */
  readonly err: (text: string) => void;
  /** The terminal stream progress is drawn on (stderr); absent where nothing may be drawn. */
  readonly progress?: ProgressStream;
}

/** The process's own stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stderr,
};
