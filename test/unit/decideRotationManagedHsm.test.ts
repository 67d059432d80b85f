import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import { decideRotation } from "../../src/core/decisions/decideRotation.js";
import { keyRef } from "../../src/core/ids/keyId.js";
import type { KeyVersionFacts } from "../../src/core/keyStores/keyFacts.js";
import { keyScenario, type ScenarioConsumer } from "../support/keyScenario.js";
import { testNow } from "../support/serviceWiring.js";

/**
 * Found by the chaos runner (bench/chaos, invariant hsm-refused-with-reason): a consumer whose key is
 * in a Managed HSM pool was refused because "the vault ... was not found", though the pool exists and
 * its key answered (issue 13: "Never 'not found' for a store that exists").
 */
function decideOnHsm(consumer: ScenarioConsumer) {
  const s = keyScenario({ consumer });
  // The consumer names the same key in a Managed HSM pool instead of the vault.
  const vaultHost = new URL(s.key.vaultUrl).host;
  const hsmUrl = "https://hsm-contoso.managedhsm.azure.net";
  const onVault = s.tenant.resources.find((r) => r.id === s.consumer.id) as ArmResourceJson;
  const resource = JSON.parse(
    JSON.stringify(onVault).replaceAll(vaultHost, new URL(hsmUrl).host),
  ) as ArmResourceJson;
  const rule = consumerRuleFor(resource.type);
  if (rule === undefined) throw new Error(`no rule for ${resource.type}`);
  const versions: KeyVersionFacts[] = (s.tenant.keyVaults[s.key.vaultUrl]?.keys[s.key.name] ?? []).map(
    (v) => ({
      keyId: `${hsmUrl}/keys/${s.key.name}/${v.version}`,
      vaultUrl: hsmUrl,
      keyName: s.key.name,
      version: v.version,
      kty: v.kty,
      keySize: v.keySize,
      enabled: v.enabled,
      createdOn: new Date(v.createdOn),
      keyOps: v.keyOps,
    }),
  );
  const newest = s.key.versions.at(-1) ?? "";
  return decideRotation({
    resource,
    rule,
    versions,
    // The pool is no Key Vault vault: the service reads no vault facts for it.
    vault: undefined,
    roleAssignments: [],
    jobKey: keyRef(hsmUrl, s.key.name, newest),
    now: testNow,
    expiryMarginDays: 30,
  });
}

describe("decideRotation: a key in a Managed HSM pool", () => {
  it("a disk encryption set is refused because the pool's facts are not read, not because it was not found", () => {
    const decision = decideOnHsm("des");
    expect(decision.kind).toBe("refuse");
    if (decision.kind !== "refuse") return;
    expect(decision.code).toBe("KeyStoreUnreadable");
    expect(decision.reason).toContain("Managed HSM pool");
    expect(decision.reason).not.toMatch(/not found/i);
  });

  it("an OpenAI account is refused because Managed HSM keys are not supported for it", () => {
    const decision = decideOnHsm("openai");
    expect(decision.kind).toBe("refuse");
    if (decision.kind !== "refuse") return;
    expect(decision.code).toBe("KeyStoreUnreadable");
    expect(decision.reason).toContain("no Microsoft documentation supports Managed HSM keys");
    expect(decision.reason).not.toMatch(/not found/i);
  });
});
