/** What decides the width of human output: the environment and the stream it goes to. */
export interface WidthSource {
  readonly env?: NodeJS.ProcessEnv;
  /** The output stream's width when it is a terminal (`process.stdout.columns`). */
  readonly columns?: number | undefined;
  readonly isTTY?: boolean | undefined;
}

/** Width assumed when output is not a terminal and `COLUMNS` does not say otherwise. */
export const defaultColumns = 80;

/**
 * The columns human output may use: `COLUMNS` when it is a positive whole number (a user's
 * override, and what shells export for scripts), else the terminal's own width, else 80 (piped or
 * redirected output, a terminal that reports 0). Never less than 40, so a table stays a table.
 */
export function terminalWidth(source: WidthSource): number {
  const fromEnv = (source.env ?? process.env).COLUMNS?.trim();
  if (fromEnv !== undefined && /^\d{1,5}$/.test(fromEnv) && Number(fromEnv) > 0) {
    return Math.max(40, Number(fromEnv));
  }
  if (source.isTTY === true && source.columns !== undefined && source.columns > 0) {
    return Math.max(40, source.columns);
  }
  return defaultColumns;
}
