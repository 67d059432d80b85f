import type { BinaryOperator, ColumnDef, Expr, PathStep, SortKey, Stage } from "./kqlAst.js";
import {
  hasTerm,
  isEmpty,
  isNull,
  kqlEquals,
  kqlNotEquals,
  kqlRelation,
  kqlToString,
  compareValues,
  type Tri,
} from "./kqlValues.js";

/** One row: column name to value. Rows handed in are never modified. */
export type Row = Readonly<Record<string, unknown>>;

function step(value: unknown, key: PathStep): unknown {
  if (isNull(value) || typeof value !== "object") return null;
  if (Array.isArray(value)) {
    if (typeof key !== "number") return null;
    const item: unknown = value[key < 0 ? value.length + key : key];
    return item ?? null;
  }
  if (typeof key !== "string" || !Object.hasOwn(value, key)) return null;
  return (value as Record<string, unknown>)[key] ?? null;
}

function asTri(value: unknown): Tri {
  return typeof value === "boolean" ? value : null;
}

function and(left: Tri, right: () => Tri): Tri {
  if (left === false) return false;
  const r = right();
  if (r === false) return false;
  return left === null || r === null ? null : true;
}

function or(left: Tri, right: () => Tri): Tri {
  if (left === true) return true;
  const r = right();
  if (r === true) return true;
  return left === null || r === null ? null : false;
}

function binary(op: BinaryOperator, left: unknown, right: unknown): Tri {
  switch (op) {
    case "==":
      return kqlEquals(left, right);
    case "!=":
      return kqlNotEquals(left, right);
    case "<":
    case "<=":
    case ">":
    case ">=":
      return kqlRelation(op, left, right);
    default:
      break;
  }
  // String operators read both sides as text (null is ""), case-insensitively.
  const l = kqlToString(left).toLowerCase();
  const r = kqlToString(right).toLowerCase();
  switch (op) {
    case "=~":
      return l === r;
    case "!~":
      return l !== r;
    case "contains":
      return l.includes(r);
    case "!contains":
      return !l.includes(r);
    case "startswith":
      return l.startsWith(r);
    case "!startswith":
      return !l.startsWith(r);
    case "endswith":
      return l.endsWith(r);
    case "!endswith":
      return !l.endsWith(r);
    case "has":
      return hasTerm(l, r);
    case "!has":
      return !hasTerm(l, r);
  }
}

/** Evaluates a scalar expression over a row; missing values are `null`, never `undefined`. */
export function evaluate(expr: Expr, row: Row): unknown {
  switch (expr.kind) {
    case "literal":
      return expr.value;
    case "column": {
      let value: unknown = Object.hasOwn(row, expr.name) ? row[expr.name] : null;
      for (const s of expr.steps) value = step(value, s);
      return value ?? null;
    }
    case "not": {
      const operand = asTri(evaluate(expr.operand, row));
      return operand === null ? null : !operand;
    }
    case "logical": {
      const left = asTri(evaluate(expr.left, row));
      const right = (): Tri => asTri(evaluate(expr.right, row));
      return expr.op === "and" ? and(left, right) : or(left, right);
    }
    case "binary":
      return binary(expr.op, evaluate(expr.left, row), evaluate(expr.right, row));
    case "in": {
      const value = evaluate(expr.operand, row);
      if (expr.op === "in" || expr.op === "!in") {
        const found = expr.list.some((item) => kqlEquals(value, evaluate(item, row)) === true);
        return expr.op === "in" ? found : !found;
      }
      const text = kqlToString(value).toLowerCase();
      const found = expr.list.some((item) => kqlToString(evaluate(item, row)).toLowerCase() === text);
      return expr.op === "in~" ? found : !found;
    }
    case "call": {
      const args = expr.args.map((a) => evaluate(a, row));
      const first = args[0];
      switch (expr.name) {
        case "tostring":
          return kqlToString(first);
        case "tolower":
          return kqlToString(first).toLowerCase();
        case "toupper":
          return kqlToString(first).toUpperCase();
        case "strcat":
          return args.map(kqlToString).join("");
        case "isempty":
          return isEmpty(first);
        case "isnotempty":
          return !isEmpty(first);
        case "isnull":
          return isNull(first);
        case "isnotnull":
          return !isNull(first);
      }
    }
  }
}

function* where(rows: Iterable<Row>, predicate: Expr): Iterable<Row> {
  for (const row of rows) if (evaluate(predicate, row) === true) yield row;
}

function* project(rows: Iterable<Row>, columns: readonly ColumnDef[]): Iterable<Row> {
  for (const row of rows) {
    const out: Record<string, unknown> = {};
    for (const c of columns) out[c.name] = evaluate(c.expr, row);
    yield out;
  }
}

function* extend(rows: Iterable<Row>, columns: readonly ColumnDef[]): Iterable<Row> {
  for (const row of rows) {
    const out: Record<string, unknown> = { ...row };
    for (const c of columns) out[c.name] = evaluate(c.expr, out);
    yield out;
  }
}

function* projectAway(rows: Iterable<Row>, names: readonly string[]): Iterable<Row> {
  for (const row of rows) {
    const out: Record<string, unknown> = { ...row };
    for (const name of names) Reflect.deleteProperty(out, name);
    yield out;
  }
}

function* take(rows: Iterable<Row>, count: number): Iterable<Row> {
  if (count <= 0) return;
  let n = 0;
  for (const row of rows) {
    yield row;
    if (++n >= count) return;
  }
}

function* sort(rows: Iterable<Row>, keys: readonly SortKey[]): Iterable<Row> {
  const decorated = [...rows].map((row) => ({ row, values: keys.map((k) => evaluate(k.expr, row)) }));
  decorated.sort((a, b) => {
    for (const [i, key] of keys.entries()) {
      const x = a.values[i];
      const y = b.values[i];
      const nullX = isNull(x);
      const nullY = isNull(y);
      if (nullX || nullY) {
        if (nullX && nullY) continue;
        return nullX === key.nullsFirst ? -1 : 1;
      }
      const c = compareValues(x, y);
      if (c !== 0) return key.descending ? -c : c;
    }
    return 0;
  });
  for (const d of decorated) yield d.row;
}

/**
 * Runs the stages over the rows lazily: only `order by` holds every row at once, and `take` stops
 * reading its input early. The sort is stable, so ties keep their input order.
 */
export function runStages(rows: Iterable<Row>, stages: readonly Stage[]): Iterable<Row> {
  let current = rows;
  for (const stage of stages) {
    switch (stage.kind) {
      case "where":
        current = where(current, stage.predicate);
        break;
      case "project":
        current = project(current, stage.columns);
        break;
      case "extend":
        current = extend(current, stage.columns);
        break;
      case "project-away":
        current = projectAway(
          current,
          stage.names.map((n) => n.name),
        );
        break;
      case "order":
        current = sort(current, stage.keys);
        break;
      case "take":
        current = take(current, stage.count);
        break;
    }
  }
  return current;
}
