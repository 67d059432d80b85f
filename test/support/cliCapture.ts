/** Output of an in-process `runCli` call, captured: `io` goes to `runCli`, `out`/`err` are read after. */
export function captureCliOutput() {
  let out = "";
  let err = "";
  return {
    io: { out: (t: string) => (out += t), err: (t: string) => (err += t) },
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
