import {
  SINGLE_KEY,
  SingleKeyTenant,
  TenantBuilder,
  type CmkConsumerKind,
} from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import { handleEvents } from "../../src/app/handleEvents.js";
import { remediateKey } from "../../src/app/remediate.js";
import { stringField } from "../../src/core/arm/armResource.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { createMemoryService, type MemoryService } from "../support/memoryService.js";

/*
 * Consumers whose key or vault URI is spelled as other tools write it are found by a key event and
 * by remediate-by-key, and rotated: the Resource Graph query runs through the real
 * ResourceGraphClient against the emulator's KQL, the rotation through the real SDK clients. The
 * `:443` spelling is the one Key Vault's resource provider returns (`keyUriWithVersion` in
 * test/conformance/material/rest-api-specs/keyvault-mgmt/2024-11-01/examples/getKeyVersion.json),
 * which templates copy into `activeKey.keyUrl`.
 */

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;
const versions = [
  { version: V1, createdOn: "2026-01-01T00:00:00Z" },
  { version: V2, createdOn: "2026-11-20T00:00:00Z" },
];

const hostPart = /^(https:\/\/)([^/]+)/i;

/** How other tools spell the same key or vault URI. */
const spellings: Record<string, (uri: string) => string> = {
  ":443": (uri) => uri.replace(hostPart, "$1$2:443"),
  "upper-case host": (uri) =>
    uri.replace(hostPart, (_, scheme: string, host: string) => scheme + host.toUpperCase()),
  // A key URI gains a trailing slash; a vault URI (written `https://{host}/` by ARM) loses it.
  "trailing slash toggled": (uri) => (uri.endsWith("/") ? uri.slice(0, -1) : `${uri}/`),
  "all at once": (uri) => {
    const toggled = uri.endsWith("/") ? uri.slice(0, -1) : `${uri}/`;
    return toggled.replace(
      hostPart,
      (_, _scheme: string, host: string) => `HTTPS://${host.toUpperCase()}:443`,
    );
  },
};

const kinds: readonly CmkConsumerKind[] = ["diskEncryptionSet", "openAI", "aiServices", "mlWorkspace"];

/** The URI field each consumer type records, to show the test really wrote the spelling. */
function recordedUri(body: Record<string, unknown>): string | undefined {
  return (
    stringField(body, "properties", "activeKey", "keyUrl") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyIdentifier") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyVaultUri")
  );
}

/** The key version a consumer uses now, read from the emulator's state. */
function versionOf(svc: MemoryService, id: string): string | undefined {
  const body = svc.emulator.state.getResource(id)?.body;
  const uri =
    stringField(body, "properties", "activeKey", "keyUrl") ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyIdentifier");
  return (
    uri?.replace(/\/$/, "").split("/").pop() ??
    stringField(body, "properties", "encryption", "keyVaultProperties", "keyVersion")
  );
}

/** A KeyNewVersionCreated delivery in the Event Grid schema, as Key Vault sends it. */
function newVersionDelivery(
  vault: { id: string; name: string; url: string },
  keyName: string,
  version: string,
) {
  return [
    {
      id: `evt-${vault.name}-${version.slice(-6)}`,
      topic: vault.id,
      subject: keyName,
      eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      metadataVersion: "1",
      data: {
        Id: `${vault.url}/keys/${keyName}/${version}`,
        VaultName: vault.name,
        ObjectType: "Key",
        ObjectName: keyName,
        Version: version,
        NBF: null,
        EXP: Date.parse(SINGLE_KEY.expiresOn) / 1000,
      },
    },
  ];
}

async function deliver(svc: MemoryService, delivery: unknown) {
  const { events, errors } = decodeDelivery(delivery);
  expect(errors).toEqual([]);
  return handleEvents(events, errors, svc.ctx, { preview: false });
}

/** A tenant with one consumer of every type per spelling, all on the preset's key at v1. */
function spelledTenant(spelling: (uri: string) => string) {
  const t = new SingleKeyTenant({ versions });
  const ids = kinds.map((kind) => t.consumer(kind, `${kind.toLowerCase()}-spelled`, { spelling }).id);
  return { tenant: t.build(), ids };
}

