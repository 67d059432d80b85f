import type { SourcePos } from "./kqlAst.js";
import { KqlError } from "./kqlError.js";

/** A lexical token. */
export interface Token {
  readonly kind: "ident" | "string" | "number" | "op" | "eof";
  /** The source text of the token. */
  readonly text: string;
  /** Decoded value of string and number literals. */
  readonly value?: string | number;
  /** Whether a number literal had a fraction or exponent (KQL `real`) rather than being a `long`. */
  readonly real?: boolean;
  readonly pos: SourcePos;
  /** Whether whitespace or a comment separates this token from the previous one (`project-away` vs `a - b`). */
  readonly spaced: boolean;
}

// Longest first, so `!in~` wins over `!in` and `!`, and `==` over `=`.
const operators = [
  "!in~",
  "!in",
  "in~",
  "==",
  "!=",
  "=~",
  "!~",
  "<=",
  ">=",
  "|",
  "(",
  ")",
  "[",
  "]",
  "{",
  "}",
  ",",
  ".",
  ";",
  ":",
  "=",
  "<",
  ">",
  "+",
  "-",
  "*",
  "/",
  "%",
  "!",
] as const;

const identStart = /[A-Za-z_$]/;
const identPart = /[\w$]/;

/** Maps offsets to 1-based line and column. */
function locator(query: string): (offset: number) => SourcePos {
  const lineStarts = [0];
  for (let i = 0; i < query.length; i++) if (query[i] === "\n") lineStarts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((lineStarts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return { offset, line: low + 1, column: offset - (lineStarts[low] ?? 0) + 1 };
  };
}

/** Reads a quoted literal starting at `start` (the quote); returns its value and end offset. */
function readString(
  query: string,
  start: number,
  verbatim: boolean,
  at: (offset: number) => SourcePos,
): { value: string; end: number } {
  const quoteAt = verbatim ? start + 1 : start;
  const quote = query[quoteAt];
  let value = "";
  let i = quoteAt + 1;
  for (;;) {
    const ch = query[i];
    if (ch === undefined || ch === "\n") {
      throw new KqlError(
        "InvalidKql",
        "unterminated string literal",
        at(start),
        "close it with a matching quote",
      );
    }
    if (ch === quote) {
      // A doubled quote inside a verbatim string stands for one quote.
      if (verbatim && query[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { value, end: i + 1 };
    }
    if (ch === "\\" && !verbatim) {
      const next = query[i + 1];
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"' };
      if (next === undefined || escapes[next] === undefined) {
        throw new KqlError(
          "InvalidKql",
          `escape sequence '\\${next ?? ""}'`,
          at(i),
          "supported: \\n \\t \\r \\\\ \\' \\\"",
        );
      }
      value += escapes[next];
      i += 2;
      continue;
    }
    value += ch;
    i++;
  }
}

/** Splits a query into tokens; `//` comments are skipped. */
export function tokenize(query: string): Token[] {
  const at = locator(query);
  const tokens: Token[] = [];
  let spaced = true;
  let i = 0;
  const push = (token: Omit<Token, "spaced">): void => {
    tokens.push({ ...token, spaced });
    spaced = false;
  };
  while (i < query.length) {
    const c = query[i] ?? "";
    if (/\s/.test(c)) {
      spaced = true;
      i++;
      continue;
    }
    if (query.startsWith("//", i)) {
      while (i < query.length && query[i] !== "\n") i++;
      spaced = true;
      continue;
    }
    if (query.startsWith("```", i) || query.startsWith("~~~", i)) {
      throw new KqlError("UnsupportedKqlConstruct", "multi-line string literal", at(i));
    }
    if (c === "'" || c === '"' || (c === "@" && (query[i + 1] === "'" || query[i + 1] === '"'))) {
      const { value, end } = readString(query, i, c === "@", at);
      push({ kind: "string", text: query.slice(i, end), value, pos: at(i) });
      i = end;
      continue;
    }
    if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(query.slice(i));
      const text = match?.[0] ?? c;
      const after = query[i + text.length];
      if (after !== undefined && identPart.test(after)) {
        // 1d, 5m, 0x1F...: timespan and other typed literals.
        const word = /^[\w$.]+/.exec(query.slice(i))?.[0] ?? text;
        throw new KqlError(
          "UnsupportedKqlConstruct",
          `literal '${word}'`,
          at(i),
          "only plain numbers are supported",
        );
      }
      push({
        kind: "number",
        text,
        value: Number(text),
        real: match?.[1] !== undefined || match?.[2] !== undefined,
        pos: at(i),
      });
      i += text.length;
      continue;
    }
    if (identStart.test(c) && !query.startsWith("in~", i)) {
      let end = i + 1;
      while (end < query.length && identPart.test(query[end] ?? "")) end++;
      push({ kind: "ident", text: query.slice(i, end), pos: at(i) });
      i = end;
      continue;
    }
    const op = operators.find(
      (o) =>
        query.startsWith(o, i) &&
        // `!in` only as a whole word: `!index` is `!` followed by a name.
        !(o === "!in" && identPart.test(query[i + o.length] ?? "")),
    );
    if (op === undefined) {
      throw new KqlError("InvalidKql", `character '${c}'`, at(i), "not part of the query language");
    }
    push({ kind: "op", text: op, pos: at(i) });
    i += op.length;
  }
  tokens.push({ kind: "eof", text: "end of query", pos: at(query.length), spaced });
  return tokens;
}
