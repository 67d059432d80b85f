import type { Expr, KqlType, Query, SourcePos } from "./kqlAst.js";
import { KqlError } from "./kqlError.js";

/** A column of a table or of a result, with its KQL type. */
export interface KqlColumn {
  readonly name: string;
  readonly type: KqlType;
}

type Schema = Map<string, KqlType>;

function isNumeric(type: KqlType): boolean {
  return type === "long" || type === "real";
}

function unknownColumn(name: string, pos: SourcePos, schema: Schema): KqlError {
  const lower = name.toLowerCase();
  const near = [...schema.keys()].find((c) => c.toLowerCase() === lower);
  return new KqlError(
    "InvalidKql",
    `unknown column '${name}'`,
    pos,
    near === undefined
      ? `available columns: ${[...schema.keys()].join(", ")}`
      : `column names are case-sensitive; did you mean '${near}'?`,
  );
}

function requireBool(type: KqlType, what: string, pos: SourcePos): void {
  if (type !== "bool" && type !== "dynamic") {
    throw new KqlError(
      "InvalidKql",
      `${what} of type ${type}`,
      pos,
      "expected a boolean expression, e.g. x == 'y'",
    );
  }
}

function requireComparable(left: KqlType, right: KqlType, op: string, pos: SourcePos): void {
  if (left === "dynamic" || right === "dynamic" || left === right) return;
  if (isNumeric(left) && isNumeric(right)) return;
  throw new KqlError(
    "InvalidKql",
    `'${op}' between ${left} and ${right}`,
    pos,
    "both sides need the same type",
  );
}

/** The type of an expression over a schema; unknown columns and type clashes are errors, as in Azure. */
function typeOf(expr: Expr, schema: Schema): KqlType {
  switch (expr.kind) {
    case "literal":
      return expr.type;
    case "column": {
      const type = schema.get(expr.name);
      if (type === undefined) throw unknownColumn(expr.name, expr.pos, schema);
      if (expr.steps.length === 0) return type;
      if (type !== "dynamic") {
        throw new KqlError(
          "InvalidKql",
          `property access on '${expr.name}'`,
          expr.pos,
          `'${expr.name}' is a ${type}; only dynamic columns have properties`,
        );
      }
      return "dynamic";
    }
    case "call": {
      for (const arg of expr.args) typeOf(arg, schema);
      return expr.name === "tostring" ||
        expr.name === "tolower" ||
        expr.name === "toupper" ||
        expr.name === "strcat"
        ? "string"
        : "bool";
    }
    case "not":
      requireBool(typeOf(expr.operand, schema), "not() argument", expr.pos);
      return "bool";
    case "logical":
      requireBool(typeOf(expr.left, schema), `left side of '${expr.op}'`, expr.left.pos);
      requireBool(typeOf(expr.right, schema), `right side of '${expr.op}'`, expr.right.pos);
      return "bool";
    case "binary": {
      const left = typeOf(expr.left, schema);
      const right = typeOf(expr.right, schema);
      if (["==", "!=", "<", "<=", ">", ">="].includes(expr.op))
        requireComparable(left, right, expr.op, expr.pos);
      return "bool";
    }
    case "in": {
      const operand = typeOf(expr.operand, schema);
      for (const item of expr.list) {
        const type = typeOf(item, schema);
        if (expr.op === "in" || expr.op === "!in") requireComparable(operand, type, expr.op, item.pos);
      }
      return "bool";
    }
  }
}

/**
 * Checks a parsed query against its table's columns, as Azure does before running it: every column
 * exists (names are case-sensitive), predicates are boolean, sort keys are not dynamic. Returns the
 * columns of the result, in order.
 */
export function bindQuery(query: Query, table: readonly KqlColumn[]): KqlColumn[] {
  let schema: Schema = new Map(table.map((c) => [c.name, c.type]));
  for (const stage of query.stages) {
    switch (stage.kind) {
      case "where":
        requireBool(typeOf(stage.predicate, schema), "where predicate", stage.predicate.pos);
        break;
      case "project": {
        const next: Schema = new Map();
        for (const column of stage.columns) {
          if (next.has(column.name)) {
            throw new KqlError(
              "InvalidKql",
              `duplicate column '${column.name}'`,
              column.pos,
              "give each column its own name",
            );
          }
          next.set(column.name, typeOf(column.expr, schema));
        }
        schema = next;
        break;
      }
      case "extend":
        // Each column sees the ones before it, as in KQL.
        for (const column of stage.columns) schema.set(column.name, typeOf(column.expr, schema));
        break;
      case "project-away":
        for (const { name, pos } of stage.names) {
          if (!schema.has(name)) throw unknownColumn(name, pos, schema);
          schema.delete(name);
        }
        break;
      case "order":
        for (const key of stage.keys) {
          if (typeOf(key.expr, schema) === "dynamic") {
            throw new KqlError(
              "InvalidKql",
              "sort key of type dynamic",
              key.expr.pos,
              "sort by a string or number, e.g. tostring(properties.x)",
            );
          }
        }
        break;
      case "take":
        break;
    }
  }
  return [...schema].map(([name, type]) => ({ name, type }));
}
