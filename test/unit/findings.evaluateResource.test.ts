import { describe, expect, it } from "vitest";
import { evaluateResource, hasDetectionRule } from "../../src/core/findings/evaluateResource.js";
import { FINDING_CODES } from "../../src/core/findings/finding.js";
import { aiAccount, context, des, disk, keyVaultResource, mlWorkspace, rg } from "./findingsFixtures.js";

describe("evaluateResource", () => {
  it("dispatches every in-scope type, case-insensitively", () => {
    expect(evaluateResource(mlWorkspace(), context()).findings[0]?.code).toBe("MlWorkspaceWithoutCmk");
    expect(
      evaluateResource(aiAccount({ type: "microsoft.cognitiveservices/ACCOUNTS" }), context()).findings[0]
        ?.code,
    ).toBe("AiServicesMicrosoftManagedKey");
    expect(evaluateResource(disk("Unattached"), context()).findings[0]?.code).toBe("DiskPlatformKey");
    expect(evaluateResource(des(), context({ desAutoRotation: "ticket" })).findings[0]?.code).toBe(
      "DesAutoRotationOff",
    );
    expect(
      evaluateResource(
        keyVaultResource({ enablePurgeProtection: false }),
        context({}, { holdsCmkKeys: true }),
      ).findings[0]?.code,
    ).toBe("VaultPurgeProtectionOff");
    expect(hasDetectionRule("MICROSOFT.COMPUTE/DISKS")).toBe(true);
  });

  it("leaves unknown types compliant, with a note", () => {
    const result = evaluateResource(
      {
        id: `${rg("rg-st")}/providers/Microsoft.Storage/storageAccounts/st1`,
        name: "st1",
        type: "Microsoft.Storage/storageAccounts",
      },
      context(),
    );
    expect(result.compliant).toBe(true);
    expect(result.notes).toEqual(["no detection rule for resource type Microsoft.Storage/storageAccounts"]);
  });

  it("applies the exclusion tag before the rule", () => {
    const result = evaluateResource(aiAccount({ tags: { "CMK-Remediation": "Exclude" } }), context());
    expect(result).toMatchObject({
      compliant: true,
      findings: [],
      maintenance: [],
      excluded: { reason: "excluded by tag CMK-Remediation=Exclude" },
    });
  });

  it("does not exclude on the tag name alone when a value is configured", () => {
    const result = evaluateResource(aiAccount({ tags: { "cmk-remediation": "keep" } }), context());
    expect(result.excluded).toBeUndefined();
    expect(result.compliant).toBe(false);
  });

  it("applies excluded id patterns before the rule", () => {
    const result = evaluateResource(
      mlWorkspace(),
      context({ excludedIdPatterns: ["*/resourceGroups/RG-ML/*"] }),
    );
    expect(result.excluded?.reason).toBe("excluded by id pattern */resourceGroups/RG-ML/*");
    expect(result.findings).toEqual([]);
    expect(result.compliant).toBe(true);
  });

  it("every finding code is distinct", () => {
    expect(new Set(FINDING_CODES).size).toBe(FINDING_CODES.length);
  });
});
