/**
 * Output of an in-process `runCli` call, captured: `io` goes to `runCli`, `out`/`err` are read after.
 * Tables are laid out for a terminal `columns` wide (80 by default, as for piped output), whatever
 * `COLUMNS` the test process inherited.
 */
export function captureCliOutput(columns = 80) {
  let out = "";
  let err = "";
  return {
    io: {
      out: (t: string) => (out += t),
      err: (t: string) => (err += t),
      // Not a terminal (no colours), as wide as `columns` (COLUMNS, as a user would set it).
      outStream: { env: { COLUMNS: String(columns) }, isTTY: false },
    },
    get out() {
      return out;
    },
    get err() {
      return err;
    },
  };
}

/** The argv `runCli` expects for `cmkr <args>`. */
export const cliArgv = (...args: string[]): string[] => ["node", "cmkr", ...args];
