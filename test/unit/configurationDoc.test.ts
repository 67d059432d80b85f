import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { telemetrySettingNames } from "../../src/runtime/telemetry.js";
import { describeSettings, loadConfig } from "../../src/runtime/config.js";

/** The rows of the settings table of docs/configuration.md: name and default cell. */
async function documentedSettings(): Promise<{ name: string; defaultCell: string }[]> {
  const doc = await readFile("docs/configuration.md", "utf8");
  const start = doc.indexOf("\n## Settings");
  expect(start, "docs/configuration.md has a Settings section").toBeGreaterThan(0);
  const end = doc.indexOf("\n## ", start + 1);
  const section = doc.slice(start, end === -1 ? undefined : end);
  return [...section.matchAll(/^\| `([A-Za-z_]+)` \| ([^|]*) \|/gm)].map((m) => ({
    name: m[1] ?? "",
    defaultCell: (m[2] ?? "").trim(),
  }));
}

/** How the table writes a default the configuration applies when the variable is unset. */
function defaultCell(value: unknown): string {
  if (value === undefined) return "(unset)";
  if (Array.isArray(value)) return value.length === 0 ? "(empty)" : `\`${value.join(",")}\``;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    return `\`${String(value)}\``;
  }
  expect(Object.keys(value as object), "a map setting defaults to empty").toEqual([]);
  return "(empty)";
}

describe("docs/configuration.md, the settings contract", () => {
  it("documents every setting the service reads, and nothing it does not", async () => {
    const documented = (await documentedSettings()).map((s) => s.name);
    const read = describeSettings().map((s) => s.name);
    for (const name of read) expect(documented).toContain(name);
    // Read outside the validated settings: AZURE_CLIENT_ID by the credential, and the telemetry
    // settings before configuration is loaded (the Functions host reads them too).
    const outside = new Set<string>(["AZURE_CLIENT_ID", ...telemetrySettingNames]);
    for (const name of outside) expect(documented).toContain(name);
    expect(documented.filter((n) => !outside.has(n)).sort()).toEqual([...read].sort());
    expect(new Set(documented).size, "each setting documented once").toBe(documented.length);
  });

  it("gives each setting the default the configuration applies when it is unset", async () => {
    const defaults = loadConfig({}) as Record<string, unknown>;
    const rows = await documentedSettings();
    for (const { name } of describeSettings()) {
      const row = rows.find((r) => r.name === name);
      expect(row?.defaultCell, name).toBe(defaultCell(defaults[name]));
    }
    for (const name of ["AZURE_CLIENT_ID", ...telemetrySettingNames]) {
      expect(rows.find((r) => r.name === name)?.defaultCell, name).toBe("(unset)");
    }
  });
});
