/** Where and why a text is not JSON. */
export interface JsonSyntaxProblem {
  /** Zero-based character offset. */
  readonly position: number;
  /** One-based line and column of `position`. */
  readonly line: number;
  readonly column: number;
  readonly problem: string;
}

type Expect = "value" | "valueOrClose" | "key" | "keyOrClose" | "colon" | "commaOrClose" | "end";

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const WHITESPACE = /[ \t\n\r]*/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);
const HEX4 = /^[0-9A-Fa-f]{4}$/;

/**
 * Finds the first JSON syntax error in a text (RFC 8259 grammar), or returns undefined for valid JSON.
 * Exists because `JSON.parse`'s messages quote the input, and a delivery must not be echoed into errors.
 * Iterative, so deeply nested input cannot overflow the stack.
 */
export function locateJsonSyntaxError(text: string): JsonSyntaxProblem | undefined {
  const stack: ("object" | "array")[] = [];
  let expect: Expect = "value";
  let i = 0;
  const fail = (at: number, problem: string): JsonSyntaxProblem => at2problem(text, at, problem);
  const afterValue = (): Expect => (stack.length === 0 ? "end" : "commaOrClose");

  for (;;) {
    WHITESPACE.lastIndex = i;
    WHITESPACE.exec(text);
    i = WHITESPACE.lastIndex;
    if (i >= text.length) return expect === "end" ? undefined : fail(i, "unexpected end of input");
    const c = text.charAt(i);
    switch (expect) {
      case "end":
        return fail(i, "unexpected text after the JSON value");
      case "colon":
        if (c !== ":") return fail(i, `expected ':' after a property name, found ${describe(c)}`);
        i++;
        expect = "value";
        continue;
      case "commaOrClose": {
        const top = stack.at(-1);
        if (c === ",") {
          i++;
          expect = top === "object" ? "key" : "value";
        } else if ((c === "}" && top === "object") || (c === "]" && top === "array")) {
          stack.pop();
          i++;
          expect = afterValue();
        } else {
          return fail(i, `expected ',' or '${top === "object" ? "}" : "]"}', found ${describe(c)}`);
        }
        continue;
      }
      case "keyOrClose":
      case "key": {
        if (c === "}" && expect === "keyOrClose") {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c !== '"') return fail(i, `expected a property name in double quotes, found ${describe(c)}`);
        const end = scanString(text, i);
        if (typeof end !== "number") return fail(end.at, end.problem);
        i = end;
        expect = "colon";
        continue;
      }
      case "valueOrClose":
      case "value": {
        if (c === "]" && expect === "valueOrClose") {
          stack.pop();
          i++;
          expect = afterValue();
          continue;
        }
        if (c === "{" || c === "[") {
          stack.push(c === "{" ? "object" : "array");
          i++;
          expect = c === "{" ? "keyOrClose" : "valueOrClose";
          continue;
        }
        if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== "number") return fail(end.at, end.problem);
          i = end;
        } else if (c === "-" || (c >= "0" && c <= "9")) {
          NUMBER.lastIndex = i;
          if (NUMBER.exec(text) === null) return fail(i, "invalid number");
          i = NUMBER.lastIndex;
        } else {
          const literal = ["true", "false", "null"].find((word) => text.startsWith(word, i));
          if (literal === undefined) return fail(i, `expected a JSON value, found ${describe(c)}`);
          i += literal.length;
        }
        expect = afterValue();
        continue;
      }
    }
  }
}

/** Scans a string starting at its opening quote; returns the offset after the closing quote. */
function scanString(text: string, start: number): number | { at: number; problem: string } {
  let j = start + 1;
  for (;;) {
    if (j >= text.length) return { at: j, problem: "unterminated string" };
    const c = text.charAt(j);
    if (c === '"') return j + 1;
    if (c === "\\") {
      const next = text.charAt(j + 1);
      if (next === "u") {
        if (!HEX4.test(text.slice(j + 2, j + 6))) return { at: j, problem: "invalid \\u escape in string" };
        j += 6;
      } else if (ESCAPES.has(next)) {
        j += 2;
      } else {
        return { at: j, problem: "invalid escape in string" };
      }
      continue;
    }
    if (c.charCodeAt(0) < 0x20) return { at: j, problem: "control character in string (escape it)" };
    j++;
  }
}

function describe(c: string): string {
  const code = c.charCodeAt(0);
  return code < 0x20 || code > 0x7e ? `U+${code.toString(16).toUpperCase().padStart(4, "0")}` : `'${c}'`;
}

function at2problem(text: string, position: number, problem: string): JsonSyntaxProblem {
  const before = text.slice(0, position);
  const line = before.split("\n").length;
  const column = position - (before.lastIndexOf("\n") + 1) + 1;
  return { position, line, column, problem };
}
