/** Process exit codes of `cmkr`, the same for every command. */
export const exitCodes = {
  /** The command did what was asked. */
  ok: 0,
  /**
   * The command ran but failed (Azure refused, a port was taken, an action failed), or `scan
   * --fail-on` found a finding at or above the severity given.
   */
  failure: 1,
  /** The command line or an input file is wrong, or there was nothing to do; nothing was done. */
  usage: 2,
  /** Stopped by Ctrl-C (SIGINT) or SIGTERM after reporting what was done (128 + SIGINT's 2). */
  interrupted: 130,
} as const;

/** One of {@link exitCodes}. */
export type ExitCode = (typeof exitCodes)[keyof typeof exitCodes];
