import type { ArmResource, TenantFile } from "@cmkr/azure-emulator";
import type { KeyVersionFacts } from "../../src/core/keyStores/keyFacts.js";
import { createMemoryLedger } from "../../src/adapters/memory/createMemoryLedger.js";
import type { LedgerAction } from "../../src/core/ports/actionStore.js";
import type { TicketRequest } from "../../src/core/ports/ticketRequestStore.js";
import type { ComplianceReport } from "../../src/report/complianceReport.js";
import { createComplianceReportBuilder } from "../../src/report/complianceReportBuilder.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import type { KeyRef } from "../../src/core/ids/keyId.js";
import { keyStoreStateOf, type KeyStoreReads } from "../../src/core/keyStores/keyStoreState.js";
import { detectionSettings } from "../../src/core/findings/detectionSettings.js";
import { evaluateResource, hasDetectionRule } from "../../src/core/findings/evaluateResource.js";
import type { Evaluation } from "../../src/core/findings/finding.js";
import type { RuleContext } from "../../src/core/findings/ruleContext.js";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";

/**
 * A tenant for the report tests: three subscriptions, every in-scope resource type, and a mix of
 * compliant, non-compliant (every severity), at-risk, excluded and undetermined resources, judged by
 * the real detection rules.
 */

export const NOW = new Date("2026-12-01T12:00:00Z");
export const SUB_PROD = "0b1f6471-1bf0-4dda-aec3-111111111111";
export const SUB_DEV = "0b1f6471-1bf0-4dda-aec3-222222222222";
export const SUB_SHARED = "0b1f6471-1bf0-4dda-aec3-333333333333";
/** A resource name made to break out of HTML if anything forgot to escape it. */
export const HOSTILE_NAME = `aoai-<script>alert("x")<`;

export interface ReportTenant {
  tenant: TenantFile;
  subscriptionNames: Record<string, string>;
  /** Each in-scope resource with its evaluation and subscription, in tenant order. */
  judged: { resource: ArmResource; evaluation: Evaluation; subscriptionId: string }[];
}

