import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { telemetrySettingNames } from "../../src/runtime/telemetry.js";
import { describeSettings } from "../../src/runtime/config.js";

describe("README configuration table", () => {
  it("documents every setting the service reads, and nothing it does not", async () => {
    const readme = await readFile("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## The Azure emulator"));
    // Settings of a feature may be documented on its own page, in its "## Settings" table (README.md
    // links there): docs/plan-and-apply.md.
    const page = await readFile("docs/plan-and-apply.md", "utf8");
    const pageSettings = page.slice(page.indexOf("## Settings"));
    const rows = (text: string) => [...text.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1] ?? "");
    const end = pageSettings.indexOf("\n## ", 1);
    const documented = [...rows(section), ...rows(end === -1 ? pageSettings : pageSettings.slice(0, end))];
    const read = describeSettings().map((s) => s.name);
    for (const name of read) expect(documented).toContain(name);
    // Read outside the validated settings: AZURE_CLIENT_ID by the credential, and the telemetry
    // settings before configuration is loaded (the Functions host reads them too).
    const outside = new Set<string>(["AZURE_CLIENT_ID", ...telemetrySettingNames]);
    for (const name of outside) expect(documented).toContain(name);
    expect(documented.filter((n) => !outside.has(n)).sort()).toEqual([...read].sort());
  });
});
