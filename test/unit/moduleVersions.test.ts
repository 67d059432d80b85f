import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Azure Verified Modules are pinned only at versions whose main.bicep was read at their release tag in
 * Azure/bicep-registry-modules (infra/moduleVersions.json records the tag, its commit and what main.bicep
 * declares there). Bicep rejects a module parameter the module does not declare, so a parameter passed here
 * that the record does not list, or an output read that it does not list, is a deployment that would fail
 * (or a record that is out of date). The record is data: these tests do not need the module repository.
 */

interface ModuleRecord {
  version: string;
  why: string;
  source: { repo: string; tag: string; path: string; commit: string };
  checked: string;
  parameters: string[];
  outputs: string[];
  valuesChecked?: Record<string, string>;
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");
const record = (JSON.parse(read("infra/moduleVersions.json")) as { modules: Record<string, ModuleRecord> })
  .modules;

function bicepFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return bicepFiles(rel);
    return entry.name.endsWith(".bicep") ? [rel] : [];
  });
}

/** Source without `//` comments (a `//` after a space or at the start of a line: `https://` is kept). */
function withoutComments(source: string): string {
  return source
    .split("\n")
    .map((line) => line.replace(/(^|\s)\/\/.*$/, ""))
    .join("\n");
}

/** Source without comments and with string contents blanked, so braces and keys can be counted. */
function skeleton(source: string): string {
  return withoutComments(source).replace(/'(?:[^'\\\n]|\\.)*'/g, (s) => `'${" ".repeat(s.length - 2)}'`);
}

/** The text of the `{ ... }` block whose opening brace is at `open`. */
function block(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    if (text[i] === "}" && --depth === 0) return text.slice(open, i + 1);
  }
  throw new Error("unbalanced braces");
}

/** Keys of an object literal block, at its own level only. */
function topLevelKeys(objectBlock: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (const line of objectBlock.split("\n")) {
    const key = /^\s*(\w+):/.exec(line)?.[1];
    if (depth === 1 && key !== undefined) keys.push(key);
    for (const ch of line) {
      if (ch === "{" || ch === "[") depth++;
      if (ch === "}" || ch === "]") depth--;
    }
  }
  return keys;
}

interface ModuleUse {
  file: string;
  symbol: string;
  path: string;
  version: string;
  params: string[];
  outputs: string[];
}

function moduleUses(): ModuleUse[] {
  return bicepFiles("infra").flatMap((file) => {
    const text = skeleton(read(file));
    const raw = read(file);
    return [...raw.matchAll(/^module (\w+) 'br\/public:([^':]+):([^']+)'/gm)].map((m) => {
      const [, symbol = "", modulePath = "", version = ""] = m;
      const declaration = text.indexOf(`module ${symbol} `);
      const body = block(text, text.indexOf("{", declaration));
      const paramsAt = body.search(/\bparams: \{/);
      const params = paramsAt === -1 ? [] : topLevelKeys(block(body, body.indexOf("{", paramsAt)));
      // Outputs are read inside string interpolations too, so these are searched with strings intact.
      const outputs = [
        ...withoutComments(raw).matchAll(new RegExp(`\\b${symbol}\\.outputs\\.(\\w+)`, "g")),
      ].map((o) => o[1] ?? "");
      return { file, symbol, path: modulePath, version, params, outputs };
    });
  });
}

const uses = moduleUses();

describe("infra/moduleVersions.json", () => {
  it("finds the Azure Verified Module references (the parser is not blind)", () => {
    expect(uses.length).toBeGreaterThan(0);
    for (const use of uses) expect(use.params.length, `${use.file}: ${use.symbol}`).toBeGreaterThan(0);
  });

  it("records every br/public reference at exactly the version the Bicep files pin", () => {
    for (const use of uses) {
      expect(Object.keys(record), `${use.file}: ${use.path}`).toContain(use.path);
      expect(use.version, `${use.file}: ${use.path}`).toBe(record[use.path]?.version);
    }
  });

  it("records no module that infra/ does not use", () => {
    expect(Object.keys(record).toSorted()).toEqual([...new Set(uses.map((u) => u.path))].toSorted());
  });

  it.each(uses.map((u) => [`${u.file}: ${u.symbol}`, u] as const))(
    "%s passes only parameters and reads only outputs that main.bicep declares at that version",
    (_, use) => {
      const declared = record[use.path];
      expect(declared).toBeDefined();
      for (const param of use.params) expect(declared?.parameters, `parameter ${param}`).toContain(param);
      for (const output of use.outputs) expect(declared?.outputs, `output ${output}`).toContain(output);
    },
  );

  it("says where each version was read: the release tag, its full commit, the file, and when", () => {
    for (const [modulePath, entry] of Object.entries(record)) {
      expect(entry.source.repo).toBe("Azure/bicep-registry-modules");
      // AVM release tags are <module path>/<version>.
      expect(entry.source.tag).toBe(`${modulePath}/${entry.version}`);
      expect(entry.source.path).toBe(`${modulePath}/main.bicep`);
      expect(entry.source.commit).toMatch(/^[0-9a-f]{40}$/);
      expect(entry.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      expect(entry.version).toMatch(/^\d+\.\d+\.\d+$/);
      expect(entry.why.length).toBeGreaterThan(20);
    }
  });

  it("lists, under valuesChecked, only parameters and outputs the module declares", () => {
    for (const [modulePath, entry] of Object.entries(record)) {
      for (const name of Object.keys(entry.valuesChecked ?? {}))
        expect([...entry.parameters, ...entry.outputs], `${modulePath}: ${name}`).toContain(name);
    }
  });

  it("is the table of docs/deployment.md, row for row", () => {
    const doc = read("docs/deployment.md");
    const rows = [
      ...doc.matchAll(/^\| `(avm\/[^`]+)` \| `([^`]+)` \| `([^`]+)` at `([0-9a-f]{40})` \|/gm),
    ].map((m) => ({ path: m[1], version: m[2], tag: m[3], commit: m[4] }));
    expect(rows.toSorted((a, b) => (a.path ?? "").localeCompare(b.path ?? ""))).toEqual(
      Object.entries(record)
        .map(([p, e]) => ({ path: p, version: e.version, tag: e.source.tag, commit: e.source.commit }))
        .toSorted((a, b) => a.path.localeCompare(b.path)),
    );
  });
});

describe("the module parser", () => {
  it("reads top-level parameter keys and skips nested ones, comments and strings", () => {
    const text = skeleton(
      [
        "module m 'br/public:avm/res/x/y:1.2.3' = {",
        "  params: {",
        "    name: 'a: b' // c: d",
        "    nested: {",
        "      inner: 1",
        "    }",
        "    list: [",
        "      { item: 2 }",
        "    ]",
        "    last: true",
        "  }",
        "}",
      ].join("\n"),
    );
    const body = block(text, text.indexOf("{"));
    expect(topLevelKeys(block(body, body.indexOf("{", body.search(/params: \{/))))).toEqual([
      "name",
      "nested",
      "list",
      "last",
    ]);
  });
});