export function buildReportTenant(): ReportTenant {
  const b = new TenantBuilder({ seed: "report" });
  const names: Record<string, string> = {
    [SUB_PROD]: "prod",
    [SUB_DEV]: "dev & test",
    [SUB_SHARED]: "shared-keys",
  };
  for (const [id, name] of Object.entries(names)) b.subscription(id, name);
  const at = (subscriptionId: string, resourceGroup: string) => ({ subscriptionId, resourceGroup });

  // Keys: one healthy, one expired (urgent for its consumer), in a vault with purge protection off.
  const vault = b.vault({ ...at(SUB_SHARED, "rg-keys"), name: "kv-cmk" });
  const healthy = b.key(vault, "cmk", [
    { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
  ]);
  const weakVault = b.vault({ ...at(SUB_SHARED, "rg-keys"), name: "kv-legacy", purgeProtection: false });
  const expired = b.key(weakVault, "cmk-old", [
    { createdOn: "2025-01-01T00:00:00Z", expiresOn: "2026-06-01T00:00:00Z" },
  ]);

  // A key deleted from under its consumer (urgent).
  const gone = b.key(vault, "cmk-gone", [{ createdOn: "2026-01-01T00:00:00Z" }]);

  // prod: AI services (at risk: its identity has no access to its key; non-compliant, excluded,
  // hostile name), disks, disk encryption sets (compliant, expired key, deleted key, a malformed one).
  b.aiServicesAccount({
    ...at(SUB_PROD, "rg-ai"),
    name: "aoai-cmk",
    kind: "OpenAI",
    cmk: { vaultUrl: vault.url, keyName: "cmk", keyVersion: healthy.versions[0] as string },
  });
  b.aiServicesAccount({ ...at(SUB_PROD, "rg-ai"), name: "aoai-mmk", kind: "OpenAI" });
  b.aiServicesAccount({ ...at(SUB_PROD, "rg-ai"), name: "ais-noid", kind: "AIServices", identity: "None" });
  b.aiServicesAccount({
    ...at(SUB_PROD, "rg-ai"),
    name: "aoai-sandbox",
    kind: "OpenAI",
    tags: { "cmk-remediation": "exclude" },
  });
  b.aiServicesAccount({ ...at(SUB_PROD, "rg-ai"), name: HOSTILE_NAME, kind: "OpenAI" });
  const des = b.diskEncryptionSet({
    ...at(SUB_PROD, "rg-compute"),
    name: "des-prod",
    keyUrl: healthy.versionIds[0] as string,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  b.grantKeyAccess(vault, des.principalId ?? "");
  const orphan = b.diskEncryptionSet({
    ...at(SUB_PROD, "rg-compute"),
    name: "des-orphan",
    keyUrl: gone.versionIds[0] as string,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  b.grantKeyAccess(vault, orphan.principalId ?? "");
  b.deleteKey(gone, { deletedDate: "2026-11-30T08:00:00Z" });
  const odd = b.diskEncryptionSet({
    ...at(SUB_PROD, "rg-compute"),
    name: "des-odd",
    keyUrl: healthy.versionIds[0] as string,
    sourceVaultId: vault.id,
    autoRotation: true,
  });
  const desOld = b.diskEncryptionSet({
    ...at(SUB_PROD, "rg-compute"),
    name: "des-legacy",
    keyUrl: expired.versionIds[0] as string,
    sourceVaultId: weakVault.id,
  });
  b.disk({ ...at(SUB_PROD, "rg-compute"), name: "data-cmk", encryption: { desId: des.id } });
  b.disk({ ...at(SUB_PROD, "rg-compute"), name: "data-old", encryption: { desId: desOld.id } });
  b.disk({ ...at(SUB_PROD, "rg-compute"), name: "data-pmk", encryption: "platform" });
  b.disk({ ...at(SUB_PROD, "rg-compute"), name: "scratch-pmk", encryption: "platform" });

  // dev: Machine Learning (no CMK, a Project whose Hub is not provided, one excluded by tag).
  const hub = b.mlWorkspace({ ...at(SUB_DEV, "rg-ml"), name: "hub-dev", kind: "Hub" });
  b.mlWorkspace({ ...at(SUB_DEV, "rg-ml"), name: "proj-dev", kind: "Project", hubId: hub.id });
  b.mlWorkspace({ ...at(SUB_DEV, "rg-ml"), name: "mlw-dev" });
  b.mlWorkspace({
    ...at(SUB_DEV, "rg-ml"),
    name: "mlw-scratch",
    tags: { "CMK-Remediation": "Exclude" },
  });
  b.disk({ ...at(SUB_DEV, "rg-compute"), name: "dev-pmk", encryption: "platform" });

  const tenant = b.build();
  // A field of a shape ARM never writes: the set cannot be judged, and the report says which field.
  const oddBody = tenant.resources.find((r) => r.id === odd.id);
  if (oddBody !== undefined) oddBody.identity = { type: "SystemAssigned", principalId: 42 };
  const settings = detectionSettings({ desAutoRotation: "enable" });
  const vaults = tenant.resources.filter((r) => r.type === "Microsoft.KeyVault/vaults");
  const keyFacts = (keyUrl: string): KeyVersionFacts | undefined => {
    const m = /^(https:\/\/[^/]+)\/keys\/([^/]+)\/([^/]+)$/.exec(keyUrl);
    if (m === null) return undefined;
    const [, vaultUrl, keyName, version] = m as unknown as [string, string, string, string];
    const v = tenant.keyVaults[vaultUrl]?.keys[keyName]?.find((k) => k.version === version);
    if (v === undefined) return undefined;
    return {
      keyId: keyUrl,
      vaultUrl,
      keyName,
      version,
      kty: v.kty,
      keySize: v.keySize,
      enabled: v.enabled,
      createdOn: new Date(v.createdOn),
      expiresOn: v.expiresOn === null || v.expiresOn === undefined ? undefined : new Date(v.expiresOn),
      keyOps: v.keyOps,
    };
  };
  const ok = <T>(value: T) => ({ ok: true as const, value });
  // What the sweep would read about a consumer's key store, from the tenant file.
  const readsOf = (key: KeyRef): KeyStoreReads => {
    const vaultBody = vaults.find(
      (v) => (v.properties as { vaultUri?: string }).vaultUri?.replace(/\/$/, "") === key.vaultUrl,
    );
    const store = tenant.keyVaults[key.vaultUrl];
    const deleted = store?.deletedKeys?.[key.keyName];
    return {
      vault: ok(vaultBody === undefined ? undefined : vaultFactsFromArm(vaultBody)),
      keyVersions: ok(
        store?.keys[key.keyName]?.map((v) => ({
          keyId: `${key.vaultUrl}/keys/${key.keyName}/${v.version}`,
          version: v.version,
          enabled: v.enabled,
          createdOn: new Date(v.createdOn),
        })),
      ),
      keyVersion: key.version === undefined ? undefined : ok(keyFacts(key.keyId)),
      deletedKey: ok(
        deleted === undefined
          ? undefined
          : { vaultUrl: key.vaultUrl, keyName: key.keyName, deletedOn: new Date(deleted.deletedDate) },
      ),
      roleAssignments: ok([]),
    };
  };
  const contextOf = (resource: ArmResourceJson): RuleContext => {
    const base = { settings, now: NOW };
    if (resource.type === "Microsoft.KeyVault/vaults") return { ...base, holdsCmkKeys: true };
    // Every CMK consumer gets its key store as the sweep reads it.
    const key = consumerRuleFor(resource.type)?.currentKey(resource);
    if (key === undefined) return base;
    const keyStore = keyStoreStateOf(key, readsOf(key));
    return {
      ...base,
      keyStore,
      vault: keyStore.kind === "present" || keyStore.kind === "key-deleted" ? keyStore.vault : undefined,
      currentKey: keyStore.kind === "present" ? keyStore.currentKey : undefined,
    };
  };
  const judged = tenant.resources
    .filter((r) => hasDetectionRule(r.type))
    .map((resource) => ({
      resource,
      evaluation: evaluateResource(resource, contextOf(resource)),
      subscriptionId: /^\/subscriptions\/([^/]+)/.exec(resource.id)?.[1] ?? "",
    }));
  return { tenant, subscriptionNames: names, judged };
}

/** A ticket title made to break out of HTML, and an action reason that tries to load a remote image. */
export const HOSTILE_TITLE = `</td></script><script>alert(1)</script>`;
export const HOSTILE_REASON = `<img src="https://evil.example/x.png"> =HYPERLINK("https://evil.example")`;

/**
 * Ledger contents written and read back through a ledger: actions the service took about the
 * tenant's findings, and ticket requests in every state. The in-memory ledger reads back what the
 * Table ledger does (test/contract), so the reports see what they would see in Azure.
 */
export async function recordLedger(
  report: ReportTenant,
): Promise<{ actions: LedgerAction[]; tickets: TicketRequest[] }> {
  let clock = Date.parse("2026-11-20T08:00:00Z");
  const ledger = createMemoryLedger(() => (clock += 60_000));
  const findings = report.judged.flatMap((j) => j.evaluation.findings);
  const des = findings.find((f) => f.code === "DesAutoRotationOff");
  const expired = findings.find((f) => f.code === "CmkKeyExpired");
  const disks = findings.filter((f) => f.code === "DiskPlatformKey");
  if (des === undefined || expired === undefined || disks.length < 2) throw new Error("fixture changed");
  await ledger.recordAction({
    resourceId: des.resourceId,
    resourceType: des.resourceType,
    action: "none",
    status: "applied",
    reason: "platform auto-rotation turned on",
    codes: [des.code],
    before: { properties: { rotationToLatestKeyVersionEnabled: false } },
    after: { properties: { rotationToLatestKeyVersionEnabled: true } },
    dryRun: false,
  });
  await ledger.recordAction({
    resourceId: expired.resourceId,
    resourceType: expired.resourceType,
    action: "refuse",
    status: "skipped",
    reason: HOSTILE_REASON,
    from: "https://kv-legacy.vault.azure.net/keys/cmk-old/1",
    to: "https://kv-legacy.vault.azure.net/keys/cmk-old/2",
    dryRun: true,
  });
  for (const f of [...disks, expired]) {
    await ledger.recordAction({
      resourceId: f.resourceId,
      resourceType: f.resourceType,
      action: "open-ticket",
      status: "applied",
      reason: f.title,
      codes: [f.code],
      dryRun: false,
    });
    await ledger.requestTicket({
      resourceId: f.resourceId,
      resourceType: f.resourceType,
      findingCode: f.code,
      title: f === expired ? HOSTILE_TITLE : f.title,
      body: f.body,
      severity: f.severity,
    });
  }
  const [first, second] = disks as [(typeof disks)[0], (typeof disks)[0]];
  await ledger.markTicket(
    { resourceId: first.resourceId, findingCode: first.code },
    {
      opened: { sink: "github", externalId: "17", url: "https://github.com/contoso/platform/issues/17" },
    },
  );
  await ledger.resolveTickets(
    second.resourceId,
    { candidates: new Set([second.code]), current: new Set() },
    "compliant now",
  );
  return { actions: await ledger.listActions(), tickets: await ledger.listTicketRequests() };
}

/** The report of {@link buildReportTenant}, with the ledger contents when given. */
export function reportOf(
  tenant: ReportTenant,
  ledger?: { actions: LedgerAction[]; tickets: TicketRequest[] },
): ComplianceReport {
  const builder = createComplianceReportBuilder({
    scope: { subscriptions: [], managementGroups: [] },
    now: NOW,
    subscriptionNames: tenant.subscriptionNames,
  });
  for (const j of tenant.judged) builder.add(j.evaluation, j.subscriptionId);
  builder.addGraphPages(2);
  if (ledger !== undefined) builder.setLedger(ledger.actions, ledger.tickets);
  return builder.build();
}
