import { describe, expect, it } from "vitest";
import { TenantState } from "../../src/tenantState.js";
import { addBulkConsumers } from "../../src/tenantBuilder/index.js";
import { keyTenant } from "../support/sampleTenant.js";

// What the service reads back from these tenants is tested with the service: test/unit/builtTenantFacts.test.ts.

describe("addBulkConsumers", () => {
  it("builds 10,000 disk encryption sets across 1,000 subscriptions, ten per subscription, on one key", () => {
    const { b, vault, version } = keyTenant("bulk-des");
    const bulk = addBulkConsumers(b, {
      consumers: 10_000,
      subscriptions: 1_000,
      key: { vault, keyName: "cmk", version },
    });
    const tenant = b.build();

    expect(bulk.subscriptionIds).toHaveLength(1_000);
    expect(new Set(bulk.subscriptionIds).size).toBe(1_000);
    expect(tenant.subscriptions).toHaveLength(1_001);
    expect(bulk.consumers).toHaveLength(10_000);
    expect(new Set(bulk.consumers.map((c) => c.id.toLowerCase())).size).toBe(10_000);

    const des = tenant.resources.filter((r) => r.type === "Microsoft.Compute/diskEncryptionSets");
    expect(des).toHaveLength(10_000);
    const perSubscription = new Map<string, number>();
    for (const c of bulk.consumers)
      perSubscription.set(c.subscriptionId, (perSubscription.get(c.subscriptionId) ?? 0) + 1);
    expect([...new Set(perSubscription.values())]).toEqual([10]);
    const keyUrl = `${vault.url}/keys/cmk/${version}`;
    expect(
      des.every((r) => (r.properties as { activeKey: { keyUrl: string } }).activeKey.keyUrl === keyUrl),
    ).toBe(true);

    // One shared identity serves them all.
    expect(bulk.sharedIdentity).toBeDefined();
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
    const count = (type: string, kind?: string) =>
      tenant.resources.filter((r) => r.type === type && (kind === undefined || r.kind === kind)).length;
    expect(count("Microsoft.Compute/diskEncryptionSets")).toBe(100);
    expect(count("Microsoft.CognitiveServices/accounts", "OpenAI")).toBe(100);
    expect(count("Microsoft.CognitiveServices/accounts", "AIServices")).toBe(100);
    expect(count("Microsoft.MachineLearningServices/workspaces")).toBe(100);
    expect(bulk.sharedIdentity).toBeUndefined();
    expect(tenant.subscriptions.filter((s) => s.displayName.startsWith("mix-"))).toHaveLength(7);
  });

  it("rejects a spread over no subscriptions or no types", () => {
    const { b, vault, version } = keyTenant("bulk-bad");
    const key = { vault, keyName: "cmk", version };
    expect(() => addBulkConsumers(b, { consumers: 1, subscriptions: 0, key })).toThrow(/subscriptions/);
    expect(() => addBulkConsumers(b, { consumers: 1, subscriptions: 1, kinds: [], key })).toThrow(/kinds/);
  });
});
