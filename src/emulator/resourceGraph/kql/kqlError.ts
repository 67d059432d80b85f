/** Stable codes of KQL errors. */
export type KqlErrorCode = "UnsupportedKqlConstruct" | "InvalidKql";

/**
 * A query the emulator cannot answer exactly: either outside the supported subset (named, with its
 * position) or malformed. Never a silently wrong answer.
 */
export class KqlError extends Error {
  constructor(
    readonly code: KqlErrorCode,
    /** The construct, e.g. `summarize`, `join`, `function parse_json`. */
    readonly construct: string,
    readonly position: number,
    detail?: string,
  ) {
    super(
      code === "UnsupportedKqlConstruct"
        ? `Unsupported KQL construct '${construct}' at position ${position}${detail === undefined ? "" : `: ${detail}`}`
        : `Invalid KQL at position ${position} near '${construct}'${detail === undefined ? "" : `: ${detail}`}`,
    );
    this.name = "KqlError";
  }
}
