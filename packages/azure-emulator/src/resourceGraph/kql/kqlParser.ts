import type {
  BinaryOperator,
  ColumnDef,
  Expr,
  FunctionName,
  InOperator,
  PathStep,
  Query,
  SortKey,
  SourcePos,
  Stage,
} from "./kqlAst.js";
import { KqlError } from "./kqlError.js";
import { tokenize, type Token } from "./kqlLexer.js";

/** Functions of the subset with their [min, max] argument counts. */
const functions: Readonly<Record<FunctionName, readonly [number, number]>> = {
  tostring: [1, 1],
  tolower: [1, 1],
  toupper: [1, 1],
  strcat: [1, 64],
  isempty: [1, 1],
  isnotempty: [1, 1],
  isnull: [1, 1],
  isnotnull: [1, 1],
};

function isFunctionName(name: string): name is FunctionName {
  return Object.hasOwn(functions, name);
}

const supportedOperators = ["where", "project", "project-away", "extend", "order", "sort", "take", "limit"];

/** Tabular operators of KQL outside the subset: named as unsupported rather than unknown. */
const knownOperators = new Set([
  "as",
  "consume",
  "count",
  "distinct",
  "evaluate",
  "facet",
  "filter",
  "find",
  "fork",
  "getschema",
  "invoke",
  "join",
  "lookup",
  "make-series",
  "mv-apply",
  "mv-expand",
  "parse",
  "parse-kv",
  "parse-where",
  "partition",
  "print",
  "project-keep",
  "project-rename",
  "project-reorder",
  "range",
  "reduce",
  "render",
  "sample",
  "sample-distinct",
  "scan",
  "search",
  "serialize",
  "summarize",
  "top",
  "top-hitters",
  "top-nested",
  "union",
]);

/** Statements and table-like sources that may open a query. */
const sourceKeywords = new Set([
  "let",
  "set",
  "declare",
  "union",
  "datatable",
  "print",
  "range",
  "find",
  "search",
  "evaluate",
]);

const comparisonOperators = new Set<string>(["==", "!=", "=~", "!~", "<", "<=", ">", ">="]);
const stringOperators = new Set<string>(["contains", "startswith", "endswith", "has"]);
/** String and list operators of KQL outside the subset. */
const knownUnsupportedWordOperators = new Set([
  "between",
  "contains_cs",
  "endswith_cs",
  "has_all",
  "has_any",
  "has_cs",
  "hasprefix",
  "hasprefix_cs",
  "hassuffix",
  "hassuffix_cs",
  "matches",
  "startswith_cs",
]);

class Parser {
  private index = 0;

  constructor(private readonly tokens: readonly Token[]) {}

