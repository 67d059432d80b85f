import { bindQuery, type KqlColumn } from "./kqlBinder.js";
import { KqlError } from "./kqlError.js";
import { runStages, type Row } from "./kqlEvaluate.js";
import { parseKql } from "./kqlParser.js";

/** A table a query can read: its columns (with types) and its rows. */
export interface KqlTable {
  readonly columns: readonly KqlColumn[];
  readonly rows: Iterable<Row>;
}

/** What a query produced. */
export interface KqlResult {
  /** The result columns, in order, with their types. */
  readonly columns: KqlColumn[];
  readonly rows: Row[];
  /** Whether the query limits its own rows with `take`/`limit` (Resource Graph then does not page). */
  readonly limited: boolean;
}

/**
 * Parses, checks and runs a query of the supported KQL subset over `tables`, keyed by lower-case
 * name (Resource Graph's table names are case-insensitive). Anything outside the subset, or any
 * query Azure would reject, throws a {@link KqlError}.
 */
export function runKql(query: string, tables: ReadonlyMap<string, KqlTable>): KqlResult {
  const parsed = parseKql(query);
  const table = tables.get(parsed.table.toLowerCase());
  if (table === undefined) {
    throw new KqlError(
      "UnsupportedKqlConstruct",
      `table '${parsed.table}'`,
      parsed.tablePos,
      `supported tables: ${[...tables.keys()].join(", ")}`,
    );
  }
  const columns = bindQuery(parsed, table.columns);
  return {
    columns,
    rows: [...runStages(table.rows, parsed.stages)],
    limited: parsed.stages.some((s) => s.kind === "take"),
  };
}

export type { KqlColumn } from "./kqlBinder.js";
export type { Row } from "./kqlEvaluate.js";
export { KqlError, type KqlErrorCode } from "./kqlError.js";
