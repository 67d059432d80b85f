import { tryParseResourceId } from "../ids/armPath.js";
import type { ArmResource } from "../tenantFile.js";

/** A `$filter` ARM's resource list does not accept. */
export class ResourceFilterError extends Error {
  readonly code = "InvalidFilterInQueryString";
  constructor(
    readonly filter: string,
    readonly problem: string,
  ) {
    super(`Invalid $filter '${filter}' specified in the query string: ${problem}.`);
    this.name = "ResourceFilterError";
  }
}

type Token =
  { kind: "word"; text: string } | { kind: "string"; text: string } | { kind: "punct"; text: string };

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const ch = filter.charAt(i);
    if (/\s/.test(ch)) {
      i++;
    } else if (ch === "'") {
      let text = "";
      i++;
      for (;;) {
        if (i >= filter.length) throw new ResourceFilterError(filter, "a quoted value is not closed");
        const c = filter.charAt(i);
        if (c === "'" && filter.charAt(i + 1) === "'") {
          text += "'";
          i += 2;
        } else if (c === "'") {
          i++;
          break;
        } else {
          text += c;
          i++;
        }
      }
      tokens.push({ kind: "string", text });
    } else if (ch === "(" || ch === ")" || ch === ",") {
      tokens.push({ kind: "punct", text: ch });
      i++;
    } else {
      const match = /^[^\s'(),]+/.exec(filter.slice(i));
      const text = match?.[0] ?? ch;
      tokens.push({ kind: "word", text });
      i += text.length;
    }
  }
  return tokens;
}

/** One comparison of a conjunction. */
type Atom =
  | { field: "resourcetype" | "name" | "location" | "resourcegroup" | "tagname" | "tagvalue"; value: string }
  | { field: "substringof-name"; value: string };

const eqFields = new Set(["resourcetype", "name", "location", "resourcegroup", "tagname", "tagvalue"]);

/**
 * Parses the `$filter` of `GET /subscriptions/{s}[/resourceGroups/{rg}]/resources`: comparisons
 * `resourceType|name|location|resourceGroup|tagName|tagValue eq '...'` and `substringof('...', name)`,
 * joined by `and` (binds tighter) and `or`. A `tagName`/`tagValue` pair in one conjunction means
 * "this tag has this value". Returns a predicate over resources.
 * @throws {@link ResourceFilterError} for anything else.
 */
export function parseResourceFilter(filter: string): (resource: Readonly<ArmResource>) => boolean {
  const tokens = tokenize(filter);
  let pos = 0;
  const peekWord = (): string | undefined => {
    const t = tokens[pos];
    return t?.kind === "word" ? t.text.toLowerCase() : undefined;
  };
  const expect = (kind: Token["kind"], text?: string): Token => {
    const t = tokens[pos];
    if (t?.kind !== kind || (text !== undefined && t.text.toLowerCase() !== text)) {
      throw new ResourceFilterError(filter, `expected ${text ?? kind} at token ${pos + 1}`);
    }
    pos++;
    return t;
  };
  const atom = (): Atom => {
    const word = peekWord();
    if (word === "substringof") {
      pos++;
      expect("punct", "(");
      const value = expect("string").text;
      expect("punct", ",");
      const target = expect("word").text.toLowerCase();
      expect("punct", ")");
      if (target !== "name") throw new ResourceFilterError(filter, "substringof only applies to name");
      return { field: "substringof-name", value };
    }
    if (word === undefined || !eqFields.has(word)) {
      throw new ResourceFilterError(filter, `unsupported field '${tokens[pos]?.text ?? ""}'`);
    }
    pos++;
    expect("word", "eq");
    return { field: word as Exclude<Atom["field"], "substringof-name">, value: expect("string").text };
  };
  const disjunction: Atom[][] = [];
  let conjunction: Atom[] = [atom()];
  while (pos < tokens.length) {
    const joiner = peekWord();
    pos++;
    if (joiner === "and") conjunction.push(atom());
    else if (joiner === "or") {
      disjunction.push(conjunction);
      conjunction = [atom()];
    } else throw new ResourceFilterError(filter, `expected 'and' or 'or' at token ${pos}`);
  }
  disjunction.push(conjunction);
  for (const c of disjunction) {
    if (c.some((a) => a.field === "tagvalue") && !c.some((a) => a.field === "tagname")) {
      throw new ResourceFilterError(filter, "tagValue needs tagName");
    }
  }
  return (resource) => disjunction.some((c) => matchesAll(resource, c));
}

function matchesAll(resource: Readonly<ArmResource>, atoms: readonly Atom[]): boolean {
  const lower = (s: string | undefined): string => (s ?? "").toLowerCase();
  let tagName: string | undefined;
  let tagValue: string | undefined;
  for (const a of atoms) {
    const value = a.value.toLowerCase();
    switch (a.field) {
      case "resourcetype":
        if (lower(resource.type) !== value) return false;
        break;
      case "name":
        if (lower(resource.name) !== value) return false;
        break;
      case "location":
        if (lower(resource.location ?? undefined).replace(/\s+/g, "") !== value.replace(/\s+/g, ""))
          return false;
        break;
      case "resourcegroup":
        if (lower(tryParseResourceId(resource.id)?.resourceGroup) !== value) return false;
        break;
      case "substringof-name":
        if (!lower(resource.name).includes(value)) return false;
        break;
      case "tagname":
        tagName = value;
        break;
      case "tagvalue":
        tagValue = a.value;
        break;
    }
  }
  if (tagName === undefined) return true;
  const entry = Object.entries(resource.tags ?? {}).find(([k]) => k.toLowerCase() === tagName);
  return entry !== undefined && (tagValue === undefined || entry[1] === tagValue);
}
