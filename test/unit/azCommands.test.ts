import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * Every Azure CLI command the project tells a person or a script to run (ticket texts in src/, README.md,
 * docs/, infra/) must be in docs/az-commands.json with every flag it is given: that file records where each
 * command and flag was checked. A command or flag that is not there fails here, whatever file it is in.
 */

interface CommandEntry {
  command: string;
  flags: string[];
  source: string;
  status: "verified" | "corroborated" | "unchecked";
  checked: string;
}

interface CommandTable {
  globalFlags: { flags: string[]; source: string };
  commands: CommandEntry[];
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const read = (file: string): string => readFileSync(path.join(root, file), "utf8");
const table = JSON.parse(read("docs/az-commands.json")) as CommandTable;

function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.posix.join(dir, entry.name);
    if (entry.isDirectory()) return filesUnder(rel, accept);
    return accept(entry.name) ? [rel] : [];
  });
}

/**
 * The files whose texts are checked: found by walking, so a file moved or added is still covered.
 * docs/az-commands.md is the register itself (it quotes the removed flags on purpose); the last test
 * below holds it to the JSON instead. docs/restrictions.md is the research record: it quotes
 * Microsoft's pages verbatim as evidence, including their commands; a command the product tells
 * people to run appears in a ticket text or a guide and is checked there.
 */
function scannedFiles(): string[] {
  return [
    ...filesUnder("src", (n) => n.endsWith(".ts")),
    "README.md",
    ...filesUnder("docs", (n) => n.endsWith(".md") && n !== "az-commands.md" && n !== "restrictions.md"),
    ...filesUnder("infra", (n) => /\.(md|bicep|sh|ps1)$/.test(n)),
  ];
}

interface AzCommand {
  /** Command path without `az`, e.g. `keyvault update`. */
  command: string;
  flags: string[];
  text: string;
}

/**
 * Every `az ...` command in a text. Shell line continuations (a backslash, or a PowerShell backtick, at
 * the end of a line) are joined first. A command ends at an inline-code backtick (escaped or not), the end
 * of the line, a pipe, `;`, `&&` or `$(`. Its path is the lower-case words after `az`; its flags are the
 * `-x` / `--xyz` tokens after them.
 */
function extractAzCommands(text: string, powershell = false): AzCommand[] {
  const joined = powershell ? text.replace(/`\r?\n\s*/g, " ") : text.replace(/\\\r?\n\s*/g, " ");
  const commands: AzCommand[] = [];
  for (const match of joined.matchAll(/(?<![\w.$/-])az +(?=[a-z])/g)) {
    const start = match.index + match[0].length;
    const rest = joined.slice(start);
    const end = rest.search(/\\?`|\r?\n|\||;|&&|\$\(/);
    const body = end === -1 ? rest : rest.slice(0, end);
    const words = body.split(/\s+/);
    const pathWords: string[] = [];
    for (const word of words) {
      if (!/^[a-z][a-z0-9-]*$/.test(word)) break;
      pathWords.push(word);
    }
    if (pathWords.length === 0) continue;
    const flags = [...body.matchAll(/(?:^|\s)(--?[a-zA-Z][\w-]*)/g)].map((m) => m[1] ?? "");
    commands.push({ command: pathWords.join(" "), flags, text: `az ${body.trim()}` });
  }
  return commands;
}

interface Found extends AzCommand {
  file: string;
}

function foundCommands(): Found[] {
  return scannedFiles().flatMap((file) =>
    extractAzCommands(read(file), file.endsWith(".ps1")).map((c) => ({ ...c, file })),
  );
}

/**
 * What is wrong with one command, or undefined. A bare command group (`az keyvault` in prose) is accepted
 * when it is the start of a recorded command and carries no flags. Words after the command path that are
 * not part of it (a value such as `... --settings`) are not checked; its flags are.
 */
function problem(found: AzCommand): string | undefined {
  const byCommand = new Map(table.commands.map((c) => [c.command, c]));
  const words = found.command.split(" ");
  let entry: CommandEntry | undefined;
  for (let n = words.length; n > 0 && entry === undefined; n--)
    entry = byCommand.get(words.slice(0, n).join(" "));
  if (entry === undefined) {
    const isGroup = table.commands.some((c) => c.command.startsWith(`${found.command} `));
    return isGroup && found.flags.length === 0 ? undefined : `unknown command "az ${found.command}"`;
  }
  const allowed = new Set([...entry.flags, ...table.globalFlags.flags]);
  const unknown = found.flags.filter((f) => !allowed.has(f));
  return unknown.length === 0
    ? undefined
    : `"az ${entry.command}" has no recorded flag ${unknown.join(", ")}`;
}

