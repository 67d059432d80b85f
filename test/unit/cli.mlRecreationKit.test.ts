import { mkdtemp, readFile, readdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import { EXAMPLE_SUBSCRIPTIONS } from "../fixtures/exampleTenant.js";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";

const hub = `/subscriptions/${EXAMPLE_SUBSCRIPTIONS.prod}/resourceGroups/rg-ml-prod/providers/Microsoft.MachineLearningServices/workspaces/mlh-research`;

describe("cmkr ml-recreation-kit (in-process, embedded emulator, no storage)", () => {
  it("writes inventory.json, template.json and README.md for the example hub", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "cmkr-kit-")), "kit");
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv("ml-recreation-kit", hub, "--tenant", "examples/tenant.json", "--out", out),
      c.io,
    );
    expect(c.err).toBe("");
    expect(code).toBe(0);
    expect((await readdir(out)).sort()).toEqual(["README.md", "inventory.json", "template.json"]);
    expect(c.out).toContain("mlh-research (Hub): 15 item(s) to move across the hub and 2 project(s)");
    expect(c.out).toMatch(
      /key: https:\/\/kv-cmk-prod\.vault\.azure\.net\/keys\/cmk-large\/[0-9a-f]{32} \(passes the preflight\)/,
    );
    const inventory = JSON.parse(await readFile(join(out, "inventory.json"), "utf8")) as { newName: string };
    expect(inventory.newName).toBe("mlh-research-cmk");
    const template = JSON.parse(await readFile(join(out, "template.json"), "utf8")) as { $schema: string };
    expect(template.$schema).toMatch(/deploymentTemplate\.json#$/);
    expect(await readFile(join(out, "README.md"), "utf8")).toMatch(/^# Re-creating hub `mlh-research`/);
  });

  it.each([
    [[hub.replace("mlh-research", "mlp-vision")], /mlp-vision is a project: it is re-created with its hub/],
    [["not-an-id"], /not-an-id/],
  ])("refuses %s as a usage error (exit 2), writing nothing", async (args, message) => {
    const out = join(await mkdtemp(join(tmpdir(), "cmkr-kit-")), "kit");
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv("ml-recreation-kit", ...args, "--tenant", "examples/tenant.json", "--out", out),
      c.io,
    );
    expect(code).toBe(2);
    expect(c.err).toMatch(message);
    await expect(readdir(out)).rejects.toThrow();
  });

  it("requires --out", async () => {
    const c = captureCliOutput();
    expect(await runCli(cliArgv("ml-recreation-kit", hub, "--tenant", "examples/tenant.json"), c.io)).toBe(2);
    expect(c.err).toMatch(/--out/);
  });
});
