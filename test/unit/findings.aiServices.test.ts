import { describe, expect, it } from "vitest";
import { evaluateAiServicesAccount } from "../../src/core/consumers/aiServicesAccount/aiServicesAccountFindings.js";
import {
  aiAccount,
  cmkAiAccount,
  context,
  ENFORCE_KEY,
  KEY_V1,
  SUB,
  V2,
  VAULT_URL,
  vaultFacts,
} from "./findingsFixtures.js";

const enforce = { aiServicesMode: "enforce" as const, enforceKeys: { "West Europe": ENFORCE_KEY } };

describe("evaluateAiServicesAccount: scope", () => {
  it("leaves kinds outside the configured list alone, with a note", () => {
    const result = evaluateAiServicesAccount(aiAccount({ kind: "TextAnalytics" }), context());
    expect(result.compliant).toBe(true);
    expect(result.findings).toEqual([]);
    expect(result.notes[0]).toMatch(/^kind not in scope: TextAnalytics/);
  });

  it("compares kinds case-insensitively and honours a configured list", () => {
    expect(evaluateAiServicesAccount(aiAccount({ kind: "aiservices" }), context()).compliant).toBe(false);
    const speech = aiAccount({ kind: "SpeechServices" });
    expect(
      evaluateAiServicesAccount(speech, context({ aiServicesKinds: ["SpeechServices"] })).compliant,
    ).toBe(false);
    expect(
      evaluateAiServicesAccount(aiAccount(), context({ aiServicesKinds: ["SpeechServices"] })).compliant,
    ).toBe(true);
  });
});

describe("evaluateAiServicesAccount: Microsoft-managed key, ticket mode", () => {
  it("raises AiServicesMicrosoftManagedKey with no remediation when there is no encryption block", () => {
    const result = evaluateAiServicesAccount(aiAccount(), context());
    expect(result.compliant).toBe(false);
    expect(result.findings.map((f) => f.code)).toEqual(["AiServicesMicrosoftManagedKey"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    const body = result.findings[0]?.body ?? "";
    expect(body).toContain(`- Subscription: ${SUB}`);
    expect(body).toContain("- Resource group: rg-ai");
    expect(body).toContain(`https://portal.azure.com/#resource${aiAccount().id}`);
    expect(body).toContain(
      "az cognitiveservices account update --name aoai-prod --resource-group rg-ai --encryption",
    );
    expect(body).toMatch(/RSA or RSA-HSM key of 2048 bits/);
    expect(body).toMatch(/Ticket mode/);
  });

  it("treats keySource Microsoft.CognitiveServices as Microsoft-managed", () => {
    const account = aiAccount();
    const result = evaluateAiServicesAccount(
      {
        ...account,
        properties: { ...account.properties, encryption: { keySource: "Microsoft.CognitiveServices" } },
      },
      context(),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["AiServicesMicrosoftManagedKey"]);
  });

  it("never remediates in ticket mode, even with a key configured for the region", () => {
    const result = evaluateAiServicesAccount(
      aiAccount(),
      context({ enforceKeys: { westeurope: ENFORCE_KEY } }),
    );
    expect(result.findings[0]?.remediation).toBeUndefined();
  });
});

describe("evaluateAiServicesAccount: Microsoft-managed key, enforce mode", () => {
  it("attaches an enable-cmk remediation with the region's key in wire shape", () => {
    const result = evaluateAiServicesAccount(aiAccount(), context(enforce));
    const finding = result.findings[0];
    expect(finding?.code).toBe("AiServicesMicrosoftManagedKey");
    expect(finding?.remediation).toEqual({
      kind: "enable-cmk",
      keyId: ENFORCE_KEY,
      patch: {
        properties: {
          encryption: {
            keySource: "Microsoft.KeyVault",
            keyVaultProperties: { keyVaultUri: `${VAULT_URL}/`, keyName: "cmk-aoai", keyVersion: V2 },
          },
        },
      },
    });
    expect(finding?.body).toMatch(/preflight/);
  });

  it("matches the region whatever its spelling (West Europe vs westeurope)", () => {
    const result = evaluateAiServicesAccount(aiAccount({ location: "West Europe" }), context(enforce));
    expect(result.findings[0]?.remediation?.kind).toBe("enable-cmk");
  });

  it("raises only the finding when no key is configured for the account's region", () => {
    const result = evaluateAiServicesAccount(aiAccount({ location: "eastus" }), context(enforce));
    expect(result.findings.map((f) => f.code)).toEqual(["AiServicesMicrosoftManagedKey"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    expect(result.findings[0]?.body).toMatch(/no key is configured for region eastus/);
  });

  it("raises AiServicesNoSystemIdentity, with no remediation, when the account has no system-assigned identity", () => {
    const result = evaluateAiServicesAccount(aiAccount({ identity: { type: "None" } }), context(enforce));
    expect(result.findings.map((f) => f.code)).toEqual(["AiServicesNoSystemIdentity"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    const body = result.findings[0]?.body ?? "";
    expect(body).toContain(
      "az cognitiveservices account identity assign --name aoai-prod --resource-group rg-ai",
    );
    expect(body).toMatch(/get, wrapKey and unwrapKey/);
  });

  it("does not count a user-assigned identity as the system-assigned one", () => {
    const uai = `/subscriptions/${SUB}/resourceGroups/rg-ai/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-aoai`;
    const account = aiAccount({
      identity: {
        type: "UserAssigned",
        userAssignedIdentities: { [uai]: { principalId: "p", clientId: "c" } },
      },
    });
    expect(evaluateAiServicesAccount(account, context(enforce)).findings[0]?.code).toBe(
      "AiServicesNoSystemIdentity",
    );
  });
});

describe("evaluateAiServicesAccount: CMK account", () => {
  it("is compliant with a protected vault and asks for a catch-up rotation", () => {
    const result = evaluateAiServicesAccount(cmkAiAccount(), context(enforce, { vault: vaultFacts() }));
    expect(result.compliant).toBe(true);
    expect(result.maintenance).toEqual([{ kind: "catch-up-rotation", keyId: KEY_V1 }]);
  });

  it("reports a vault without purge protection", () => {
    const result = evaluateAiServicesAccount(
      cmkAiAccount(),
      context({}, { vault: vaultFacts({ enablePurgeProtection: false }) }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkVaultPurgeProtectionOff"]);
    expect(result.findings[0]?.body).toMatch(/irreversible/);
  });

  it("ignores vault facts that describe another vault", () => {
    const other = vaultFacts({ vaultUri: "https://kv-other.vault.azure.net/", enablePurgeProtection: false });
    const result = evaluateAiServicesAccount(cmkAiAccount(), context({}, { vault: other }));
    expect(result.findings).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/not for the key's vault/);
  });

  it("raises CmkKeyReferenceInvalid when keySource is Key Vault but the key is not named", () => {
    const account = aiAccount();
    const result = evaluateAiServicesAccount(
      { ...account, properties: { ...account.properties, encryption: { keySource: "Microsoft.KeyVault" } } },
      context(),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyReferenceInvalid"]);
    expect(result.maintenance).toEqual([]);
  });
});
