import type { TenantFile } from "@cmkr/azure-emulator";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";

/** Deterministic ids for generated tenants. */
export const hex32 = (n: number): string => n.toString(16).padStart(32, "0");
export const subscriptionGuid = (n: number): string =>
  `5e3c6f0a-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export const benchVaultUrl = "https://kv-bench.vault.azure.net";
export const benchKey = "cmk";
export const oldVersion = hex32(1);
export const newVersion = hex32(2);

/**
 * A tenant of `subscriptions` subscriptions with `consumers` consumers of one key (disk encryption
 * sets and OpenAI accounts, alternating) on the old version, each with the access policy it needs,
 * and `noise` unrelated platform-key disks per subscription, so a per-subscription listing has real
 * work to do.
 */
export function rotationBenchTenant(subscriptions: number, consumers: number, noise = 0): TenantFile {
  const b = new TenantBuilder({ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", seed: "rotation-bench" });
  for (let s = 1; s <= subscriptions; s++) b.subscription(subscriptionGuid(s), `sub-${s}`);
  const vault = b.vault({ subscriptionId: subscriptionGuid(1), resourceGroup: "rg-keys", name: "kv-bench" });
  b.key(vault, benchKey, [
    { version: oldVersion, createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
    { version: newVersion, createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
  ]);
  const key = { vault, keyName: benchKey, version: oldVersion };
  for (let i = 0; i < consumers; i++) {
    const subscriptionId = subscriptionGuid((i % subscriptions) + 1);
    if (i % 2 === 0) {
      b.cmkConsumer({
        kind: "diskEncryptionSet",
        subscriptionId,
        resourceGroup: "rg-compute",
        name: `des-${i}`,
        key,
      });
    } else {
      b.cmkConsumer({ kind: "openAI", subscriptionId, resourceGroup: "rg-ai", name: `aoai-${i}`, key });
    }
  }
  for (let s = 1; s <= subscriptions; s++) {
    for (let n = 0; n < noise; n++) {
      b.disk({
        subscriptionId: subscriptionGuid(s),
        resourceGroup: "rg-data",
        name: `disk-${n}`,
        encryption: "platform",
      });
    }
  }
  return b.build();
}

/** A KeyNewVersionCreated delivery for the bench key. */
export function benchKeyEvent(): unknown {
  return {
    id: "bench-event",
    topic: `/subscriptions/${subscriptionGuid(1)}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-bench`,
    subject: benchKey,
    eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
    eventTime: "2026-11-22T12:00:00Z",
    dataVersion: "1",
    metadataVersion: "1",
    data: {
      Id: `${benchVaultUrl}/keys/${benchKey}/${newVersion}`,
      VaultName: "kv-bench",
      ObjectType: "Key",
      ObjectName: benchKey,
      Version: newVersion,
      NBF: null,
      EXP: 1830297600,
    },
  };
}
