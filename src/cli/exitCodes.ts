/** Process exit codes of `cmkr`, the same for every command. */
export const exitCodes = {
  /** The command did what was asked. */
  ok: 0,
  /** The command ran but failed (Azure refused, a port was taken, an action failed). */
  failure: 1,
  /** The command line or an input file is wrong; nothing was done. */
  usage: 2,
} as const;

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