  private peek(ahead = 0): Token {
    return this.tokens[Math.min(this.index + ahead, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "eof") this.index++;
    return token;
  }

  private isOp(text: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === "op" && token.text === text;
  }

  private isWord(word: string, ahead = 0): boolean {
    const token = this.peek(ahead);
    return token.kind === "ident" && token.text === word;
  }

  private describe(token: Token): string {
    return token.kind === "eof" ? "end of query" : `'${token.text}'`;
  }

  private expectOp(text: string, context: string): Token {
    const token = this.next();
    if (token.kind !== "op" || token.text !== text) {
      throw new KqlError(
        "InvalidKql",
        `unexpected ${this.describe(token)}`,
        token.pos,
        `expected '${text}' ${context}`,
      );
    }
    return token;
  }

  private expectIdent(context: string): Token {
    const token = this.next();
    if (token.kind !== "ident") {
      throw new KqlError(
        "InvalidKql",
        `unexpected ${this.describe(token)}`,
        token.pos,
        `expected ${context}`,
      );
    }
    return token;
  }

  parseQuery(): Query {
    const first = this.peek();
    if (first.kind === "ident" && sourceKeywords.has(first.text)) {
      const construct =
        first.text === "let" || first.text === "set" || first.text === "declare"
          ? `'${first.text}' statement`
          : `'${first.text}'`;
      throw new KqlError(
        "UnsupportedKqlConstruct",
        construct,
        first.pos,
        "a query starts with a table name: resources or resourcecontainers",
      );
    }
    const table = this.expectIdent("a table name, e.g. resources");
    if (supportedOperators.includes(table.text) || knownOperators.has(table.text)) {
      throw new KqlError(
        "InvalidKql",
        `query starting with operator '${table.text}'`,
        table.pos,
        "a query starts with a table name, e.g. resources | where ...",
      );
    }
    const stages: Stage[] = [];
    while (this.isOp("|")) {
      this.next();
      stages.push(this.parseStage());
    }
    const rest = this.peek();
    if (rest.kind === "op" && rest.text === ";") {
      throw new KqlError("UnsupportedKqlConstruct", "multiple statements (';')", rest.pos);
    }
    if (rest.kind !== "eof") {
      throw new KqlError(
        "InvalidKql",
        `unexpected ${this.describe(rest)}`,
        rest.pos,
        "expected '|' or the end of the query",
      );
    }
    return { table: table.text, tablePos: table.pos, stages };
  }

  /** An operator name; dashed names (`project-away`, `mv-expand`) are written without spaces. */
  private operatorName(): Token {
    const first = this.expectIdent("an operator after '|', e.g. where");
    let text = first.text;
    while (this.isOp("-") && !this.peek().spaced && this.peek(1).kind === "ident" && !this.peek(1).spaced) {
      this.next();
      text += `-${this.next().text}`;
    }
    return { ...first, text };
  }

  private parseStage(): Stage {
    const op = this.operatorName();
    const pos = op.pos;
    switch (op.text) {
      case "where":
        return { kind: "where", predicate: this.parseExpr(), pos };
      case "project":
        return { kind: "project", columns: this.parseColumns("project"), pos };
      case "extend":
        return { kind: "extend", columns: this.parseColumns("extend"), pos };
      case "project-away":
        return { kind: "project-away", names: this.parseNames(), pos };
      case "order":
      case "sort":
        return { kind: "order", keys: this.parseSortKeys(op.text), pos };
      case "take":
      case "limit":
        return { kind: "take", count: this.parseCount(op.text), pos };
      default:
        break;
    }
    if (knownOperators.has(op.text)) {
      throw new KqlError(
        "UnsupportedKqlConstruct",
        `operator '${op.text}'`,
        pos,
        `supported operators: ${supportedOperators.join(", ")}`,
      );
    }
    const lower = op.text.toLowerCase();
    const hint =
      supportedOperators.includes(lower) || knownOperators.has(lower)
        ? `KQL is case-sensitive; did you mean '${lower}'?`
        : `supported operators: ${supportedOperators.join(", ")}`;
    throw new KqlError("InvalidKql", `unknown operator '${op.text}'`, pos, hint);
  }

  private parseCount(operator: string): number {
    const token = this.next();
    if (token.kind !== "number" || token.real === true || !Number.isSafeInteger(token.value)) {
      throw new KqlError(
        "InvalidKql",
        `${operator} ${this.describe(token)}`,
        token.pos,
        `${operator} needs a whole number`,
      );
    }
    return token.value as number;
  }

  private parseNames(): { name: string; pos: SourcePos }[] {
    const names: { name: string; pos: SourcePos }[] = [];
    do {
      if (names.length > 0) this.next();
      const token = this.expectIdent("a column name");
      if (this.isOp("*") && !this.peek().spaced) {
        throw new KqlError(
          "UnsupportedKqlConstruct",
          `wildcard '${token.text}*'`,
          token.pos,
          "list the columns by name",
        );
      }
      names.push({ name: token.text, pos: token.pos });
    } while (this.isOp(","));
    return names;
  }

  private parseSortKeys(operator: string): SortKey[] {
    if (!this.isWord("by")) {
      const token = this.peek();
      throw new KqlError(
        "InvalidKql",
        `unexpected ${this.describe(token)}`,
        token.pos,
        `expected '${operator} by'`,
      );
    }
    this.next();
    const keys: SortKey[] = [];
    do {
      if (keys.length > 0) this.next();
      const expr = this.parseExpr();
      // KQL sorts descending unless told otherwise; nulls go first ascending and last descending.
      let descending = true;
      if (this.isWord("asc") || this.isWord("desc")) descending = this.next().text === "desc";
      let nullsFirst = !descending;
      if (this.isWord("nulls")) {
        this.next();
        const where = this.expectIdent("'first' or 'last' after 'nulls'");
        if (where.text !== "first" && where.text !== "last") {
          throw new KqlError(
            "InvalidKql",
            `nulls ${where.text}`,
            where.pos,
            "expected 'nulls first' or 'nulls last'",
          );
        }
        nullsFirst = where.text === "first";
      }
      keys.push({ expr, descending, nullsFirst });
    } while (this.isOp(","));
    return keys;
  }

  private parseColumns(operator: "project" | "extend"): ColumnDef[] {
    const columns: ColumnDef[] = [];
    do {
      if (columns.length > 0) this.next();
      const start = this.peek();
      if (start.kind === "ident" && this.isOp("=", 1)) {
        this.next();
        this.next();
        columns.push({ name: start.text, expr: this.parseExpr(), pos: start.pos });
        continue;
      }
      const expr = this.parseExpr();
      if (expr.kind !== "column") {
        throw new KqlError(
          "UnsupportedKqlConstruct",
          `unnamed computed column in ${operator}`,
          start.pos,
          "name it: name = expression",
        );
      }
      // KQL names a projected path after its steps (properties.a.b -> properties_a_b); the emulator
      // does so only where that rule is unambiguous.
      if (!expr.steps.every((step) => typeof step === "string" && /^[A-Za-z_][\w]*$/.test(step))) {
        throw new KqlError(
          "UnsupportedKqlConstruct",
          `unnamed column for a path with an index or a quoted key in ${operator}`,
          start.pos,
          "name it: name = expression",
        );
      }
      columns.push({ name: [expr.name, ...expr.steps].join("_"), expr, pos: start.pos });
    } while (this.isOp(","));
    return columns;
  }

  private parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.isWord("or")) {
      const pos = this.next().pos;
      left = { kind: "logical", op: "or", left, right: this.parseAnd(), pos };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseRelation();
    while (this.isWord("and")) {
      const pos = this.next().pos;
      left = { kind: "logical", op: "and", left, right: this.parseRelation(), pos };
    }
    return left;
  }

