import type { SourcePos } from "./kqlAst.js";

/**
 * Stable codes of KQL errors: `UnsupportedKqlConstruct` for valid KQL outside the emulator's
 * subset, `InvalidKql` for a query Azure would reject too.
 */
export type KqlErrorCode = "UnsupportedKqlConstruct" | "InvalidKql";

/**
 * A query the emulator will not answer: outside the supported subset or malformed. The message
 * names the construct and where it starts, so a wrong answer is never returned silently.
 */
export class KqlError extends Error {
  /** 0-based offset into the query. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;

  constructor(
    readonly code: KqlErrorCode,
    /** The construct, e.g. `operator 'summarize'`, `function 'parse_json()'`, `column 'nmae'`. */
    readonly construct: string,
    at: SourcePos,
    /** Why, or what would work instead. */
    readonly detail?: string,
  ) {
    const where = `at line ${at.line}, column ${at.column}`;
    const why = detail === undefined ? "" : `: ${detail}`;
    super(
      code === "UnsupportedKqlConstruct"
        ? `Unsupported KQL construct ${construct} ${where}${why}`
        : `Invalid KQL: ${construct} ${where}${why}`,
    );
    this.name = "KqlError";
    this.offset = at.offset;
    this.line = at.line;
    this.column = at.column;
  }
}
