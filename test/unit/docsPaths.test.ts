import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The documentation names files of the repository (`src/runtime/config.ts`) and links pages and their
 * sections; code moves, so every such path, link and section must still exist. Paths of other
 * repositories (written after the repository's name, "Azure/azure-cli `src/...`") are not ours.
 */
const pages = [
  "README.md",
  "examples/README.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];

/** Top-level folders of this repository: a backticked path starting with one of them is ours. */
const ownFolders = ["src", "functions", "test", "bench", "packages", "infra", "docs", "examples", ".ci"];

/** The page without its fenced code blocks (shell comments there are not headings, nor links). */
function prose(text: string): string {
  return text.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, "");
}

/** True when a path exists; `<name>`, `{name}` and `*` segments match any entry of their folder. */
function pathExists(path: string): boolean {
  const segments = path.split("/").filter((s) => s !== "");
  let candidates = ["."];
  for (const segment of segments) {
    const wild = /[<{*]/.test(segment);
    const pattern = new RegExp(
      `^${segment
        .split(/(<[^>]*>|\{[^}]*\}|\*)/)
        .map((part, i) => (i % 2 === 1 ? ".+" : part.replace(/[.+?^$()|[\]\\]/g, "\\$&")))
        .join("")}$`,
    );
    candidates = candidates.flatMap((dir) => {
      if (!wild) return existsSync(join(dir, segment)) ? [join(dir, segment)] : [];
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return [];
      return readdirSync(dir)
        .filter((entry) => pattern.test(entry))
        .map((entry) => join(dir, entry));
    });
  }
  return candidates.length > 0;
}

/** The repository paths a page names in backticks, without `:line` or `#anchor` tails. */
function namedPaths(text: string): string[] {
  const out: string[] = [];
  const body = prose(text);
  for (const match of body.matchAll(/`([^`\s]+)`/g)) {
    const token = match[1] ?? "";
    if (!ownFolders.some((folder) => token.startsWith(`${folder}/`))) continue;
    // "Azure/azure-cli `src/azure-cli/...`": a path in another repository.
    const before = body.slice(0, match.index).split("\n").at(-1) ?? "";
    if (/[\w.-]+\/[\w.-]+\s*\(?$/.test(before)) continue;
    out.push(token.replace(/[:#].*$/, ""));
  }
  return out;
}

/** GitHub's anchors of a page's headings: lower case, punctuation dropped, spaces as dashes. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  for (const [, heading] of prose(text).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = (heading ?? "")
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    let anchor = base;
    for (let n = 1; anchors.has(anchor); n++) anchor = `${base}-${n}`;
    anchors.add(anchor);
  }
  return anchors;
}

/** The relative links of a page: target file (from the repository root) and anchor. */
function relativeLinks(page: string, text: string): { target: string; anchor?: string; raw: string }[] {
  const out: { target: string; anchor?: string; raw: string }[] = [];
  for (const [, raw = ""] of prose(text).matchAll(/\]\(([^)\s]+)\)/g)) {
    if (/^[a-z][a-z+.-]*:/i.test(raw)) continue;
    const [file = "", anchor] = raw.split("#");
    const target = file === "" ? page : normalize(join(dirname(page), file));
    out.push(anchor === undefined ? { target, raw } : { target, anchor, raw });
  }
  return out;
}

describe("paths and links in README.md and docs/", () => {
  it("finds paths and links to check (the extraction is not blind)", () => {
    const all = pages.flatMap((page) => namedPaths(readFileSync(page, "utf8")));
    expect(all).toContain("src/runtime/config.ts");
    const links = pages.flatMap((page) => relativeLinks(page, readFileSync(page, "utf8")));
    expect(links.filter((l) => l.anchor !== undefined).length).toBeGreaterThan(10);
    expect(pathExists("src/core/consumers/<type>/<type>Module.ts")).toBe(true);
    expect(pathExists("src/core/consumers/<type>/<type>Moduel.ts")).toBe(false);
    expect(pathExists("src/config.ts")).toBe(false);
    expect(
      anchorsOf("## `cmkr replay`\n## Node.js versions, and more\n## Node.js versions, and more\n"),
    ).toEqual(new Set(["cmkr-replay", "nodejs-versions-and-more", "nodejs-versions-and-more-1"]));
  });

  it.each(pages)("%s names only paths that exist", (page) => {
    const missing = namedPaths(readFileSync(page, "utf8")).filter((path) => !pathExists(path));
    expect(missing).toEqual([]);
  });

  it.each(pages)("%s links only files and sections that exist", (page) => {
    const broken = relativeLinks(page, readFileSync(page, "utf8")).filter(({ target, anchor }) => {
      if (!existsSync(target)) return true;
      if (anchor === undefined || !target.endsWith(".md")) return false;
      return !anchorsOf(readFileSync(target, "utf8")).has(anchor);
    });
    expect(broken.map((l) => l.raw)).toEqual([]);
  });
});