  private parseRelation(): Expr {
    const left = this.parseTerm();
    const token = this.peek();
    if (token.kind === "op" && comparisonOperators.has(token.text)) {
      this.next();
      return {
        kind: "binary",
        op: token.text as BinaryOperator,
        left,
        right: this.parseTerm(),
        pos: token.pos,
      };
    }
    if (token.kind === "op" && (token.text === "in~" || token.text === "!in" || token.text === "!in~")) {
      this.next();
      return this.parseInList(left, token.text, token.pos);
    }
    if (token.kind === "ident" && token.text === "in") {
      this.next();
      return this.parseInList(left, "in", token.pos);
    }
    if (token.kind === "op" && token.text === "!" && this.peek(1).kind === "ident" && !this.peek(1).spaced) {
      const word = this.peek(1).text;
      if (stringOperators.has(word)) {
        this.next();
        this.next();
        return {
          kind: "binary",
          op: `!${word}` as BinaryOperator,
          left,
          right: this.parseTerm(),
          pos: token.pos,
        };
      }
      if (knownUnsupportedWordOperators.has(word)) {
        throw new KqlError("UnsupportedKqlConstruct", `operator '!${word}'`, token.pos);
      }
      throw new KqlError("InvalidKql", `unknown operator '!${word}'`, token.pos);
    }
    if (token.kind === "ident") {
      if (stringOperators.has(token.text)) {
        this.next();
        return {
          kind: "binary",
          op: token.text as BinaryOperator,
          left,
          right: this.parseTerm(),
          pos: token.pos,
        };
      }
      if (knownUnsupportedWordOperators.has(token.text)) {
        const construct = token.text === "matches" && this.isWord("regex", 1) ? "matches regex" : token.text;
        throw new KqlError("UnsupportedKqlConstruct", `operator '${construct}'`, token.pos);
      }
    }
    if (token.kind === "op" && ["+", "-", "*", "/", "%"].includes(token.text)) {
      throw new KqlError("UnsupportedKqlConstruct", `arithmetic operator '${token.text}'`, token.pos);
    }
    return left;
  }

  private parseInList(operand: Expr, op: InOperator, pos: SourcePos): Expr {
    this.expectOp("(", `after '${op}'`);
    const list: Expr[] = [];
    if (!this.isOp(")")) {
      do {
        if (list.length > 0) this.next();
        list.push(this.parseTerm());
      } while (this.isOp(","));
    }
    this.expectOp(")", `to close the '${op}' list`);
    if (list.length === 0)
      throw new KqlError("InvalidKql", `empty '${op}' list`, pos, "list at least one value");
    return { kind: "in", op, operand, list, pos };
  }

