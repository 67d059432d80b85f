import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import type { Report } from "../../src/core/report/report.js";
import { parseTenantFile } from "@cmkr/azure-emulator";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();

describe("cmkr replay and remediate (in-process, embedded emulator and Azurite)", () => {
  it("replays the example events with --apply --json and saves a tenant with the new versions", async () => {
    process.env.CMKR_SERVICE_PRINCIPAL_ID = "5f4e3d2c-1b0a-4987-8654-3210fedcba98";
    const dir = await tempDir();
    const saved = join(dir, "out.json");
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv(
        "replay",
        "examples/events",
        "--tenant",
        "examples/tenant.json",
        "--apply",
        "--json",
        "--save-tenant",
        saved,
      ),
      c.io,
    );
    const report = JSON.parse(c.out) as Report;
    expect(report.dryRun).toBe(false);
    const by = (name: string) => report.actions.filter((a) => a.resourceId.endsWith(`/${name}`));
    expect(by("aoai-chat-prod")).toContainEqual(
      expect.objectContaining({ action: "rotate-key", status: "applied" }),
    );
    expect(by("des-prod")).toContainEqual(
      expect.objectContaining({ action: "rotate-key", status: "applied" }),
    );
    expect(by("ais-docs-prod")).toContainEqual(
      expect.objectContaining({ action: "refuse", codes: ["IdentityLacksKeyPermissions"] }),
    );
    expect(by("aoai-rbac-prod")).toContainEqual(
      expect.objectContaining({ action: "refuse", codes: ["VaultUsesRbac"] }),
    );
    expect(by("des-dev")).toContainEqual(
      expect.objectContaining({ action: "refuse", codes: ["VaultPurgeProtectionDisabled"] }),
    );
    expect(by("aoai-search-prod")).toContainEqual(
      expect.objectContaining({ action: "refuse", codes: ["KeySizeNotAllowed"] }),
    );
    expect(by("des-large")).toContainEqual(
      expect.objectContaining({ action: "rotate-key", status: "applied" }),
    );
    expect(by("des-legacy")).toContainEqual(
      expect.objectContaining({ action: "open-ticket", codes: ["KeyNearExpiry"] }),
    );
    // Resource writes (events 07-14): detection, triage and ticket resolution.
    expect(by("aoai-playground")).toContainEqual(
      expect.objectContaining({ action: "open-ticket", codes: ["AiServicesMicrosoftManagedKey"] }),
    );
    expect(by("mlw-experiments")).toContainEqual(
      expect.objectContaining({ action: "open-ticket", codes: ["MlWorkspaceWithoutCmk"] }),
    );
    expect(by("scratch-01")).toEqual([
      expect.objectContaining({ action: "open-ticket", codes: ["DiskPlatformKey"] }),
      expect.objectContaining({
        action: "update-ticket",
        status: "applied",
        reason: "resource deleted: 1 ticket(s) resolved",
      }),
    ]);
    expect(by("vm-build-01-os")).toContainEqual(
      expect.objectContaining({ action: "open-ticket", codes: ["DiskPlatformKey"] }),
    );
    expect(by("aoai-excluded")).toEqual([expect.objectContaining({ action: "none", status: "skipped" })]);
    expect(by("des-prod")).toContainEqual(expect.objectContaining({ action: "none", codes: ["OwnWrite"] }));
    expect(report.errors).toEqual([]);
    expect(code).toBe(1); // refusals are reported with exit code 1

    const tenant = parseTenantFile(JSON.parse(await readFile(saved, "utf8")));
    const des = tenant.resources.find((r) => r.name === "des-prod");
    expect(JSON.stringify(des?.properties)).toContain("7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f");
    const refused = tenant.resources.find((r) => r.name === "ais-docs-prod");
    expect(JSON.stringify(refused?.properties)).toContain("3f2a9c1e5b7d4e8fa0c2d4e6f8a1b3c5");
  });

  it("plans without --apply: nothing is written and the table says so", async () => {
    const c = captureCliOutput(160);
    const code = await runCli(
      cliArgv(
        "replay",
        "examples/events/01-key-new-version-prod.eventgrid.json",
        "--tenant",
        "examples/tenant.json",
      ),
      c.io,
    );
    expect(c.out).toMatch(/^Dry run: nothing was written/);
    expect(c.out).toMatch(/rotate-key\s+planned\s+rg-compute-prod\/des-prod/);
    expect(c.out).toMatch(/refuse\s+planned\s+rg-ai-prod\/ais-docs-prod/);
    expect(code).toBe(1);
  });

  it("remediates every consumer of a key, and one resource, on demand", async () => {
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv(
        "remediate",
        "https://kv-cmk-prod.vault.azure.net/keys/cmk",
        "--tenant",
        "examples/tenant.json",
        "--apply",
        "--json",
      ),
      c.io,
    );
    const report = JSON.parse(c.out) as Report;
    expect(
      report.actions
        .filter((a) => a.status === "applied")
        .map((a) => a.resourceId.split("/").pop())
        .sort(),
    ).toEqual(["aoai-chat-prod", "des-prod", "mlh-platform", "mlw-risk-prod"]);
    expect(code).toBe(1);

    const one = captureCliOutput();
    const id =
      "/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111/resourceGroups/rg-compute-prod/providers/Microsoft.Compute/diskEncryptionSets/des-large";
    expect(
      await runCli(cliArgv("remediate", id, "--tenant", "examples/tenant.json", "--apply", "--json"), one.io),
    ).toBe(0);
    expect((JSON.parse(one.out) as Report).actions).toEqual([
      expect.objectContaining({ resourceId: id, action: "rotate-key", status: "applied" }),
    ]);
  });

  it.each([
    [["remediate", "not-an-id", "--tenant", "examples/tenant.json"], /expected a resource id/],
    [["replay", "does-not-exist.json", "--tenant", "examples/tenant.json"], /no such file/],
    [
      ["remediate", "https://kv.example.com/secrets/x", "--tenant", "examples/tenant.json"],
      /not a Key Vault key URI/,
    ],
  ])("usage errors exit 2: %j", async (args, message) => {
    const c = captureCliOutput();
    expect(await runCli(cliArgv(...args), c.io)).toBe(2);
    expect(c.err).toMatch(message);
    expect(c.err).not.toMatch(/\n\s+at /);
  });
});

describe("cmkr settings errors", () => {
  it("a ticket sink missing its settings is a usage error naming the variable", async () => {
    process.env.CMKR_TICKET_SINK = "github";
    try {
      const c = captureCliOutput();
      const code = await runCli(
        cliArgv(
          "remediate",
          "https://kv-cmk-prod.vault.azure.net/keys/cmk",
          "--tenant",
          "examples/tenant.json",
        ),
        c.io,
      );
      expect(code).toBe(2);
      expect(c.err).toMatch(/^error: Invalid setting CMKR_GITHUB_REPO: required by CMKR_TICKET_SINK=github/);
    } finally {
      delete process.env.CMKR_TICKET_SINK;
    }
  });
});
