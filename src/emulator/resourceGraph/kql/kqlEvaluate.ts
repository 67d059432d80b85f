import type { Column, Expr, Query, Stage } from "./kqlAst.js";
import { KqlError } from "./kqlError.js";
import { parseKql } from "./kqlParser.js";

/** One row: column name to dynamic value. */
export type Row = Record<string, unknown>;

/** KQL's tostring: null and missing are "", objects are JSON. */
export function kqlToString(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

function column(row: Row, name: string): unknown {
  if (Object.hasOwn(row, name)) return row[name];
  // Column names are case-sensitive in KQL, but Resource Graph's own columns are often written in
  // other cases in queries (`Type`); fall back to a case-insensitive match.
  const lower = name.toLowerCase();
  for (const key of Object.keys(row)) if (key.toLowerCase() === lower) return row[key];
  return undefined;
}

function step(value: unknown, key: string | number): unknown {
  if (value === null || value === undefined) return undefined;
  if (typeof key === "number")
    return Array.isArray(value) ? (value as unknown[])[key < 0 ? value.length + key : key] : undefined;
  if (typeof value !== "object" || Array.isArray(value)) return undefined;
  const record = value as Record<string, unknown>;
  if (Object.hasOwn(record, key)) return record[key];
  return undefined;
}

function isEmpty(value: unknown): boolean {
  return value === null || value === undefined || value === "";
}

function tokensOf(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^a-z0-9_]+/)
    .filter((t) => t.length > 0);
}

/** `has`: the right side is a whole term (or a run of whole terms) of the left side. */
function hasTerm(haystack: string, needle: string): boolean {
  const terms = tokensOf(needle);
  if (terms.length === 0) return needle === "" ? true : haystack.toLowerCase().includes(needle.toLowerCase());
  const words = tokensOf(haystack);
  outer: for (let i = 0; i + terms.length <= words.length; i++) {
    for (let j = 0; j < terms.length; j++) if (words[i + j] !== terms[j]) continue outer;
    return true;
  }
  return false;
}

function equal(a: unknown, b: unknown): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  if (typeof a === "object" || typeof b === "object") return JSON.stringify(a) === JSON.stringify(b);
  if (typeof a === typeof b) return a === b;
  return kqlToString(a) === kqlToString(b);
}

function order(a: unknown, b: unknown): number {
  const nullA = a === null || a === undefined;
  const nullB = b === null || b === undefined;
  if (nullA || nullB) return nullA === nullB ? 0 : nullA ? -1 : 1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  const x = kqlToString(a);
  const y = kqlToString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function evaluate(expr: Expr, row: Row): unknown {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "path": {
      let value = column(row, expr.root);
      for (const s of expr.steps) value = step(value, s);
      return value;
    }
    case "not":
      return evaluate(expr.operand, row) !== true;
    case "logical": {
      const left = evaluate(expr.left, row) === true;
      if (expr.op === "and") return left && evaluate(expr.right, row) === true;
      return left || evaluate(expr.right, row) === true;
    }
    case "in": {
      const value = evaluate(expr.operand, row);
      const found = expr.list.some((item) => {
        const candidate = evaluate(item, row);
        return expr.caseInsensitive
          ? !isEmpty(value) && kqlToString(value).toLowerCase() === kqlToString(candidate).toLowerCase()
          : equal(value, candidate);
      });
      return expr.negated ? !found : found;
    }
    case "call":
      return call(expr, row);
    case "compare":
      return compare(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
  }
}

function compare(op: string, left: unknown, right: unknown): boolean {
  const l = kqlToString(left).toLowerCase();
  const r = kqlToString(right).toLowerCase();
  switch (op) {
    case "==":
      return equal(left, right);
    case "!=":
      // A missing value differs from any present one (and null != null is false, as in KQL).
      return !equal(left, right) && !(isEmpty(left) && isEmpty(right));
    case "=~":
      return !(left === null || left === undefined) && l === r;
    case "!~":
      return l !== r;
    case "<":
      return order(left, right) < 0 && left !== undefined && left !== null;
    case "<=":
      return order(left, right) <= 0 && left !== undefined && left !== null;
    case ">":
      return order(left, right) > 0;
    case ">=":
      return order(left, right) >= 0 && left !== undefined && left !== null;
    case "startswith":
      return l.startsWith(r);
    case "!startswith":
      return !l.startsWith(r);
    case "endswith":
      return l.endsWith(r);
    case "!endswith":
      return !l.endsWith(r);
    case "contains":
      return l.includes(r);
    case "!contains":
      return !l.includes(r);
    case "has":
      return hasTerm(l, r);
    case "!has":
      return !hasTerm(l, r);
    default:
      throw new KqlError("UnsupportedKqlConstruct", op, 0);
  }
}

function call(expr: Extract<Expr, { kind: "call" }>, row: Row): unknown {
  const args = expr.args.map((a) => evaluate(a, row));
  const [first] = args;
  switch (expr.name) {
    case "tostring":
      return kqlToString(first);
    case "tolower":
      return kqlToString(first).toLowerCase();
    case "toupper":
      return kqlToString(first).toUpperCase();
    case "isempty":
      return isEmpty(first);
    case "isnotempty":
      return !isEmpty(first);
    case "isnull":
      return first === null || first === undefined;
    case "isnotnull":
      return !(first === null || first === undefined);
    case "strcat":
      return args.map(kqlToString).join("");
    default:
      throw new KqlError("UnsupportedKqlConstruct", `function ${expr.name}()`, expr.pos);
  }
}

function project(row: Row, columns: readonly Column[]): Row {
  const out: Row = {};
  for (const c of columns) out[c.name] = evaluate(c.expr, row);
  return out;
}

function applyStage(rows: Row[], stage: Stage): Row[] {
  switch (stage.kind) {
    case "where":
      return rows.filter((r) => evaluate(stage.predicate, r) === true);
    case "project":
      return rows.map((r) => project(r, stage.columns));
    case "project-away": {
      const away = new Set(stage.names);
      return rows.map((r) => Object.fromEntries(Object.entries(r).filter(([name]) => !away.has(name))));
    }
    case "extend":
      return rows.map((r) => ({ ...r, ...project(r, stage.columns) }));
    case "order":
      return [...rows].sort((a, b) => {
        for (const key of stage.keys) {
          const c = order(evaluate(key.expr, a), evaluate(key.expr, b));
          if (c !== 0) return key.descending ? -c : c;
        }
        return 0;
      });
    case "take":
      return rows.slice(0, stage.count);
  }
}

/** The result of a query, and whether it limited its own rows (no paging then, as in Azure). */
export interface KqlResult {
  rows: Row[];
  limited: boolean;
}

/** Runs a parsed query over the rows of its table. */
export function evaluateQuery(query: Query, table: (name: string) => Iterable<Row>): KqlResult {
  let rows: Row[] = [];
  // Filter while reading, so a large table is never copied whole before the first `where`.
  const [firstStage, ...rest] = query.stages;
  for (const row of table(query.table)) {
    if (firstStage?.kind === "where") {
      if (evaluate(firstStage.predicate, row) === true) rows.push(row);
    } else {
      rows.push(row);
    }
  }
  for (const stage of firstStage?.kind === "where" ? rest : query.stages) rows = applyStage(rows, stage);
  return { rows, limited: query.stages.some((s) => s.kind === "take") };
}

/** Parses and runs a query of the supported subset. */
export function runKql(query: string, table: (name: string) => Iterable<Row>): KqlResult {
  return evaluateQuery(parseKql(query), table);
}
