/** Where progress is drawn: a terminal stream (stderr), or anything shaped like one in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  readonly columns?: number;
  write(text: string): unknown;
}

/** A one-line status redrawn in place while a command runs. */
export interface Progress {
  /** Sets the status; drawn at most once per interval. Takes a function so an unseen line costs nothing. */
  update(line: () => string): void;
  /** Erases the line for a message printed meanwhile; the next update draws it again. */
  clear(): void;
  /** Erases the line (before the command prints its result or an error). Safe to call twice. */
  done(): void;
}

/** Options of {@link createProgress}. */
export interface ProgressOptions {
  /** Machine output was asked for (`--json`): no progress. */
  readonly json?: boolean;
  readonly env?: NodeJS.ProcessEnv;
  /** Least time between two redraws, and before the first one (so short runs draw nothing). */
  readonly intervalMs?: number;
  readonly now?: () => number;
}

const silent: Progress = { update: () => undefined, clear: () => undefined, done: () => undefined };

function truthy(value: string | undefined): boolean {
  return value !== undefined && value !== "" && value !== "0" && value.toLowerCase() !== "false";
}

/**
 * Whether progress belongs on `stream`: only an interactive terminal, and not when output is for
 * machines (`--json`), in CI (`CI`), or on a terminal that cannot move the cursor (`TERM=dumb`).
 * Progress never uses colour, so `NO_COLOR` has nothing to turn off.
 */
export function progressWanted(stream: ProgressStream | undefined, options: ProgressOptions = {}): boolean {
  const env = options.env ?? process.env;
  return (
    stream?.isTTY === true && options.json !== true && !truthy(env.CI) && env.TERM?.toLowerCase() !== "dumb"
  );
}

/**
 * A progress line on `stream` when {@link progressWanted}, else one that does nothing. Redraws in
 * place (carriage return, erase to end of line), cut to the terminal width, throttled to one draw
 * per `intervalMs` (100 ms by default).
 */
export function createProgress(stream: ProgressStream | undefined, options: ProgressOptions = {}): Progress {
  if (stream === undefined || !progressWanted(stream, options)) return silent;
  const now = options.now ?? Date.now;
  const interval = options.intervalMs ?? 100;
  let last = now();
  let drawn = false;
  let finished = false;
  return {
    update(line) {
      if (finished) return;
      const t = now();
      if (t - last < interval) return;
      last = t;
      // A terminal that does not report its width (0) gets the classic 80 columns.
      const width = Math.max(
        20,
        (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80) - 1,
      );
      const text = line();
      stream.write(`\r${text.length > width ? `${text.slice(0, width - 1)}…` : text}\x1b[K`);
      drawn = true;
    },
    clear() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
    done() {
      if (finished) return;
      finished = true;
      if (drawn) stream.write("\r\x1b[K");
    },
  };
}