describe("az commands in the project's texts", () => {
  const found = foundCommands();

  it("are found in src/, README.md, docs/ and infra/ (the extraction is not blind)", () => {
    const files = new Set(found.map((f) => f.file.split("/")[0]));
    for (const top of ["src", "docs", "infra"]) expect(files, top).toContain(top);
    expect(found.length).toBeGreaterThan(20);
  });

  const filesWithCommands = [...new Set(found.map((f) => f.file))];

  it.each(filesWithCommands)("%s uses only commands and flags recorded in docs/az-commands.json", (file) => {
    const problems = found
      .filter((f) => f.file === file)
      .flatMap((f) => {
        const p = problem(f);
        return p === undefined ? [] : [`${p}: ${f.text}`];
      });
    expect(problems).toEqual([]);
  });

  it("every recorded command is still used somewhere", () => {
    const used = new Set(found.map((f) => f.command));
    for (const entry of table.commands) {
      expect(
        [...used].some((u) => u === entry.command || u.startsWith(`${entry.command} `)),
        entry.command,
      ).toBe(true);
    }
  });

  it("every recorded command names its source, its status and the date it was checked", () => {
    for (const entry of [...table.commands]) {
      expect(entry.source.length, entry.command).toBeGreaterThan(10);
      expect(["verified", "corroborated", "unchecked"]).toContain(entry.status);
      expect(entry.checked).toMatch(/^\d{4}-\d{2}-\d{2}$/);
      if (entry.status === "unchecked") expect(entry.flags, entry.command).toEqual([]);
      for (const flag of entry.flags) expect(flag).toMatch(/^--?[a-z][a-z0-9-]*$/);
    }
  });

  it("docs/az-commands.md shows exactly the recorded commands, flags and statuses", () => {
    const doc = read("docs/az-commands.md");
    const rows = [...doc.matchAll(/^\| `az ([^`]+)` \| ([^|]*) \| (\w+) \| (\d{4}-\d{2}-\d{2}) \|/gm)].map(
      (m) => ({
        command: m[1],
        flags: [...(m[2] ?? "").matchAll(/`([^`]+)`/g)].map((f) => f[1]),
        status: m[3],
        checked: m[4],
      }),
    );
    expect(rows).toEqual(
      table.commands.map((c) => ({
        command: c.command,
        flags: c.flags,
        status: c.status,
        checked: c.checked,
      })),
    );
  });
});

describe("the az command extraction", () => {
  it("reads inline code in markdown and TypeScript, shell continuations and PowerShell continuations", () => {
    const ts =
      "`Turn it on: \\`az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true\\`.`";
    expect(extractAzCommands(ts)).toEqual([
      {
        command: "keyvault update",
        flags: ["--name", "--resource-group", "--enable-purge-protection"],
        text: "az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true",
      },
    ]);
    const sh = 'x=$(retry az deployment mg create \\\n  --name "n" \\\n  --location l --query q -o tsv)\n';
    expect(extractAzCommands(sh).map((c) => [c.command, c.flags])).toEqual([
      ["deployment mg create", ["--name", "--location", "--query", "-o"]],
    ]);
    const ps1 = "az deployment mg create `\n  --management-group-id $env:MG `\n  --location x\n";
    expect(extractAzCommands(ps1, true).map((c) => c.flags)).toEqual([
      ["--management-group-id", "--location"],
    ]);
  });

  it("ignores prose, other tools and `az` alone, and stops at a pipe or a subshell", () => {
    expect(extractAzCommands("the Azure CLI (`az`, which brings Bicep), `azd up`, Baz qux")).toEqual([]);
    expect(
      extractAzCommands("az vm start --ids $(az vm list --query x) | tee out").map((c) => [
        c.command,
        c.flags,
      ]),
    ).toEqual([
      ["vm start", ["--ids"]],
      ["vm list", ["--query"]],
    ]);
  });

  it("rejects an unknown flag, an unknown command, and flags on a bare group", () => {
    expect(problem({ command: "keyvault update", flags: ["--enable-soft-delete"], text: "" })).toMatch(
      /no recorded flag --enable-soft-delete/,
    );
    expect(problem({ command: "keyvault frobnicate", flags: [], text: "" })).toMatch(/unknown command/);
    expect(problem({ command: "keyvault", flags: [], text: "" })).toBeUndefined();
    expect(problem({ command: "keyvault", flags: ["--name"], text: "" })).toMatch(/unknown command/);
    expect(problem({ command: "keyvault update", flags: ["--query", "-o"], text: "" })).toBeUndefined();
  });
});
