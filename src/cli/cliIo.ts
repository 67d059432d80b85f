import type { ProgressStream } from "./progress.js";
import type { WidthSource } from "./terminalWidth.js";

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
  /** What `out` writes to, for the width of tables (absent: not a terminal, 80 columns or `COLUMNS`). */
  readonly outStream?: WidthSource;
  /**
   * Resolves on the first Ctrl-C (SIGINT) or SIGTERM while a long command runs; the command then
   * stops taking new work. Absent: the process's own signals.
   */
  readonly interrupt?: () => { readonly signal: Promise<NodeJS.Signals>; dispose(): void };
}

/** The process's own stdout and stderr. */
export const processIo: CliIo = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  progress: process.stderr,
  outStream: {
    get columns() {
      return process.stdout.columns;
    },
    get isTTY() {
      return process.stdout.isTTY;
    },
  },
};
