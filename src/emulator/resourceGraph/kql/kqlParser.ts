import type { Column, Expr, Query, Stage } from "./kqlAst.js";
import { KqlError } from "./kqlError.js";
import { tokenize, type Token } from "./kqlLexer.js";

/** Functions of the subset, with their arity. */
export const supportedFunctions: Readonly<Record<string, [number, number]>> = {
  tostring: [1, 1],
  tolower: [1, 1],
  toupper: [1, 1],
  isempty: [1, 1],
  isnotempty: [1, 1],
  isnull: [1, 1],
  isnotnull: [1, 1],
  strcat: [1, 64],
};

const stringOperators = new Set([
  "startswith",
  "!startswith",
  "endswith",
  "!endswith",
  "contains",
  "!contains",
  "has",
  "!has",
]);
const comparisonOperators = new Set(["==", "!=", "=~", "!~", "<", "<=", ">", ">="]);
const supportedTables = new Set(["resources", "resourcecontainers"]);

class Parser {
  private index = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(offset = 0): Token {
    return this.tokens[Math.min(this.index + offset, this.tokens.length - 1)] as Token;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== "eof") this.index++;
    return t;
  }

  private isOp(text: string): boolean {
    const t = this.peek();
    return t.kind === "op" && t.text === text;
  }

  private isWord(word: string): boolean {
    const t = this.peek();
    return t.kind === "ident" && t.text.toLowerCase() === word;
  }

  private expectOp(text: string): void {
    const t = this.next();
    if (t.kind !== "op" || t.text !== text)
      throw new KqlError("InvalidKql", t.text, t.pos, `expected '${text}'`);
  }

  private expectIdent(): Token {
    const t = this.next();
    if (t.kind !== "ident") throw new KqlError("InvalidKql", t.text, t.pos, "expected a name");
    return t;
  }

  parseQuery(): Query {
    const first = this.peek();
    if (first.kind === "ident" && first.text.toLowerCase() === "let") {
      throw new KqlError("UnsupportedKqlConstruct", "let", first.pos);
    }
    const table = this.expectIdent();
    if (!supportedTables.has(table.text.toLowerCase())) {
      throw new KqlError(
        "UnsupportedKqlConstruct",
        `table ${table.text}`,
        table.pos,
        "only resources and resourcecontainers",
      );
    }
    const stages: Stage[] = [];
    while (this.isOp("|")) {
      this.next();
      stages.push(this.parseStage());
    }
    const rest = this.peek();
    if (rest.kind !== "eof")
      throw new KqlError("InvalidKql", rest.text, rest.pos, "expected '|' or the end of the query");
    return { table: table.text.toLowerCase(), stages };
  }

  private parseStage(): Stage {
    const t = this.expectIdent();
    const word = t.text.toLowerCase();
    switch (word) {
      case "where":
        return { kind: "where", predicate: this.parseExpr() };
      case "project":
        return { kind: "project", columns: this.parseColumns(false) };
      case "extend":
        return { kind: "extend", columns: this.parseColumns(true) };
      case "project-away": {
        const names = [this.expectIdent().text];
        while (this.isOp(",")) {
          this.next();
          names.push(this.expectIdent().text);
        }
        return { kind: "project-away", names };
      }
      case "order":
      case "sort": {
        if (!this.isWord("by"))
          throw new KqlError("InvalidKql", this.peek().text, this.peek().pos, "expected 'by'");
        this.next();
        const keys: { expr: Expr; descending: boolean }[] = [];
        do {
          if (keys.length > 0) this.next();
          const expr = this.parseExpr();
          let descending = true; // KQL sorts descending unless told otherwise.
          if (this.isWord("asc")) {
            this.next();
            descending = false;
          } else if (this.isWord("desc")) {
            this.next();
          }
          if (this.isWord("nulls"))
            throw new KqlError("UnsupportedKqlConstruct", "nulls first/last", this.peek().pos);
          keys.push({ expr, descending });
        } while (this.isOp(","));
        return { kind: "order", keys };
      }
      case "take":
      case "limit": {
        const n = this.next();
        if (n.kind !== "number" || !Number.isInteger(n.value)) {
          throw new KqlError("InvalidKql", n.text, n.pos, `${word} needs a whole number`);
        }
        return { kind: "take", count: n.value as number };
      }
      default:
        throw new KqlError(
          "UnsupportedKqlConstruct",
          t.text,
          t.pos,
          "supported operators: where, project, project-away, extend, order by, take, limit",
        );
    }
  }

  private parseColumns(requireName: boolean): Column[] {
    const columns: Column[] = [];
    do {
      if (columns.length > 0) this.next();
      const start = this.peek();
      if (start.kind === "ident" && this.peek(1).kind === "op" && this.peek(1).text === "=") {
        this.next();
        this.next();
        columns.push({ name: start.text, expr: this.parseExpr() });
        continue;
      }
      if (requireName)
        throw new KqlError("InvalidKql", start.text, start.pos, "extend needs name = expression");
      const expr = this.parseExpr();
      columns.push({ name: defaultColumnName(expr, start), expr });
    } while (this.isOp(","));
    return columns;
  }

  private parseExpr(): Expr {
    let left = this.parseAnd();
    while (this.isWord("or")) {
      this.next();
      left = { kind: "logical", op: "or", left, right: this.parseAnd() };
    }
    return left;
  }

  private parseAnd(): Expr {
    let left = this.parseUnary();
    while (this.isWord("and")) {
      this.next();
      left = { kind: "logical", op: "and", left, right: this.parseUnary() };
    }
    return left;
  }

  private parseUnary(): Expr {
    if (this.isWord("not") && this.peek(1).kind === "op" && this.peek(1).text === "(") {
      this.next();
      this.expectOp("(");
      const operand = this.parseExpr();
      this.expectOp(")");
      return { kind: "not", operand };
    }
    return this.parseComparison();
  }

  private parseComparison(): Expr {
    const left = this.parsePrimary();
    const t = this.peek();
    if (t.kind === "op" && comparisonOperators.has(t.text)) {
      this.next();
      return { kind: "compare", op: t.text, left, right: this.parsePrimary() };
    }
    if (t.kind === "op" && (t.text === "in~" || t.text === "!in" || t.text === "!in~")) {
      this.next();
      return this.parseInList(left, t.text.startsWith("!"), t.text.endsWith("~"));
    }
    if (t.kind === "ident" && t.text.toLowerCase() === "in") {
      this.next();
      return this.parseInList(left, false, false);
    }
    if (t.kind === "op" && t.text === "!" && this.peek(1).kind === "ident") {
      const word = `!${this.peek(1).text.toLowerCase()}`;
      if (stringOperators.has(word)) {
        this.next();
        this.next();
        return { kind: "compare", op: word, left, right: this.parsePrimary() };
      }
      throw new KqlError("UnsupportedKqlConstruct", word, t.pos);
    }
    if (t.kind === "ident") {
      const word = t.text.toLowerCase();
      if (stringOperators.has(word)) {
        this.next();
        return { kind: "compare", op: word, left, right: this.parsePrimary() };
      }
      if (
        [
          "matches",
          "has_any",
          "has_all",
          "startswith_cs",
          "contains_cs",
          "has_cs",
          "endswith_cs",
          "between",
          "hasprefix",
          "hassuffix",
        ].includes(word)
      ) {
        throw new KqlError("UnsupportedKqlConstruct", word, t.pos);
      }
    }
    if (t.kind === "op" && ["+", "-", "*", "/"].includes(t.text)) {
      throw new KqlError("UnsupportedKqlConstruct", `arithmetic '${t.text}'`, t.pos);
    }
    return left;
  }

  private parseInList(operand: Expr, negated: boolean, caseInsensitive: boolean): Expr {
    this.expectOp("(");
    const list: Expr[] = [];
    if (!this.isOp(")")) {
      do {
        if (list.length > 0) this.next();
        list.push(this.parsePrimary());
      } while (this.isOp(","));
    }
    this.expectOp(")");
    return { kind: "in", negated, caseInsensitive, operand, list };
  }

  private parsePrimary(): Expr {
    const t = this.next();
    if (t.kind === "string") return { kind: "literal", value: t.value as string };
    if (t.kind === "number") return { kind: "literal", value: t.value as number };
    if (t.kind === "op" && t.text === "(") {
      const inner = this.parseExpr();
      this.expectOp(")");
      return inner;
    }
    if (t.kind === "op" && t.text === "-" && this.peek().kind === "number") {
      return { kind: "literal", value: -(this.next().value as number) };
    }
    if (t.kind !== "ident") throw new KqlError("InvalidKql", t.text, t.pos, "expected a value");
    const word = t.text.toLowerCase();
    if (word === "true" || word === "false") return { kind: "literal", value: word === "true" };
    if (word === "null") return { kind: "literal", value: null };
    if (this.isOp("(")) {
      const arity = supportedFunctions[word];
      if (arity === undefined) throw new KqlError("UnsupportedKqlConstruct", `function ${t.text}()`, t.pos);
      this.next();
      const args: Expr[] = [];
      if (!this.isOp(")")) {
        do {
          if (args.length > 0) this.next();
          args.push(this.parseExpr());
        } while (this.isOp(","));
      }
      this.expectOp(")");
      if (args.length < arity[0] || args.length > arity[1]) {
        throw new KqlError(
          "InvalidKql",
          t.text,
          t.pos,
          `${word}() takes ${arity[0] === arity[1] ? arity[0] : `${arity[0]} to ${arity[1]}`} argument(s)`,
        );
      }
      return { kind: "call", name: word, args, pos: t.pos };
    }
    const steps: (string | number)[] = [];
    for (;;) {
      if (this.isOp(".")) {
        this.next();
        steps.push(this.expectIdent().text);
      } else if (this.isOp("[")) {
        this.next();
        const key = this.next();
        if (key.kind !== "string" && key.kind !== "number") {
          throw new KqlError("InvalidKql", key.text, key.pos, "expected a string or index in brackets");
        }
        steps.push(key.value as string | number);
        this.expectOp("]");
      } else {
        break;
      }
    }
    return { kind: "path", root: t.text, steps };
  }
}

function defaultColumnName(expr: Expr, start: Token): string {
  if (expr.kind === "path") return [expr.root, ...expr.steps.map(String)].join("_");
  throw new KqlError(
    "InvalidKql",
    start.text,
    start.pos,
    "a computed column needs a name (name = expression)",
  );
}

/** Parses a query of the supported subset; anything else is a {@link KqlError}. */
export function parseKql(query: string): Query {
  return new Parser(tokenize(query)).parseQuery();
}
