import { describe, expect, it } from "vitest";
import { TenantState } from "@cmkr/azure-emulator";
import { KEY_VAULT_ROLES, addBulkConsumers } from "@cmkr/azure-emulator/tenant-builder";
import { consumerFactsFromArm } from "../../src/core/consumers/consumerFactsFromArm.js";
import { roleAssignmentFactsFromArm } from "../../src/core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";
import {
  SUB,
  bareTenant,
  body,
  keyTenant,
  sampleTenant,
  vaultTenant,
} from "../../packages/azure-emulator/test/support/sampleTenant.js";

// The service reads the tenants of the builder's own tests (packages/azure-emulator/test/unit/
// tenantBuilder*.test.ts) as they were built: the builder writes what the rules expect.

describe("TenantBuilder tenants, read by the service", () => {
  it("writes vaults the way ARM returns them, and the service reads them back", () => {
    const { b, strict, loose } = vaultTenant();
    const tenant = b.build();
    const strictBody = body(tenant, strict.id);
    const facts = vaultFactsFromArm(strictBody);
    expect(facts.accessPolicies.map((ap) => [ap.objectId, ap.keyPermissions])).toEqual([
      ["p1", ["get"]],
      ["p2", ["get", "wrapKey", "unwrapKey"]],
    ]);
    expect(vaultFactsFromArm(body(tenant, loose.id))).toMatchObject({
      enablePurgeProtection: false,
      enableRbacAuthorization: true,
    });
  });

  it("writes consumers whose key and identity the service reads as configured", () => {
    const { b, key, uai, account, uaiAccount, des, hub, sse } = sampleTenant();
    const tenant = b.build();
    const v1 = { vaultUrl: "https://kv-cmk.vault.azure.net", keyName: "cmk", version: key.versions[0] };

    const accountFacts = consumerFactsFromArm(body(tenant, account.id));
    expect(accountFacts).toMatchObject({
      consumerType: "aiServices",
      currentKey: v1,
      identity: { kind: "SystemAssigned", principalId: account.principalId },
      tenantId: b.tenantId,
    });

    const uaiFacts = consumerFactsFromArm(body(tenant, uaiAccount.id));
    expect(uaiFacts.identity).toEqual({
      kind: "UserAssigned",
      principalId: uai.principalId,
      resourceId: uai.id,
    });
    expect(uaiFacts.hasSystemAssignedIdentity).toBe(false);

    expect(consumerFactsFromArm(body(tenant, des.id))).toMatchObject({
      consumerType: "diskEncryptionSet",
      currentKey: v1,
      identity: { principalId: des.principalId },
    });

    expect(consumerFactsFromArm(body(tenant, hub.id))).toMatchObject({
      consumerType: "mlWorkspace",
      currentKey: v1,
    });
    expect(consumerFactsFromArm(body(tenant, sse.id))).toMatchObject({ mlServiceSideEncryption: true });
  });

  it("writes role assignments by role name, as ARM lists them and the service reads them", () => {
    const { b, vault, des, assignment } = sampleTenant();
    const tenant = b.build();
    expect(roleAssignmentFactsFromArm(body(tenant, assignment.id))).toEqual({
      scope: vault.id,
      principalId: des.principalId,
      roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES["Key Vault Crypto Service Encryption User"]}`,
    });
  });

  it("leaves the identity out for identity None: the service sees no identity and no key", () => {
    const { b, bare } = bareTenant();
    const tenant = b.build();
    expect(consumerFactsFromArm(body(tenant, bare.id))).toMatchObject({
      identity: undefined,
      currentKey: undefined,
    });
  });
});

describe("addBulkConsumers tenants, read by the service", () => {
  it("builds 10,000 disk encryption sets on one key, reached through one shared identity and access policy", () => {
    const { b, vault, version } = keyTenant("bulk-des");
    const bulk = addBulkConsumers(b, {
      consumers: 10_000,
      subscriptions: 1_000,
      key: { vault, keyName: "cmk", version },
    });
    const tenant = b.build();
    const des = tenant.resources.filter((r) => r.type === "Microsoft.Compute/diskEncryptionSets");

    // One shared identity and one access policy serve them all (a vault holds at most 1024 policies).
    const shared = bulk.sharedIdentity;
    expect(shared).toBeDefined();
    const vaultBody = tenant.resources.find((r) => r.id === vault.id);
    expect(vaultFactsFromArm(vaultBody).accessPolicies.map((ap) => ap.objectId)).toEqual([
      shared?.principalId,
    ]);
    expect(consumerFactsFromArm(des[9_999])).toMatchObject({
      identity: { kind: "UserAssigned", principalId: shared?.principalId },
      currentKey: { vaultUrl: vault.url, keyName: "cmk", version },
    });
    expect(new TenantState(tenant).resourceCount).toBe(tenant.resources.length);
  });

  it("mixes consumer types round-robin and can give each its own identity and access policy", () => {
    const { b, vault, version } = keyTenant("bulk-mixed");
    const bulk = addBulkConsumers(b, {
      consumers: 400,
      subscriptions: 7,
      key: { vault, keyName: "cmk", version },
      kinds: ["diskEncryptionSet", "openAI", "aiServices", "mlWorkspace"],
      access: "accessPolicyEach",
      autoRotation: true,
      prefix: "mix",
    });
    const tenant = b.build();
    const policies = vaultFactsFromArm(tenant.resources.find((r) => r.id === vault.id)).accessPolicies;
    expect(policies).toHaveLength(400);
    expect(new Set(policies.map((p) => p.objectId))).toEqual(
      new Set(bulk.consumers.map((c) => c.principalId)),
    );
    for (const consumer of bulk.consumers.slice(0, 4)) {
      const facts = consumerFactsFromArm(tenant.resources.find((r) => r.id === consumer.id));
      expect(facts.identity?.principalId).toBe(consumer.principalId);
      expect(facts.currentKey).toMatchObject({ vaultUrl: vault.url, keyName: "cmk", version });
    }
  });
});
