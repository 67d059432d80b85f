/** Expressions of the supported KQL subset. */
export type Expr =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "path"; root: string; steps: (string | number)[] }
  | { kind: "call"; name: string; args: Expr[]; pos: number }
  | { kind: "not"; operand: Expr }
  | { kind: "logical"; op: "and" | "or"; left: Expr; right: Expr }
  | { kind: "compare"; op: string; left: Expr; right: Expr }
  | { kind: "in"; negated: boolean; caseInsensitive: boolean; operand: Expr; list: Expr[] };

/** A named column expression of `project` and `extend`. */
export interface Column {
  name: string;
  expr: Expr;
}

/** One stage after the table. */
export type Stage =
  | { kind: "where"; predicate: Expr }
  | { kind: "project"; columns: Column[] }
  | { kind: "project-away"; names: string[] }
  | { kind: "extend"; columns: Column[] }
  | { kind: "order"; keys: { expr: Expr; descending: boolean }[] }
  | { kind: "take"; count: number };

/** A parsed query: a table and its stages. */
export interface Query {
  table: string;
  stages: Stage[];
}
