import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { describeSettings } from "../../src/config.js";

describe("README configuration table", () => {
  it("documents every setting the service reads, and nothing it does not", async () => {
    const readme = await readFile("README.md", "utf8");
    const section = readme.slice(readme.indexOf("## Configuration"), readme.indexOf("## The Azure emulator"));
    const documented = [...section.matchAll(/^\| `([A-Za-z_]+)` \|/gm)].map((m) => m[1]);
    const read = describeSettings().map((s) => s.name);
    for (const name of read) expect(documented).toContain(name);
    // AZURE_CLIENT_ID is read by the credential, outside the validated settings.
    expect(documented.filter((n) => n !== "AZURE_CLIENT_ID").sort()).toEqual([...read].sort());
  });
});