describe("consumers whose key URI is spelled differently (memory service, real SDK clients, emulator)", () => {
  for (const [name, spelling] of Object.entries(spellings)) {
    it(`a key event finds and rotates every consumer type written with ${name}`, async () => {
      const { tenant, ids } = spelledTenant(spelling);
      const svc = createMemoryService(tenant);
      for (const id of ids) {
        const recorded = recordedUri(svc.emulator.state.getResource(id)!.body);
        // The tenant really carries the spelling, not the canonical form.
        expect(recorded).not.toMatch(/^https:\/\/kv-cmk\.vault\.azure\.net\/(keys\/cmk\/[0-9a-f]{32})?$/);
      }

      const planned = await deliver(
        svc,
        newVersionDelivery(
          { ...SINGLE_KEY, id: SINGLE_KEY.vaultId, name: SINGLE_KEY.vaultName, url: SINGLE_KEY.vaultUrl },
          SINGLE_KEY.keyName,
          V2,
        ),
      );
      // The event answers with its fan-out queued; the worker finds and queues the consumers.
      expect(planned.actions).toEqual([expect.objectContaining({ action: "rotate-key", status: "planned" })]);
      await svc.drain();
      for (const id of ids) expect(versionOf(svc, id)).toBe(V2);
      const rotated = svc.workerActions.filter((a) => a.action === "rotate-key" && a.status === "applied");
      expect(rotated.map((a) => a.resourceId).sort()).toEqual([...ids].sort());
    });

    it(`remediate-by-key finds and rotates every consumer type written with ${name}`, async () => {
      const { tenant, ids } = spelledTenant(spelling);
      const svc = createMemoryService(tenant);
      // The key named the way Key Vault's resource provider writes it, without a version.
      const report = await remediateKey(
        spellings[":443"]!(`${SINGLE_KEY.vaultUrl}/keys/${SINGLE_KEY.keyName}`),
        svc.ctx,
        {
          apply: true,
        },
      );
      expect(report.actions.map((a) => a.resourceId).sort()).toEqual([...ids].sort());
      expect(report.actions.every((a) => a.action === "rotate-key" && a.status === "applied")).toBe(true);
      for (const id of ids) expect(versionOf(svc, id)).toBe(V2);
    });
  }

  it("does not take consumers of a key whose name starts with the same letters, or of a same-named vault in another cloud", async () => {
    const t = new SingleKeyTenant({ versions });
    const mine = t.diskEncryptionSet("des-mine", { spelling: spellings[":443"]! }).id;
    const placement = { subscriptionId: t.subscription(1), resourceGroup: "rg-compute" };
    const longer = t.builder.key(t.vault, "cmk2", versions);
    const cn = t.builder.vault({ ...placement, name: "kv-cmk", domain: "vault.azure.cn" });
    t.builder.key(cn, "cmk", versions);
    const others = [
      t.builder.cmkConsumer({
        ...placement,
        kind: "diskEncryptionSet",
        name: "des-cmk2",
        key: { vault: t.vault, keyName: longer.name, version: V1 },
        spelling: spellings[":443"]!,
      }).id,
      t.builder.cmkConsumer({
        ...placement,
        kind: "mlWorkspace",
        name: "mlw-cmk2",
        key: { vault: t.vault, keyName: longer.name, version: V1 },
        spelling: spellings["all at once"]!,
      }).id,
      t.builder.cmkConsumer({
        ...placement,
        kind: "aiServices",
        name: "ais-cn",
        key: { vault: cn, keyName: "cmk", version: V1 },
        spelling: spellings[":443"]!,
      }).id,
      t.builder.cmkConsumer({
        ...placement,
        kind: "diskEncryptionSet",
        name: "des-cn",
        key: { vault: cn, keyName: "cmk", version: V1 },
      }).id,
    ];
    const svc = createMemoryService(t.build());
    const report = await remediateKey(`${SINGLE_KEY.vaultUrl}/keys/cmk`, svc.ctx, { apply: true });
    expect(report.actions.map((a) => a.resourceId)).toEqual([mine]);
    for (const id of others) expect(versionOf(svc, id)).toBe(V1);
  });

  it("finds and rotates consumers of every type on a sovereign-cloud vault (vault.azure.cn), :443 or not", async () => {
    const b = new TenantBuilder({ seed: "sovereign", location: "chinanorth3" });
    const sub = b.subscription(b.ids.guid("subscription"), "cn-prod");
    const vault = b.vault({
      subscriptionId: sub,
      resourceGroup: "rg-keys",
      name: "kv-cn",
      domain: "vault.azure.cn",
    });
    expect(vault.url).toBe("https://kv-cn.vault.azure.cn");
    b.key(
      vault,
      "cmk",
      versions.map((v) => ({ ...v, expiresOn: SINGLE_KEY.expiresOn })),
    );
    const ids = kinds.flatMap((kind, i) => [
      b.cmkConsumer({
        kind,
        subscriptionId: sub,
        resourceGroup: "rg-cn",
        name: `${kind.toLowerCase()}-cn`,
        key: { vault, keyName: "cmk", version: V1 },
      }).id,
      b.cmkConsumer({
        kind,
        subscriptionId: sub,
        resourceGroup: "rg-cn",
        name: `${kind.toLowerCase()}-cn-${i}-443`,
        key: { vault, keyName: "cmk", version: V1 },
        spelling: spellings["all at once"]!,
      }).id,
    ]);
    const svc = createMemoryService(b.build());

    const planned = await deliver(svc, newVersionDelivery(vault, "cmk", V2));
    // The event answers with its fan-out queued; the worker finds and queues the consumers.
    expect(planned.actions).toEqual([expect.objectContaining({ action: "rotate-key", status: "planned" })]);
    await svc.drain();
    for (const id of ids) expect(versionOf(svc, id)).toBe(V2);
    const desAfter = svc.emulator.state.getResource(ids[0]!)!.body;
    expect(stringField(desAfter, "properties", "activeKey", "keyUrl")).toBe(
      `https://kv-cn.vault.azure.cn/keys/cmk/${V2}`,
    );
  });
});
