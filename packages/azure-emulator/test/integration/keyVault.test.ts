import { RestError } from "@azure/core-rest-pipeline";
import { KeyClient } from "@azure/keyvault-keys";
import { describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import { aoaiVersions, keyVaultTenant } from "./keyVaultFixture.js";

const now = Date.parse("2026-03-01T12:00:00Z");
const vaultUrl = "https://kv-cmk.vault.azure.net";

function setup(url = vaultUrl) {
  const emulator = new AzureEmulator(keyVaultTenant(), { clock: () => now });
  const credential = emulator.credential();
  const client = new KeyClient(url, credential, { httpClient: emulator.httpClient() });
  return { emulator, credential, client };
}

/** Key size in bits as a consumer computes it: the length of the RSA modulus. */
function keySizeOf(n: Uint8Array | undefined): number {
  return (n?.length ?? 0) * 8;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error("expected the call to fail");
}

describe("KeyClient against the emulated Key Vault", () => {
  it("authenticates through the challenge handshake, once per client", async () => {
    const { emulator, credential, client } = setup();
    await client.getKey("cmk-aoai");
    await client.getKey("cmk-ec");
    const entries = emulator.log.entries({ url: /kv-cmk\.vault\.azure\.net/ });
    expect(entries.map((e) => e.status)).toEqual([401, 200, 200]);
    expect(entries[0]?.principal).toBe("anonymous");
    expect(entries[1]?.principal).not.toBe("anonymous");
    // KeyClient verifies that the challenge's resource is a parent domain of the vault host
    // (disableChallengeResourceVerification is off by default); reaching 200 proves it passed.
    expect(credential.requestedScopes).toContain("https://vault.azure.net/.default");
    expect(credential.requestedScopes).not.toContain("https://management.azure.com/.default");
  });

  it.each([
    ["https://kv-gov.vault.usgovcloudapi.net", "gov-key", "https://vault.usgovcloudapi.net/.default"],
    ["https://pool1.managedhsm.azure.net", "hsm-key", "https://managedhsm.azure.net/.default"],
  ])("challenges %s with its own cloud's resource", async (url, keyName, scope) => {
    const { credential, client } = setup(url);
    const key = await client.getKey(keyName);
    expect(key.properties.vaultUrl).toBe(url);
    expect(credential.requestedScopes).toContain(scope);
  });

  it("gets the latest version (newest createdOn) and its properties", async () => {
    const { client } = setup();
    const key = await client.getKey("cmk-aoai");
    expect(key.id).toBe(`${vaultUrl}/keys/cmk-aoai/${aoaiVersions.newest}`);
    expect(key.name).toBe("cmk-aoai");
    expect(key.keyType).toBe("RSA");
    expect(key.keyOperations).toEqual(["wrapKey", "unwrapKey"]);
    expect(key.properties).toMatchObject({
      version: aoaiVersions.newest,
      vaultUrl,
      enabled: true,
      notBefore: new Date("2025-09-01T00:00:00Z"),
      expiresOn: new Date("2027-01-01T00:00:00Z"),
      createdOn: new Date("2025-09-01T00:00:00Z"),
      recoveryLevel: "Recoverable",
      recoverableDays: 90,
      tags: { owner: "platform" },
    });
    expect(keySizeOf(key.key?.n)).toBe(3072);
    expect(Buffer.from(key.key?.e ?? []).toString("base64url")).toBe("AQAB");
  });

  it("gets one version by id, disabled versions included", async () => {
    const { client } = setup();
    const key = await client.getKey("cmk-aoai", { version: aoaiVersions.middle });
    expect(key.properties.version).toBe(aoaiVersions.middle);
    expect(key.properties.enabled).toBe(false);
    expect(key.keyType).toBe("RSA-HSM");
    expect(keySizeOf(key.key?.n)).toBe(4096);
    expect(key.properties.expiresOn).toBeUndefined();
  });

  it("pages through listPropertiesOfKeyVersions with nextLink", async () => {
    const { emulator, client } = setup();
    const pages: string[][] = [];
    for await (const page of client.listPropertiesOfKeyVersions("cmk-aoai").byPage({ maxPageSize: 1 })) {
      pages.push(page.map((p) => p.version ?? ""));
    }
    expect(pages).toHaveLength(3);
    expect(pages.flat().sort()).toEqual(Object.values(aoaiVersions).sort());
    expect(emulator.log.count({ method: "GET", url: /\/keys\/cmk-aoai\/versions/, status: 200 })).toBe(3);

    const all = [];
    for await (const properties of client.listPropertiesOfKeyVersions("cmk-aoai")) all.push(properties);
    const newest = all.reduce((a, b) =>
      (a.createdOn?.getTime() ?? 0) >= (b.createdOn?.getTime() ?? 0) ? a : b,
    );
    expect(newest.version).toBe(aoaiVersions.newest);
  });

  it("lists the vault's keys", async () => {
    const { client } = setup();
    const names = [];
    for await (const properties of client.listPropertiesOfKeys()) names.push(properties.name);
    expect(names).toEqual(["cmk-aoai", "cmk-ec"]);
  });

  it("creates a new version that becomes the latest and is written to the tenant file", async () => {
    const { emulator, client } = setup();
    const expiresOn = new Date("2028-03-01T00:00:00Z");
    const created = await client.createRsaKey("cmk-aoai", {
      keySize: 2048,
      keyOps: ["wrapKey", "unwrapKey"],
      expiresOn,
    });
    const version = created.properties.version ?? "";
    expect(version).toMatch(/^[0-9a-f]{32}$/);
    expect(keySizeOf(created.key?.n)).toBe(2048);
    expect(created.properties.createdOn).toEqual(new Date(now));
    expect((await client.getKey("cmk-aoai")).properties.version).toBe(version);

    const stored = emulator.toTenantFile().keyVaults[vaultUrl]?.keys["cmk-aoai"];
    expect(stored).toHaveLength(4);
    expect(stored?.find((v) => v.version === version)).toEqual({
      version,
      kty: "RSA",
      keySize: 2048,
      enabled: true,
      createdOn: new Date(now).toISOString(),
      notBefore: null,
      expiresOn: expiresOn.toISOString(),
      keyOps: ["wrapKey", "unwrapKey"],
    });
  });

  it("creates a brand-new key", async () => {
    const { emulator, client } = setup();
    const created = await client.createEcKey("signing", { curve: "P-256" });
    expect(created.keyType).toBe("EC");
    expect(created.key?.crv).toBe("P-256");
    expect(emulator.toTenantFile().keyVaults[vaultUrl]?.keys.signing).toHaveLength(1);
  });

  it("disables one version with updateKeyProperties", async () => {
    const { emulator, client } = setup();
    const updated = await client.updateKeyProperties("cmk-aoai", aoaiVersions.oldest, { enabled: false });
    expect(updated.properties.enabled).toBe(false);
    expect(updated.properties.updatedOn).toEqual(new Date(now));
    const versions = emulator.toTenantFile().keyVaults[vaultUrl]?.keys["cmk-aoai"] ?? [];
    expect(versions.find((v) => v.version === aoaiVersions.oldest)?.enabled).toBe(false);
    expect(versions.find((v) => v.version === aoaiVersions.newest)?.enabled).toBe(true);
    expect((await client.getKey("cmk-aoai", { version: aoaiVersions.oldest })).properties.enabled).toBe(
      false,
    );
  });

  it("surfaces an unknown key or version as RestError 404 KeyNotFound", async () => {
    const { client } = setup();
    const missingKey = await rejection(client.getKey("no-such-key"));
    expect(missingKey).toBeInstanceOf(RestError);
    expect(missingKey).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
    expect((missingKey as RestError).message).toContain("no-such-key");
    const missingVersion = await rejection(client.getKey("cmk-aoai", { version: "d".repeat(32) }));
    expect(missingVersion).toMatchObject({ statusCode: 404, code: "KeyNotFound" });
  });

  it("deletes a key softly: gone from keys, found under deletedkeys with its dates, recoverable", async () => {
    const { emulator, client } = setup();
    const poller = await client.beginDeleteKey("cmk-aoai", { intervalInMs: 0 });
    const deleted = await poller.pollUntilDone();
    expect(deleted.properties).toMatchObject({
      recoveryId: `${vaultUrl}/deletedkeys/cmk-aoai`,
      deletedOn: new Date(now),
      scheduledPurgeDate: new Date(now + 90 * 24 * 3600 * 1000),
      version: aoaiVersions.newest,
    });
    expect(await rejection(client.getKey("cmk-aoai"))).toMatchObject({
      statusCode: 404,
      code: "KeyNotFound",
    });
    const versions = [];
    for await (const v of client.listPropertiesOfKeyVersions("cmk-aoai")) versions.push(v);
    expect(versions).toEqual([]);
    expect((await client.getDeletedKey("cmk-aoai")).properties.recoveryId).toBe(
      `${vaultUrl}/deletedkeys/cmk-aoai`,
    );
    expect(emulator.toTenantFile().keyVaults[vaultUrl]?.deletedKeys?.["cmk-aoai"]?.versions).toHaveLength(3);
    // The name stays taken while the key is recoverable.
    expect(await rejection(client.createRsaKey("cmk-aoai", { keySize: 2048 }))).toMatchObject({
      statusCode: 409,
      code: "Conflict",
    });
    const recovered = await (
      await client.beginRecoverDeletedKey("cmk-aoai", { intervalInMs: 0 })
    ).pollUntilDone();
    expect(recovered.properties.version).toBe(aoaiVersions.newest);
    expect((await client.getKey("cmk-aoai")).properties.version).toBe(aoaiVersions.newest);
    expect(await rejection(client.getDeletedKey("cmk-aoai"))).toMatchObject({ statusCode: 404 });
    expect(emulator.toTenantFile().keyVaults[vaultUrl]?.deletedKeys).toBeUndefined();
  });

  it("answers 404 KeyNotFound for a key that was never deleted", async () => {
    const { client } = setup();
    expect(await rejection(client.getDeletedKey("cmk-aoai"))).toMatchObject({
      statusCode: 404,
      code: "KeyNotFound",
    });
  });

  it("serves deleted keys seeded in the tenant file, with the vault's retention when no purge date is given", async () => {
    const tenant = keyVaultTenant();
    const short = tenant.keyVaults["https://kv-short.vault.azure.net"];
    if (short === undefined) throw new Error("fixture without kv-short");
    short.deletedKeys = {
      gone: {
        deletedDate: "2026-02-27T00:00:00Z",
        versions: [
          {
            version: "abc1",
            kty: "RSA",
            keySize: 2048,
            enabled: true,
            createdOn: "2026-01-01T00:00:00Z",
            keyOps: ["wrapKey"],
          },
        ],
      },
    };
    const emulator = new AzureEmulator(tenant, { clock: () => now });
    const client = new KeyClient("https://kv-short.vault.azure.net", emulator.credential(), {
      httpClient: emulator.httpClient(),
    });
    const deleted = await client.getDeletedKey("gone");
    expect(deleted.properties.deletedOn).toEqual(new Date("2026-02-27T00:00:00Z"));
    // kv-short keeps deleted objects for 7 days.
    expect(deleted.properties.scheduledPurgeDate).toEqual(new Date("2026-03-06T00:00:00Z"));
  });
});