  private parseTerm(): Expr {
    const token = this.next();
    const pos = token.pos;
    if (token.kind === "string")
      return { kind: "literal", value: token.value as string, type: "string", pos };
    if (token.kind === "number") {
      return {
        kind: "literal",
        value: token.value as number,
        type: token.real === true ? "real" : "long",
        pos,
      };
    }
    if (token.kind === "op") {
      if (token.text === "(") {
        const inner = this.parseExpr();
        this.expectOp(")", "to close '('");
        return inner;
      }
      if (token.text === "-" && this.peek().kind === "number") {
        const number = this.next();
        return {
          kind: "literal",
          value: -(number.value as number),
          type: number.real === true ? "real" : "long",
          pos,
        };
      }
      if (token.text === "[" && this.peek().kind === "string") {
        // ['column name'] quotes a column name.
        const name = this.next().value as string;
        this.expectOp("]", "to close ['...']");
        return { kind: "column", name, steps: this.parseSteps(), pos };
      }
      if (token.text === "*") {
        throw new KqlError("UnsupportedKqlConstruct", "'*' (all columns)", pos);
      }
      if (token.text === "!" && this.peek().kind === "ident") {
        throw new KqlError("InvalidKql", `unexpected '!'`, pos, "negate with not(...)");
      }
      throw new KqlError("InvalidKql", `unexpected '${token.text}'`, pos, "expected a value");
    }
    if (token.kind === "eof")
      throw new KqlError("InvalidKql", "unexpected end of query", pos, "expected a value");
    const word = token.text;
    if (["true", "false", "True", "False", "TRUE", "FALSE"].includes(word)) {
      return { kind: "literal", value: word.toLowerCase() === "true", type: "bool", pos };
    }
    if (word === "and" || word === "or") {
      throw new KqlError("InvalidKql", `unexpected '${word}'`, pos, "expected a value");
    }
    if (this.isOp("(")) return this.parseCall(token);
    if (word === "not")
      throw new KqlError("InvalidKql", "'not' without parentheses", pos, "write not(expression)");
    if (word === "null") {
      throw new KqlError(
        "UnsupportedKqlConstruct",
        "null literal",
        pos,
        "test for missing values with isnull() or isempty()",
      );
    }
    return { kind: "column", name: word, steps: this.parseSteps(), pos };
  }

  private parseCall(name: Token): Expr {
    const word = name.text;
    const pos = name.pos;
    if (word === "not") {
      this.next();
      const operand = this.parseExpr();
      this.expectOp(")", "to close not(...)");
      return { kind: "not", operand, pos };
    }
    if (!isFunctionName(word)) {
      const lower = word.toLowerCase();
      if (isFunctionName(lower) || lower === "not") {
        throw new KqlError(
          "InvalidKql",
          `unknown function '${word}()'`,
          pos,
          `KQL is case-sensitive; did you mean '${lower}()'?`,
        );
      }
      throw new KqlError(
        "UnsupportedKqlConstruct",
        `function '${word}()'`,
        pos,
        `supported functions: ${[...Object.keys(functions), "not"].join(", ")}`,
      );
    }
    this.next();
    const args: Expr[] = [];
    if (!this.isOp(")")) {
      do {
        if (args.length > 0) this.next();
        args.push(this.parseExpr());
      } while (this.isOp(","));
    }
    this.expectOp(")", `to close ${word}(...)`);
    const [min, max] = functions[word];
    if (args.length < min || args.length > max) {
      const count = min === max ? `${min} argument${min === 1 ? "" : "s"}` : `${min} to ${max} arguments`;
      throw new KqlError(
        "InvalidKql",
        `${word}() with ${args.length} arguments`,
        pos,
        `${word}() takes ${count}`,
      );
    }
    return { kind: "call", name: word, args, pos };
  }

  /** `.name`, `['name']` and `[index]` steps into a dynamic value. */
  private parseSteps(): PathStep[] {
    const steps: PathStep[] = [];
    for (;;) {
      if (this.isOp(".")) {
        this.next();
        steps.push(this.expectIdent("a property name after '.'").text);
        continue;
      }
      if (!this.isOp("[")) return steps;
      this.next();
      const key = this.next();
      if (key.kind === "string") {
        steps.push(key.value as string);
      } else if (key.kind === "number" && key.real !== true) {
        steps.push(key.value as number);
      } else if (
        key.kind === "op" &&
        key.text === "-" &&
        this.peek().kind === "number" &&
        this.peek().real !== true
      ) {
        steps.push(-(this.next().value as number));
      } else {
        throw new KqlError(
          "UnsupportedKqlConstruct",
          "computed index",
          key.pos,
          "index with a string or a whole number",
        );
      }
      this.expectOp("]", "to close '['");
    }
  }
}

/** Parses a query of the supported subset; anything else throws a {@link KqlError}. */
export function parseKql(query: string): Query {
  return new Parser(tokenize(query)).parseQuery();
}
