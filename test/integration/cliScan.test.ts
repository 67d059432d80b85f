import { randomUUID } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, inject, it } from "vitest";
import { createTableClient } from "../../src/adapters/storage/storageClients.js";
import { runCli } from "../../src/cli/runCli.js";
import { createTableLedger } from "../../src/adapters/storage/tableLedger.js";
import type { ComplianceReport } from "../../src/report/complianceReport.js";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { captureCliOutput, cliArgv } from "../support/cliCapture.js";
import { tempDirs } from "../support/tempDir.js";

const tempDir = tempDirs();

async function tenantFile() {
  const b = new TenantBuilder({ seed: "cli-scan" });
  const prod = b.subscription(b.ids.guid("subscription"), "prod");
  const dev = b.subscription(b.ids.guid("subscription"), "dev");
  const vault = b.vault({ subscriptionId: prod, resourceGroup: "rg-keys", name: "kv-scan-cmk" });
  const key = b.key(vault, "cmk", [{ createdOn: "2026-01-01T00:00:00Z", expiresOn: "2027-12-01T00:00:00Z" }]);
  const set = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-des",
    name: "des-ok",
    keyUrl: key.versionIds[0] ?? "",
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  b.grantKeyAccess(vault, set.principalId ?? "");
  const account = b.aiServicesAccount({
    subscriptionId: prod,
    resourceGroup: "rg-ai",
    name: "aoai-mmk",
    kind: "OpenAI",
  });
  const disk = b.disk({
    subscriptionId: dev,
    resourceGroup: "rg-data",
    name: "disk-pmk",
    encryption: "platform",
  });
  // A set whose key was deleted, an account whose vault was deleted, a set whose identity cannot
  // reach its key (at risk): none of them compliant.
  const gone = b.key(vault, "cmk-gone", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  const orphanSet = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-des",
    name: "des-gone",
    keyUrl: gone.versionIds[0] ?? "",
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  b.grantKeyAccess(vault, orphanSet.principalId ?? "");
  b.deleteKey(gone, { deletedDate: "2026-11-21T00:00:00Z" });
  const oldVault = b.vault({ subscriptionId: prod, resourceGroup: "rg-keys", name: "kv-scan-old" });
  const oldKey = b.key(oldVault, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  const orphanAccount = b.aiServicesAccount({
    subscriptionId: prod,
    resourceGroup: "rg-ai",
    name: "aoai-orphan",
    kind: "OpenAI",
    cmk: { vaultUrl: oldVault.url, keyName: "cmk", keyVersion: oldKey.versions[0] ?? "" },
  });
  b.deleteVault(oldVault, { deletionDate: "2026-11-21T00:00:00Z" });
  const risky = b.diskEncryptionSet({
    subscriptionId: prod,
    resourceGroup: "rg-des",
    name: "des-risky",
    keyUrl: key.versionIds[0] ?? "",
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  const dir = await tempDir();
  const file = join(dir, "tenant.json");
  await writeFile(file, JSON.stringify(b.build()));
  return { dir, file, prod, dev, account, disk, orphanSet, orphanAccount, risky };
}

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
});

describe("cmkr scan (in-process, embedded emulator)", () => {
  it("reports compliance as JSON with the ledger's actions and tickets, and writes nothing", async () => {
    const t = await tenantFile();
    // A ledger with history, as the deployed service would have left it.
    const table = `scan${randomUUID().replace(/-/g, "").slice(0, 10)}`;
    const connectionString = inject("azuriteConnectionString");
    process.env.AzureWebJobsStorage = connectionString;
    process.env.CMKR_LEDGER_TABLE = table;
    const ledger = createTableLedger(createTableClient({ connectionString }, table));
    await ledger.requestTicket({
      resourceId: t.account.id,
      resourceType: "Microsoft.CognitiveServices/accounts",
      findingCode: "AiServicesMicrosoftManagedKey",
      severity: "high",
      title: "aoai-mmk uses a Microsoft-managed key",
      body: "...",
    });
    await ledger.recordAction({
      resourceId: t.account.id,
      resourceType: "Microsoft.CognitiveServices/accounts",
      action: "open-ticket",
      status: "applied",
      reason: "aoai-mmk uses a Microsoft-managed key",
      dryRun: false,
    });

    const c = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--format", "json"), c.io)).toBe(0);
    const report = JSON.parse(c.out) as ComplianceReport;
    expect(report.totals).toEqual({
      resources: 7,
      compliant: 2,
      nonCompliant: 4,
      excluded: 0,
      undetermined: 0,
      atRisk: 1,
    });
    expect(report.findings.map((f) => [f.resourceId, f.code])).toEqual(
      expect.arrayContaining([
        [t.account.id, "AiServicesMicrosoftManagedKey"],
        [t.disk.id, "DiskPlatformKey"],
        [t.orphanSet.id, "CmkKeyDeleted"],
        [t.orphanAccount.id, "CmkVaultDeleted"],
        [t.risky.id, "CmkNextRotationRefused"],
      ]),
    );
    expect(report.findings.slice(0, 2).map((f) => f.severity)).toEqual(["urgent", "urgent"]);
    expect(report.undeterminedResources).toEqual([]);
    expect(report.bySubscription.map((g) => [g.key, g.label])).toEqual(
      expect.arrayContaining([
        [t.prod, "prod"],
        [t.dev, "dev"],
      ]),
    );
    expect(report.graphPages).toBeGreaterThanOrEqual(2);
    expect(report.tickets).toEqual([
      expect.objectContaining({ resourceId: t.account.id, findingCode: "AiServicesMicrosoftManagedKey" }),
    ]);
    expect(report.actions).toEqual([
      expect.objectContaining({ resourceId: t.account.id, action: "open-ticket" }),
    ]);
    // Read-only: the ledger holds what it held before.
    expect(await ledger.listActions()).toHaveLength(1);
  });

  it("limits the scan to --subscription and writes CSV, HTML and the table to --out", async () => {
    const t = await tenantFile();
    const c = captureCliOutput();
    expect(
      await runCli(cliArgv("scan", "--tenant", t.file, "--subscription", t.dev, "--format", "json"), c.io),
    ).toBe(0);
    const report = JSON.parse(c.out) as ComplianceReport;
    expect(report.scope.subscriptions).toEqual([t.dev]);
    expect(report.totals.resources).toBe(1);
    expect(report.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);

    for (const [format, check] of [
      ["csv", "DiskPlatformKey"],
      ["html", "<!doctype html>"],
      ["table", "Microsoft.Compute/disks"],
    ] as const) {
      const out = join(t.dir, `report.${format}`);
      const w = captureCliOutput();
      expect(await runCli(cliArgv("scan", "--tenant", t.file, "--format", format, "--out", out), w.io)).toBe(
        0,
      );
      expect(w.out).toBe("");
      expect((await readFile(out, "utf8")).toLowerCase()).toContain(check.toLowerCase());
    }
  });

  it("refuses a malformed subscription or format with exit code 2", async () => {
    const t = await tenantFile();
    const bad = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--subscription", "prod"), bad.io)).toBe(2);
    expect(bad.err).toContain("--subscription prod: expected a subscription GUID");
    const format = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--format", "pdf"), format.io)).toBe(2);
    expect(format.err).toContain("pdf");
  });

  it("--fail-on SEVERITY exits 1 when a finding at or above it exists, 0 otherwise", async () => {
    const t = await tenantFile();
    // Production holds the urgent findings (a deleted key, a deleted vault) and the high ones (AI
    // services without CMK, a set at risk); development only the medium one (the disk).
    const high = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--fail-on", "high"), high.io)).toBe(1);
    expect(high.err).toBe("fail-on high: 4 finding(s) at or above high\n");
    expect(high.out).toContain("Findings: 2 urgent, 2 high, 1 medium");
    const devHigh = captureCliOutput();
    expect(
      await runCli(
        cliArgv("scan", "--tenant", t.file, "--subscription", t.dev, "--fail-on", "high"),
        devHigh.io,
      ),
    ).toBe(0);
    const medium = captureCliOutput();
    expect(
      await runCli(
        cliArgv("scan", "--tenant", t.file, "--subscription", t.dev, "--fail-on", "medium"),
        medium.io,
      ),
    ).toBe(1);
    const bad = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--fail-on", "severe"), bad.io)).toBe(2);
    expect(bad.err).toMatch(/Allowed choices are urgent, high, medium, low/);
  });

  it("refuses a subscription the identity cannot see, and an --out it cannot write, before scanning", async () => {
    const t = await tenantFile();
    const unknown = "0b1f6471-1bf0-4dda-aec3-999999999999";
    const c = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--subscription", unknown), c.io)).toBe(2);
    expect(c.err).toBe(
      `error: --subscription ${unknown}: no such subscription visible to the service's identity (it sees 0 in its scope)\n`,
    );
    expect(c.out).toBe("");

    const missing = join(t.dir, "no-such-folder", "report.html");
    const out = captureCliOutput();
    expect(
      await runCli(cliArgv("scan", "--tenant", t.file, "--format", "html", "--out", missing), out.io),
    ).toBe(2);
    expect(out.err).toBe(
      `error: --out ${missing}: the folder ${join(t.dir, "no-such-folder")} does not exist\n`,
    );
    const folder = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--out", t.dir), folder.io)).toBe(2);
    expect(folder.err).toBe(`error: --out ${t.dir}: is a directory; give a file name\n`);
  });

  it("lists excluded resources with the exclusion in JSON, CSV and the table, and spells types one way", async () => {
    const t = await tenantFile();
    process.env.CMKR_EXCLUDE_ID_PATTERNS = "*/resourceGroups/rg-data/*";
    const json = captureCliOutput();
    expect(await runCli(cliArgv("scan", "--tenant", t.file, "--format", "json"), json.io)).toBe(0);
    const report = JSON.parse(json.out) as ComplianceReport;
    expect(report.excluded).toEqual([
      {
        resourceId: t.disk.id,
        resourceType: "Microsoft.Compute/disks",
        subscriptionId: t.dev,
        reason: "excluded by id pattern */resourceGroups/rg-data/*",
      },
    ]);
    const types = [
      ...report.byResourceType.map((g) => g.key),
      ...report.findings.map((f) => f.resourceType),
      ...report.excluded.map((e) => e.resourceType),
    ];
    expect(types.filter((type) => type === type.toLowerCase())).toEqual([]);

    const csv = captureCliOutput();
    await runCli(cliArgv("scan", "--tenant", t.file, "--format", "csv"), csv.io);
    expect(csv.out).toContain(
      `,Excluded,excluded by id pattern */resourceGroups/rg-data/*,Microsoft.Compute/disks,rg-data,disk-pmk,${t.dev},dev,${t.disk.id},false,,excluded\r\n`,
    );
    const table = captureCliOutput();
    await runCli(cliArgv("scan", "--tenant", t.file), table.io);
    expect(table.out).toMatch(/^Excluded: 1 resource$/m);
    expect(table.out).toMatch(
      /^rg-data\/disk-pmk\s+Compute\/disks\n {4}excluded by id pattern \*\/resourceGroups\/rg-data\/\*$/m,
    );
    for (const line of table.out.split("\n")) expect(line.replace(/…/g, ".").length, line).toBeLessThan(80);
  });
});
