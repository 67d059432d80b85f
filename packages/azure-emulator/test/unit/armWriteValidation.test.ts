import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../src/arm/jsonMergePatch.js";
import { isVmRunning } from "../../src/arm/validation/managedDiskValidation.js";
import { validateWrite, type WriteRefusal } from "../../src/arm/validation/writeValidation.js";
import { TenantState } from "../../src/tenantState.js";
import type { ArmResource, TenantFile } from "../../src/tenantFile.js";
import { TenantBuilder, type KeyVersionSpec } from "../../src/tenantBuilder/index.js";

const NOW = Date.parse("2026-03-01T00:00:00Z");
const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const VAULT_URL = "https://kv-cmk.vault.azure.net";
const OTHER_VAULT_URL = "https://kv-other.vault.azure.net";
const rgId = (rg: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}`;
const vaultId = (rg: string, name: string): string =>
  `${rgId(rg)}/providers/Microsoft.KeyVault/vaults/${name}`;
const RG = rgId("rg-ai");
const KV = vaultId("rg-kv", "kv-cmk");
const key = (name: string, version?: string, vault = VAULT_URL): string =>
  `${vault}/keys/${name}${version === undefined ? "" : `/${version}`}`;
const at = (name: string) => ({ subscriptionId: SUB, resourceGroup: "rg-ai", name });
const version = (v: string, createdOn: string, spec: Omit<KeyVersionSpec, "version" | "createdOn"> = {}) => ({
  version: v,
  createdOn,
  ...spec,
});

/** Two vaults and their keys, plus what `add` puts in rg-ai. */
function tenant(add: (b: TenantBuilder) => void): TenantFile {
  const b = new TenantBuilder({ seed: "arm-write-validation" });
  b.subscription(SUB, "prod");
  const kv = b.vault({ subscriptionId: SUB, resourceGroup: "rg-kv", name: "kv-cmk" });
  const other = b.vault({ subscriptionId: SUB, resourceGroup: "rg-kv", name: "kv-other" });
  b.key(kv, "cmk-des", [
    version("v1", "2026-01-01T00:00:00Z", { keySize: 3072 }),
    version("v2", "2026-02-01T00:00:00Z", { keySize: 3072 }),
    version("off", "2026-02-02T00:00:00Z", { enabled: false }),
    version("old", "2025-01-01T00:00:00Z", { expiresOn: "2026-01-15T00:00:00Z" }),
    version("later", "2026-02-03T00:00:00Z", { notBefore: "2027-01-01T00:00:00Z" }),
    version("small", "2026-02-04T00:00:00Z", { keySize: 1024 }),
    version("ec", "2026-02-05T00:00:00Z", { kty: "EC", curve: "P-256" }),
    version("signonly", "2026-02-06T00:00:00Z", { keyOps: ["sign", "verify"] }),
  ]);
  b.key(kv, "cmk-aoai", [
    version("a1", "2026-01-01T00:00:00Z"),
    version("a4096", "2025-12-01T00:00:00Z", { keySize: 4096 }),
  ]);
  b.key(kv, "cmk-ml", [version("m1", "2026-01-01T00:00:00Z"), version("m2", "2026-02-01T00:00:00Z")]);
  b.key(other, "cmk-ml", [version("x1", "2026-01-01T00:00:00Z")]);
  add(b);
  return b.build();
}

/** A disk encryption set in rg-ai on `keyUrl` of kv-cmk. */
const des = (b: TenantBuilder, name: string, keyUrl: string): void => {
  b.diskEncryptionSet({ ...at(name), keyUrl, sourceVaultId: KV });
};

/** Validates a PATCH of `patch` onto stored resource `id` (or a PUT of `patch` when `method` is PUT). */
function check(
  state: TenantState,
  id: string,
  patch: Record<string, unknown>,
  method: "PUT" | "PATCH" = "PATCH",
): WriteRefusal | undefined {
  const stored = state.getResource(id)?.body;
  const next =
    method === "PATCH"
      ? { ...(applyMergePatch(stored, patch) as ArmResource), id, name: stored!.name, type: stored!.type }
      : ({ ...patch, id } as ArmResource);
  return validateWrite({ state, method, stored, next, request: patch, now: NOW });
}

describe("disk encryption set writes", () => {
  const desId = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
  const state = new TenantState(
    tenant((b) => {
      des(b, "des1", key("cmk-des", "v1"));
    }),
  );
  const rotate = (keyUrl: string, sourceVaultId: string | null = KV): WriteRefusal | undefined =>
    check(state, desId, {
      properties: {
        activeKey: { keyUrl, ...(sourceVaultId === null ? {} : { sourceVault: { id: sourceVaultId } }) },
      },
    });

  it("accepts a new enabled version of the key", () => {
    expect(rotate(key("cmk-des", "v2"))).toBeUndefined();
  });

  it.each([
    [key("cmk-des"), "not a versioned key URL"],
    [key("cmk-des", "nope"), "does not exist"],
    [key("missing", "v1"), "key 'missing' does not exist"],
    [
      key("cmk-des", "v1", "https://kv-gone.vault.azure.net"),
      "key vault 'https://kv-gone.vault.azure.net' does not exist",
    ],
    [key("cmk-des", "off"), "is disabled"],
    [key("cmk-des", "old"), "expired"],
    [key("cmk-des", "later"), "not valid before"],
    [key("cmk-des", "small"), "size 1024"],
    [key("cmk-des", "ec"), "type EC"],
    [key("cmk-des", "signonly"), "wrapKey"],
    ["not a url", "not a versioned key URL"],
  ])("refuses keyUrl %s (%s)", (keyUrl, problem) => {
    const refusal = rotate(keyUrl);
    expect(refusal).toMatchObject({ status: 400, code: "InvalidParameter" });
    expect(refusal?.message).toContain(problem);
    expect(refusal?.target).toMatch(/keyUrl$/);
  });

  it("requires sourceVault.id", () => {
    // The merge keeps the stored sourceVault unless the patch removes it.
    const refusal = check(state, desId, {
      properties: { activeKey: { keyUrl: key("cmk-des", "v2"), sourceVault: null } },
    });
    expect(refusal?.target).toBe("diskEncryptionSet.activeKey.sourceVault.id");
  });

  it("refuses a key outside the vault named by sourceVault", () => {
    const refusal = rotate(key("cmk-des", "v2"), vaultId("rg-kv", "kv-other"));
    expect(refusal?.message).toContain("is not in the key vault");
  });

  it("does not re-check the key on writes that leave activeKey alone", () => {
    const stale = new TenantState(
      tenant((b) => {
        des(b, "des1", key("cmk-des", "off"));
      }),
    );
    expect(check(stale, desId, { tags: { owner: "ops" } })).toBeUndefined();
  });
});

describe("Cognitive Services account writes", () => {
  const accountId = `${RG}/providers/Microsoft.CognitiveServices/accounts/aoai`;
  const state = new TenantState(
    tenant((b) => {
      b.aiServicesAccount({ ...at("aoai"), kind: "OpenAI" });
    }),
  );
  const cmk = (keyVaultProperties: Record<string, unknown>): WriteRefusal | undefined =>
    check(state, accountId, {
      properties: { encryption: { keySource: "Microsoft.KeyVault", keyVaultProperties } },
    });

  it("accepts an existing key with or without a version", () => {
    expect(cmk({ keyVaultUri: `${VAULT_URL}/`, keyName: "cmk-aoai", keyVersion: "a1" })).toBeUndefined();
    expect(cmk({ keyVaultUri: VAULT_URL, keyName: "cmk-aoai", keyVersion: "" })).toBeUndefined();
  });

  it.each([
    [{ keyName: "cmk-aoai" }, "keyVaultUri"],
    [{ keyVaultUri: VAULT_URL }, "keyName"],
    [{ keyVaultUri: VAULT_URL, keyName: "nope" }, "key 'nope' does not exist"],
    [{ keyVaultUri: VAULT_URL, keyName: "cmk-aoai", keyVersion: "zzz" }, "does not exist"],
    [{ keyVaultUri: VAULT_URL, keyName: "cmk-aoai", keyVersion: "a4096" }, "size 4096"],
  ])("refuses %j (%s)", (props, problem) => {
    const refusal = cmk(props);
    expect(refusal?.status).toBe(400);
    expect(refusal?.message).toContain(problem);
  });

  it("accepts Microsoft-managed keys and writes that leave encryption alone", () => {
    expect(
      check(state, accountId, { properties: { encryption: { keySource: "Microsoft.CognitiveServices" } } }),
    ).toBeUndefined();
    expect(check(state, accountId, { tags: { a: "b" } })).toBeUndefined();
  });
});

describe("Foundry resource encryption (AIServices with allowProjectManagement)", () => {
  const id = (name: string): string => `${RG}/providers/Microsoft.CognitiveServices/accounts/${name}`;
  const onKey = { vaultUrl: VAULT_URL, keyName: "cmk-aoai", keyVersion: "a1" };
  const state = new TenantState(
    tenant((b) => {
      b.aiServicesAccount({ ...at("foundry-cmk"), kind: "AIServices", cmk: onKey });
      b.aiServicesAccount({ ...at("foundry-mmk"), kind: "AIServices" });
      b.aiServicesAccount({ ...at("aiservices-cmk"), kind: "AIServices", cmk: onKey });
      b.aiServicesAccount({ ...at("openai-cmk"), kind: "OpenAI", cmk: onKey });
    }),
  );
  // The builder writes allowProjectManagement: false; two of them become Foundry resources.
  for (const name of ["foundry-cmk", "foundry-mmk"]) {
    const body = structuredClone(state.getResource(id(name))!.body);
    (body.properties as Record<string, unknown>).allowProjectManagement = true;
    state.putResource(body);
  }
  const toMicrosoftManaged = { properties: { encryption: { keySource: "Microsoft.CognitiveServices" } } };

  it("refuses going back from a customer-managed key to Microsoft-managed keys, by PATCH or by removing encryption", () => {
    expect(check(state, id("foundry-cmk"), toMicrosoftManaged)).toMatchObject({
      status: 400,
      code: "BadRequest",
      target: "properties.encryption.keySource",
    });
    expect(check(state, id("foundry-cmk"), { properties: { encryption: null } })?.code).toBe("BadRequest");
  });

  it("refuses a key in another vault", () => {
    expect(
      check(state, id("foundry-cmk"), {
        properties: {
          encryption: {
            keySource: "Microsoft.KeyVault",
            keyVaultProperties: { keyVaultUri: `${OTHER_VAULT_URL}/`, keyName: "cmk-ml", keyVersion: "x1" },
          },
        },
      }),
    ).toMatchObject({ status: 400, target: "properties.encryption.keyVaultProperties.keyVaultUri" });
  });

  it("accepts Microsoft-managed to customer-managed, and a new version in the same vault", () => {
    const cmk = {
      properties: {
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: { keyVaultUri: `${VAULT_URL}/`, keyName: "cmk-aoai", keyVersion: "" },
        },
      },
    };
    expect(check(state, id("foundry-mmk"), cmk)).toBeUndefined();
    expect(check(state, id("foundry-cmk"), cmk)).toBeUndefined();
  });

  it("lets other accounts (AIServices without project management, OpenAI) switch both ways", () => {
    expect(check(state, id("aiservices-cmk"), toMicrosoftManaged)).toBeUndefined();
    expect(check(state, id("openai-cmk"), toMicrosoftManaged)).toBeUndefined();
  });
});

describe("Machine Learning workspace writes", () => {
  const wsId = (name: string): string =>
    `${RG}/providers/Microsoft.MachineLearningServices/workspaces/${name}`;
  const cmkEncryption = {
    status: "Enabled",
    keyVaultProperties: { keyVaultArmId: KV, keyIdentifier: key("cmk-ml", "m1") },
  };
  const state = new TenantState(
    tenant((b) => {
      b.mlWorkspace(at("plain"));
      b.mlWorkspace({ ...at("cmk"), cmk: { vaultId: KV, keyId: key("cmk-ml", "m1") } });
    }),
  );

  it("refuses enabling customer-managed keys on a workspace created without them", () => {
    const refusal = check(state, wsId("plain"), { properties: { encryption: cmkEncryption } });
    expect(refusal).toMatchObject({ status: 400, code: "BadRequest", target: "properties.encryption" });
    expect(refusal?.message).toContain("can only be enabled when a workspace is created");
    expect(
      check(state, wsId("plain"), {
        properties: { encryption: { keyVaultProperties: { keyIdentifier: key("cmk-ml", "m1") } } },
      }),
    ).toBeDefined();
  });

  it("accepts other writes to a workspace without customer-managed keys", () => {
    expect(check(state, wsId("plain"), { tags: { team: "ml" } })).toBeUndefined();
  });

  it("accepts rotating to another version in the original vault", () => {
    expect(
      check(state, wsId("cmk"), {
        properties: { encryption: { keyVaultProperties: { keyIdentifier: key("cmk-ml", "m2") } } },
      }),
    ).toBeUndefined();
  });

  it("refuses a key in another vault, a missing version, a changed vault id and disabling", () => {
    const patchKey = (keyIdentifier: string): WriteRefusal | undefined =>
      check(state, wsId("cmk"), { properties: { encryption: { keyVaultProperties: { keyIdentifier } } } });
    expect(patchKey(key("cmk-ml", "x1", OTHER_VAULT_URL))?.message).toContain("original key vault");
    expect(patchKey(key("cmk-ml", "m9"))?.message).toContain("does not exist");
    expect(
      check(state, wsId("cmk"), {
        properties: { encryption: { keyVaultProperties: { keyVaultArmId: vaultId("rg-kv", "kv-other") } } },
      })?.target,
    ).toBe("properties.encryption.keyVaultProperties.keyVaultArmId");
    expect(check(state, wsId("cmk"), { properties: { encryption: { status: "Disabled" } } })?.target).toBe(
      "properties.encryption.status",
    );
  });

  it("checks the key when a workspace is created with customer-managed keys", () => {
    const create = (encryption: Record<string, unknown>): WriteRefusal | undefined =>
      check(
        state,
        wsId("new"),
        { name: "new", type: "Microsoft.MachineLearningServices/workspaces", properties: { encryption } },
        "PUT",
      );
    expect(create(cmkEncryption)).toBeUndefined();
    expect(create({ status: "Enabled", keyVaultProperties: { keyVaultArmId: KV } })?.target).toMatch(
      /keyIdentifier$/,
    );
  });
});

describe("disk encryption set immutable and confidential settings", () => {
  const id = (name: string): string => `${RG}/providers/Microsoft.Compute/diskEncryptionSets/${name}`;
  const state = new TenantState(
    tenant((b) => {
      des(b, "des-cmk", key("cmk-des", "v1"));
      b.diskEncryptionSet({
        ...at("des-cvm"),
        keyUrl: key("cmk-des", "v1"),
        sourceVaultId: KV,
        encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
      });
    }),
  );

  it("refuses changing encryptionType (PropertyChangeNotAllowed)", () => {
    expect(
      check(state, id("des-cmk"), {
        properties: { encryptionType: "EncryptionAtRestWithPlatformAndCustomerKeys" },
      }),
    ).toMatchObject({ status: 400, code: "PropertyChangeNotAllowed", target: "encryptionType" });
    expect(
      check(state, id("des-cmk"), { properties: { encryptionType: "encryptionatrestwithcustomerkey" } }),
    ).toBeUndefined();
  });

  it("refuses automatic key rotation on a confidential VM set", () => {
    expect(
      check(state, id("des-cvm"), { properties: { rotationToLatestKeyVersionEnabled: true } }),
    ).toMatchObject({ status: 400, target: "diskEncryptionSet.rotationToLatestKeyVersionEnabled" });
    expect(
      check(state, id("des-cmk"), { properties: { rotationToLatestKeyVersionEnabled: true } }),
    ).toBeUndefined();
  });
});

describe("managed disk writes: which disk encryption set a disk may use", () => {
  const OTHER_SUB = "6f4d7a1b-2c3d-4e5f-9a0b-1c2d3e4f5a6b";
  const setId = (name: string, sub = SUB): string =>
    `/subscriptions/${sub}/resourceGroups/rg-ai/providers/Microsoft.Compute/diskEncryptionSets/${name}`;
  const diskId = (name: string): string => `${RG}/providers/Microsoft.Compute/disks/${name}`;
  const state = new TenantState(
    tenant((b) => {
      b.subscription(OTHER_SUB, "other");
      des(b, "des-cmk", key("cmk-des", "v1"));
      b.diskEncryptionSet({
        ...at("des-double"),
        keyUrl: key("cmk-des", "v1"),
        sourceVaultId: KV,
        encryptionType: "EncryptionAtRestWithPlatformAndCustomerKeys",
      });
      b.diskEncryptionSet({
        ...at("des-cvm"),
        keyUrl: key("cmk-des", "v1"),
        sourceVaultId: KV,
        encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
      });
      b.diskEncryptionSet({
        ...at("des-east"),
        keyUrl: key("cmk-des", "v1"),
        sourceVaultId: KV,
        location: "eastus",
      });
      b.diskEncryptionSet({
        subscriptionId: OTHER_SUB,
        resourceGroup: "rg-ai",
        name: "des-elsewhere",
        keyUrl: key("cmk-des", "v1"),
        sourceVaultId: KV,
      });
      b.disk({ ...at("plain"), encryption: "platform" });
      b.disk({ ...at("ade"), encryption: "platform" });
      b.disk({ ...at("ade-off"), encryption: "platform" });
    }),
  );
  // Azure Disk Encryption now, and once (a collection set to enabled: false stays on the disk).
  for (const [name, enabled] of [
    ["ade", true],
    ["ade-off", false],
  ] as const) {
    const body = structuredClone(state.getResource(diskId(name))!.body);
    (body.properties as Record<string, unknown>).encryptionSettingsCollection = {
      enabled,
      encryptionSettingsVersion: "1.1",
    };
    state.putResource(body);
  }
  const attach = (disk: string, encryption: Record<string, unknown>): WriteRefusal | undefined =>
    check(state, diskId(disk), { properties: { encryption } });

  it("accepts a set of the same subscription, region and type, with or without the type", () => {
    expect(attach("plain", { diskEncryptionSetId: setId("des-cmk") })).toBeUndefined();
    expect(
      attach("plain", { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: setId("des-cmk") }),
    ).toBeUndefined();
    expect(
      attach("plain", {
        type: "EncryptionAtRestWithPlatformAndCustomerKeys",
        diskEncryptionSetId: setId("des-double"),
      }),
    ).toBeUndefined();
  });

  it.each<[string, string, Record<string, unknown>, RegExp, string]>([
    [
      "a disk using Azure Disk Encryption",
      "ade",
      { diskEncryptionSetId: setId("des-cmk") },
      /Azure Disk Encryption/,
      "disk.properties.encryption",
    ],
    [
      "a disk that once used Azure Disk Encryption",
      "ade-off",
      { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: setId("des-cmk") },
      /Azure Disk Encryption/,
      "disk.properties.encryption",
    ],
    [
      "a set in another region",
      "plain",
      { diskEncryptionSetId: setId("des-east") },
      /same region/,
      "disk.properties.encryption.diskEncryptionSetId",
    ],
    [
      "a set in another subscription",
      "plain",
      { diskEncryptionSetId: setId("des-elsewhere", OTHER_SUB) },
      /another subscription/,
      "disk.properties.encryption.diskEncryptionSetId",
    ],
    [
      "a customer-key type with a double-encryption set",
      "plain",
      { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: setId("des-double") },
      /does not match/,
      "disk.properties.encryption.type",
    ],
    [
      "a double-encryption type with a customer-key set",
      "plain",
      { type: "EncryptionAtRestWithPlatformAndCustomerKeys", diskEncryptionSetId: setId("des-cmk") },
      /does not match/,
      "disk.properties.encryption.type",
    ],
    [
      "a platform-key type with a set",
      "plain",
      { type: "EncryptionAtRestWithPlatformKey", diskEncryptionSetId: setId("des-cmk") },
      /encrypted with platform key has disk encryption set id/,
      "disk.properties.encryption.type",
    ],
    [
      "a confidential VM set",
      "plain",
      { diskEncryptionSetId: setId("des-cvm") },
      /confidential VM disks/,
      "disk.properties.encryption.diskEncryptionSetId",
    ],
  ])("refuses %s (InvalidParameter)", (_name, disk, encryption, message, target) => {
    const refusal = attach(disk, encryption);
    expect(refusal).toMatchObject({ status: 400, code: "InvalidParameter", target });
    expect(refusal?.message).toMatch(message);
  });

  it("refuses a set the disk's incremental snapshots do not use, by source id or unique id (S7)", () => {
    const b = new TenantBuilder({ seed: "incremental-snapshots" });
    b.subscription(SUB, "prod");
    const kv = b.vault({ subscriptionId: SUB, resourceGroup: "rg-kv", name: "kv-cmk" });
    const k = b.key(kv, "cmk-des", [version("v1", "2026-01-01T00:00:00Z")]);
    const set = b.diskEncryptionSet({ ...at("des-cmk"), keyUrl: k.versionIds[0]!, sourceVaultId: kv.id });
    const other = b.diskEncryptionSet({ ...at("des-other"), keyUrl: k.versionIds[0]!, sourceVaultId: kv.id });
    const snapped = b.disk({ ...at("snapped"), encryption: "platform" });
    b.snapshot({ ...at("snap-1"), source: snapped, encryption: "platform" });
    const full = b.disk({ ...at("full-copy"), encryption: "platform" });
    b.snapshot({ ...at("snap-full"), source: full, encryption: "platform", incremental: false });
    const onSet = b.disk({ ...at("on-set"), encryption: { desId: set.id } });
    b.snapshot({ ...at("snap-on-set"), source: onSet, encryption: { desId: set.id } });
    const s = new TenantState(b.build());
    const patch = (id: string, encryption: Record<string, unknown>) =>
      check(s, id, { properties: { encryption } });

    const refusal = patch(snapped.id, { diskEncryptionSetId: set.id });
    expect(refusal).toMatchObject({
      status: 400,
      code: "InvalidParameter",
      target: "disk.properties.encryption.diskEncryptionSetId",
    });
    expect(refusal?.message).toMatch(/snap-1.*same disk encryption set/);
    // A snapshot found by the disk's unique id when its source id no longer names the disk.
    const snap = structuredClone(s.getResource(`${RG}/providers/Microsoft.Compute/snapshots/snap-1`)!.body);
    (snap.properties as { creationData: Record<string, unknown> }).creationData.sourceResourceId =
      `${RG}/providers/Microsoft.Compute/disks/renamed`;
    s.putResource(snap);
    expect(patch(snapped.id, { diskEncryptionSetId: set.id })).toMatchObject({ status: 400 });
    // A full (not incremental) snapshot does not bind its disk.
    expect(patch(full.id, { diskEncryptionSetId: set.id })).toBeUndefined();
    // A disk whose snapshots use the set: another set, or back to the platform key, parts them.
    expect(patch(onSet.id, { diskEncryptionSetId: other.id })).toMatchObject({ status: 400 });
    expect(
      patch(onSet.id, { type: "EncryptionAtRestWithPlatformKey", diskEncryptionSetId: null }),
    ).toMatchObject({ status: 400, message: expect.stringMatching(/platform key/) as unknown });
    expect(check(s, onSet.id, { tags: { a: "b" } })).toBeUndefined();
  });

  it("leaves a disk that uses Azure Disk Encryption alone on other writes", () => {
    expect(check(state, diskId("ade"), { tags: { a: "b" } })).toBeUndefined();
    expect(attach("ade", { type: "EncryptionAtRestWithPlatformKey" })).toBeUndefined();
  });
});

describe("managed disk writes", () => {
  const desA = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des-a`;
  const desB = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des-b`;
  const vm = (name: string): string => `${RG}/providers/Microsoft.Compute/virtualMachines/${name}`;
  const diskId = (name: string): string => `${RG}/providers/Microsoft.Compute/disks/${name}`;
  const state = new TenantState(
    tenant((b) => {
      des(b, "des-a", key("cmk-des", "v1"));
      des(b, "des-b", key("cmk-des", "v2"));
      b.virtualMachine({ ...at("vm-running"), powerState: "running" });
      b.virtualMachine({ ...at("vm-deallocated"), powerState: "deallocated" });
      b.virtualMachine({ ...at("vm-stopped"), powerState: "stopped" });
      b.virtualMachine({ ...at("vm-noview"), instanceView: false });
      const onCmk = { encryption: { desId: desA }, diskState: "Attached" } as const;
      b.disk({ ...at("on-running"), ...onCmk, managedBy: vm("vm-running") });
      b.disk({ ...at("on-deallocated"), ...onCmk, managedBy: vm("vm-deallocated") });
      b.disk({ ...at("on-stopped"), ...onCmk, managedBy: vm("vm-stopped") });
      b.disk({ ...at("on-noview"), ...onCmk, managedBy: vm("vm-noview") });
      b.disk({ ...at("on-missing"), ...onCmk, managedBy: vm("vm-gone") });
      b.disk({ ...at("free"), encryption: "platform" });
    }),
  );
  const moveTo = (name: string, setId: string): WriteRefusal | undefined =>
    check(state, diskId(name), { properties: { encryption: { diskEncryptionSetId: setId } } });

  it("documents the running-VM rule", () => {
    expect(isVmRunning(state, vm("vm-running"))).toBe(true);
    expect(isVmRunning(state, vm("vm-noview"))).toBe(true);
    expect(isVmRunning(state, vm("vm-deallocated"))).toBe(false);
    expect(isVmRunning(state, vm("vm-stopped"))).toBe(false);
    expect(isVmRunning(state, vm("vm-gone"))).toBe(false);
  });

  it("refuses changing encryption while attached to a running VM (409)", () => {
    expect(moveTo("on-running", desB)).toMatchObject({ status: 409, code: "OperationNotAllowed" });
    expect(moveTo("on-noview", desB)?.status).toBe(409);
  });

  it("allows it when the VM is deallocated, stopped or absent", () => {
    expect(moveTo("on-deallocated", desB)).toBeUndefined();
    expect(moveTo("on-stopped", desB)).toBeUndefined();
    expect(moveTo("on-missing", desB)).toBeUndefined();
  });

  it("allows writes that leave encryption alone on a running VM's disk", () => {
    expect(check(state, diskId("on-running"), { tags: { a: "b" } })).toBeUndefined();
    expect(moveTo("on-running", desA.toUpperCase())).toBeUndefined();
  });

  it("requires an existing disk encryption set for customer keys", () => {
    expect(moveTo("free", `${RG}/providers/Microsoft.Compute/diskEncryptionSets/nope`)?.message).toContain(
      "was not found",
    );
    expect(
      check(state, diskId("free"), {
        properties: { encryption: { type: "EncryptionAtRestWithCustomerKey" } },
      })?.message,
    ).toContain("requires 'encryption.diskEncryptionSetId'");
  });
});
