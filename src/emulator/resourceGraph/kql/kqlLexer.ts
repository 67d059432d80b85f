import { KqlError } from "./kqlError.js";

/** A lexical token with its start offset. */
export interface Token {
  kind: "ident" | "string" | "number" | "op" | "eof";
  text: string;
  /** Decoded value of string and number literals. */
  value?: string | number;
  pos: number;
}

// Longest first, so `!in~` wins over `!in` and `!`.
const operators = [
  "!in~",
  "in~",
  "!in",
  "!~",
  "=~",
  "==",
  "!=",
  "<=",
  ">=",
  "|",
  "(",
  ")",
  ",",
  ".",
  "[",
  "]",
  "=",
  "<",
  ">",
  "-",
  "+",
  "*",
  "/",
  "!",
  ";",
];

/** Splits a query into tokens. Comments (`//`) are skipped. */
export function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < query.length) {
    const c = query[i] ?? "";
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (query.startsWith("//", i)) {
      while (i < query.length && query[i] !== "\n") i++;
      continue;
    }
    if (c === "'" || c === '"') {
      const start = i;
      let value = "";
      i++;
      for (;;) {
        const ch = query[i];
        if (ch === undefined)
          throw new KqlError("InvalidKql", query.slice(start, start + 10), start, "unterminated string");
        if (ch === "\\") {
          const next = query[i + 1];
          value += next === "n" ? "\n" : next === "t" ? "\t" : (next ?? "");
          i += 2;
          continue;
        }
        if (ch === c) {
          i++;
          break;
        }
        value += ch;
        i++;
      }
      tokens.push({ kind: "string", text: query.slice(start, i), value, pos: start });
      continue;
    }
    if (/[0-9]/.test(c)) {
      const match = /^[0-9]+(\.[0-9]+)?/.exec(query.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: "number", text, value: Number(text), pos: i });
      i += text.length;
      continue;
    }
    if (query.startsWith("in~", i)) {
      tokens.push({ kind: "op", text: "in~", pos: i });
      i += 3;
      continue;
    }
    if (/[A-Za-z_$]/.test(c)) {
      // Identifiers may contain dashes in KQL operators like `project-away`, `mv-expand`.
      const match = /^[A-Za-z_$][\w$]*(-[A-Za-z]+)*/.exec(query.slice(i));
      const text = match?.[0] ?? c;
      tokens.push({ kind: "ident", text, pos: i });
      i += text.length;
      continue;
    }
    const op = operators.find((o) => query.startsWith(o, i));
    if (op === undefined) throw new KqlError("InvalidKql", c, i, "unexpected character");
    tokens.push({ kind: "op", text: op, pos: i });
    i += op.length;
  }
  tokens.push({ kind: "eof", text: "<end>", pos: query.length });
  return tokens;
}
