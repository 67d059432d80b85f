/** Where a token or node starts in the query text. */
export interface SourcePos {
  /** 0-based offset. */
  readonly offset: number;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

/** Scalar types of the subset; `dynamic` is a JSON value (object, array, scalar or null). */
export type KqlType = "string" | "long" | "real" | "bool" | "dynamic";

/** Case-sensitive and case-insensitive comparisons and the string operators. */
export type BinaryOperator =
  | "=="
  | "!="
  | "=~"
  | "!~"
  | "<"
  | "<="
  | ">"
  | ">="
  | "contains"
  | "!contains"
  | "startswith"
  | "!startswith"
  | "endswith"
  | "!endswith"
  | "has"
  | "!has";

/** List membership: `in` and `!in` are case-sensitive, the `~` forms are not. */
export type InOperator = "in" | "!in" | "in~" | "!in~";

/** Scalar functions of the subset. */
export type FunctionName =
  "tostring" | "tolower" | "toupper" | "strcat" | "isempty" | "isnotempty" | "isnull" | "isnotnull";

/** A step into a dynamic value: a property name or an array index (negative counts from the end). */
export type PathStep = string | number;

/** Expressions of the supported subset. */
export type Expr =
  | {
      readonly kind: "literal";
      readonly value: string | number | boolean;
      readonly type: KqlType;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "column";
      readonly name: string;
      readonly steps: readonly PathStep[];
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "call";
      readonly name: FunctionName;
      readonly args: readonly Expr[];
      readonly pos: SourcePos;
    }
  | { readonly kind: "not"; readonly operand: Expr; readonly pos: SourcePos }
  | {
      readonly kind: "logical";
      readonly op: "and" | "or";
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "binary";
      readonly op: BinaryOperator;
      readonly left: Expr;
      readonly right: Expr;
      readonly pos: SourcePos;
    }
  | {
      readonly kind: "in";
      readonly op: InOperator;
      readonly operand: Expr;
      readonly list: readonly Expr[];
      readonly pos: SourcePos;
    };

/** A column of `project` or `extend`: its output name and value. */
export interface ColumnDef {
  readonly name: string;
  readonly expr: Expr;
  readonly pos: SourcePos;
}

/** One key of `order by`. */
export interface SortKey {
  readonly expr: Expr;
  readonly descending: boolean;
  readonly nullsFirst: boolean;
}

/** One tabular operator after the table. */
export type Stage =
  | { readonly kind: "where"; readonly predicate: Expr; readonly pos: SourcePos }
  | { readonly kind: "project"; readonly columns: readonly ColumnDef[]; readonly pos: SourcePos }
  | {
      readonly kind: "project-away";
      readonly names: readonly { readonly name: string; readonly pos: SourcePos }[];
      readonly pos: SourcePos;
    }
  | { readonly kind: "extend"; readonly columns: readonly ColumnDef[]; readonly pos: SourcePos }
  | { readonly kind: "order"; readonly keys: readonly SortKey[]; readonly pos: SourcePos }
  | { readonly kind: "take"; readonly count: number; readonly pos: SourcePos };

/** A parsed query: a table and its stages, in order. */
export interface Query {
  /** The table name as written. */
  readonly table: string;
  readonly tablePos: SourcePos;
  readonly stages: readonly Stage[];
}
