import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/runCli.js";
import type { Report } from "../../src/core/report/report.js";
import { parseTenantFile } from "@cmkr/azure-emulator";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
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
    // Azure OpenAI on an RBAC vault, its identity holding the Crypto Service Encryption User role.
    expect(by("aoai-rbac-prod")).toContainEqual(
      expect.objectContaining({ action: "rotate-key", status: "applied" }),
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
      // The delete event is confirmed with a fresh read: the disk is still there, its ticket stays open.
      expect.objectContaining({ action: "update-ticket", status: "applied", codes: ["DiskPlatformKey"] }),
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

  it("replays a batch where one vault has an unexpected shape: its consumer fails, naming the field; the rest plays", async () => {
    const b = new TenantBuilder({ seed: "replay-isolation" });
    const sub = b.subscription(b.ids.guid("subscription"), "prod");
    const at = { subscriptionId: sub, resourceGroup: "rg-keys" };
    const versions = [
      { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
      { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
    ];
    const good = b.vault({ ...at, name: "kv-replay-good" });
    const odd = b.vault({ ...at, name: "kv-replay-odd" });
    const keys = { good: b.key(good, "cmk", versions), odd: b.key(odd, "cmk", versions) };
    for (const [name, vault] of [
      ["des-replay-good", good],
      ["des-replay-odd", odd],
    ] as const) {
      const key = name.endsWith("good") ? keys.good : keys.odd;
      const set = b.diskEncryptionSet({
        ...at,
        name,
        keyUrl: key.versionIds[0] ?? "",
        sourceVaultId: vault.id,
      });
      b.grantKeyAccess(vault, set.principalId ?? "");
    }
    const tenant = b.build();
    const oddBody = tenant.resources.find((r) => r.id === odd.id);
    (oddBody?.properties as Record<string, unknown>).networkAcls = { defaultAction: "Sometimes" };
    const dir = await tempDir();
    await writeFile(join(dir, "tenant.json"), JSON.stringify(tenant));
    await mkdir(join(dir, "events"));
    for (const [file, vault, key] of [
      ["01-odd.json", odd, keys.odd],
      ["02-good.json", good, keys.good],
    ] as const) {
      const version = key.versions[1] ?? "";
      const event = {
        id: `evt-${file}`,
        topic: vault.id,
        subject: key.name,
        eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
        eventTime: "2026-11-22T11:00:00Z",
        data: {
          Id: `${key.id}/${version}`,
          VaultName: vault.name,
          ObjectType: "Key",
          ObjectName: key.name,
          Version: version,
        },
        dataVersion: "1",
        metadataVersion: "1",
      };
      await writeFile(join(dir, "events", file), JSON.stringify([event]));
    }
    const c = captureCliOutput();
    const code = await runCli(
      cliArgv("replay", join(dir, "events"), "--tenant", join(dir, "tenant.json"), "--json"),
      c.io,
    );
    const report = JSON.parse(c.out) as Report;
    const by = (name: string) => report.actions.filter((a) => a.resourceId.endsWith(`/${name}`));
    expect(by("des-replay-odd")).toEqual([
      expect.objectContaining({
        action: "none",
        status: "failed",
        codes: ["ArmFactsInvalid"],
        reason: expect.stringMatching(
          /vaults\/kv-replay-odd: field properties\.networkAcls\.defaultAction/,
        ) as unknown,
      }),
    ]);
    expect(by("des-replay-good")).toEqual([
      expect.objectContaining({ action: "rotate-key", status: "planned" }),
    ]);
    expect(report.errors).toEqual([]);
    expect(code).toBe(1);
  });
});
