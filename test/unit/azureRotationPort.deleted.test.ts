import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { createAzureRotationPort } from "../../src/adapters/azure/azureRotationPort.js";
import { emulatedAzure } from "../support/serviceWiring.js";

/** A tenant with a soft-deleted key in a live vault and a soft-deleted vault, through TenantBuilder. */
function tenant() {
  const b = new TenantBuilder({ seed: "deleted-port" });
  const subscriptionId = b.subscription(b.ids.guid("subscription"), "prod");
  const live = b.vault({ subscriptionId, resourceGroup: "rg-keys", name: "kv-live" });
  const gone = b.key(live, "cmk-gone", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  b.key(live, "cmk-kept", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  b.deleteKey(gone, { deletedDate: "2026-11-20T08:00:00Z", scheduledPurgeDate: "2027-02-18T08:00:00Z" });
  const old = b.vault({ subscriptionId, resourceGroup: "rg-keys", name: "kv-old", location: "northeurope" });
  b.key(old, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]);
  b.deleteVault(old, { deletionDate: "2026-11-21T09:00:00Z" });
  return { tenant: b.build(), subscriptionId, live, old };
}

function port() {
  const t = tenant();
  const { clients } = emulatedAzure(t.tenant);
  return { ...t, port: createAzureRotationPort(clients, { lroPollIntervalMs: 1 }) };
}

describe("the Azure adapter reads deleted keys and vaults (real SDK clients, emulated tenant)", () => {
  it("reads a soft-deleted key with its recovery id and dates; none for a live or unknown key", async () => {
    const { port: p, live } = port();
    expect(await p.getDeletedKey(live.url, "cmk-gone")).toEqual({
      vaultUrl: live.url,
      keyName: "cmk-gone",
      recoveryId: `${live.url}/deletedkeys/cmk-gone`,
      deletedOn: new Date("2026-11-20T08:00:00Z"),
      scheduledPurgeDate: new Date("2027-02-18T08:00:00Z"),
    });
    expect(await p.getDeletedKey(live.url, "cmk-kept")).toBeUndefined();
    expect(await p.getDeletedKey(live.url, "no-such-key")).toBeUndefined();
    expect(await p.listKeyVersions(live.url, "cmk-gone")).toBeUndefined();
  });

  it("reads a soft-deleted vault by subscription, location and name; none elsewhere", async () => {
    const { port: p, subscriptionId, old } = port();
    expect(await p.readDeletedVault(subscriptionId, "northeurope", "kv-old")).toEqual({
      id: `/subscriptions/${subscriptionId}/providers/Microsoft.KeyVault/locations/northeurope/deletedVaults/kv-old`,
      name: "kv-old",
      vaultId: old.id,
      location: "northeurope",
      deletionDate: new Date("2026-11-21T09:00:00Z"),
      scheduledPurgeDate: new Date("2027-02-19T09:00:00Z"),
      purgeProtectionEnabled: true,
    });
    expect(await p.readDeletedVault(subscriptionId, "westeurope", "kv-old")).toBeUndefined();
    expect(await p.readDeletedVault(subscriptionId, "northeurope", "kv-live")).toBeUndefined();
    expect(await p.readVault(old.url)).toBeUndefined();
  });
});
