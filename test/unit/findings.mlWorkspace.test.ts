import { describe, expect, it } from "vitest";
import { evaluateMlWorkspace } from "../../src/core/consumers/mlWorkspace/mlWorkspaceFindings.js";
import {
  cmkMlWorkspace,
  context,
  keyFacts,
  mlWorkspace,
  rg,
  SUB,
  V1,
  VAULT_URL,
  vaultFacts,
} from "./findingsFixtures.js";

const HUB_ID = `${rg("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/hub-prod`;

function hub(cmk: boolean) {
  const base = cmk ? cmkMlWorkspace() : mlWorkspace();
  return {
    ...base,
    id: HUB_ID,
    name: "hub-prod",
    kind: "Hub",
    properties: {
      ...base.properties,
      associatedWorkspaces: [`${rg("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/proj-a`],
    },
  };
}

function project(hubId: string | null = HUB_ID) {
  const base = mlWorkspace();
  return {
    ...base,
    id: `${rg("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/proj-a`,
    name: "proj-a",
    kind: "Project",
    properties: { friendlyName: "proj-a", ...(hubId === null ? {} : { hubResourceId: hubId }) },
  };
}

describe("evaluateMlWorkspace: workspace without CMK", () => {
  const evaluation = evaluateMlWorkspace(mlWorkspace(), context());
  const finding = evaluation.findings[0];

  it("raises MlWorkspaceWithoutCmk with no automatic fix", () => {
    expect(evaluation.compliant).toBe(false);
    expect(evaluation.findings.map((f) => f.code)).toEqual(["MlWorkspaceWithoutCmk"]);
    expect(finding?.remediation).toBeUndefined();
    expect(evaluation.maintenance).toEqual([]);
    expect(finding?.severity).toBe("high");
  });

  it("says where the workspace is: subscription, resource group and portal link", () => {
    const id = mlWorkspace().id;
    expect(finding?.body).toContain(`- Subscription: ${SUB}`);
    expect(finding?.body).toContain("- Resource group: rg-ml");
    expect(finding?.body).toContain(`https://portal.azure.com/#resource${id}`);
  });

  it("lists the prerequisites: vault protection, RSA key sizes and identity permissions", () => {
    const body = finding?.body ?? "";
    expect(body).toMatch(/soft delete and purge protection/);
    expect(body).toMatch(/3072 bits recommended/);
    expect(body).toMatch(/2048 bits minimum/);
    expect(body).toMatch(/get, wrapKey and unwrapKey/);
  });

  it("explains the creation-time decisions: hbi_workspace and service-side encryption with no rotation", () => {
    const body = finding?.body ?? "";
    expect(body).toContain("hbi_workspace");
    expect(body).toContain("This workspace has it off");
    expect(body).toContain("enableServiceSideCMKEncryption");
    expect(body).toMatch(/key rotation is not supported/);
  });

  it("gives the migration steps for every asset kind and warns about the managed resource group", () => {
    const body = finding?.body ?? "";
    for (const asset of [
      "data assets (datasets)",
      "models",
      "environments",
      "components",
      "compute",
      "online and batch endpoints",
    ]) {
      expect(body).toContain(asset);
    }
    expect(body).toMatch(/Do not delete the Microsoft-managed resource group/);
    expect(body).toMatch(/Cosmos DB, AI Search and Storage/);
    expect(body).toMatch(/must be re-created/);
  });

  it("treats a missing encryption block as not encrypted", () => {
    const ws = mlWorkspace();
    const { encryption: _dropped, ...props } = ws.properties ?? {};
    const result = evaluateMlWorkspace({ ...ws, properties: props }, context());
    expect(result.findings.map((f) => f.code)).toEqual(["MlWorkspaceWithoutCmk"]);
  });

  it("tells a hub to move its projects too", () => {
    const result = evaluateMlWorkspace(hub(false), context());
    expect(result.findings[0]?.title).toMatch(/hub hub-prod/);
    expect(result.findings[0]?.body).toContain("proj-a");
    expect(result.findings[0]?.body).toMatch(/Re-create each \*\*project\*\*/);
  });
});

describe("evaluateMlWorkspace: CMK workspace", () => {
  it("is compliant with a protected vault and asks for a catch-up rotation of its key", () => {
    const result = evaluateMlWorkspace(cmkMlWorkspace(), context({}, { vault: vaultFacts() }));
    expect(result.compliant).toBe(true);
    expect(result.findings).toEqual([]);
    expect(result.maintenance).toEqual([
      { kind: "catch-up-rotation", keyId: `${VAULT_URL}/keys/cmk-ml/${V1}` },
    ]);
  });

  it("reports the vault prerequisites it lacks", () => {
    const result = evaluateMlWorkspace(
      cmkMlWorkspace(),
      context({}, { vault: vaultFacts({ enableSoftDelete: false, enablePurgeProtection: false }) }),
    );
    expect(result.findings.map((f) => f.code)).toEqual([
      "CmkVaultSoftDeleteOff",
      "CmkVaultPurgeProtectionOff",
    ]);
    expect(result.findings[1]?.body).toContain(
      "az keyvault update --name kv-cmk --resource-group rg-keys --enable-purge-protection true",
    );
    expect(result.maintenance).toHaveLength(1);
  });

  it("is undetermined, not compliant, when its vault facts are missing", () => {
    const result = evaluateMlWorkspace(cmkMlWorkspace(), context());
    expect(result.compliant).toBe(false);
    expect(result.findings).toEqual([]);
    expect(result.undetermined?.reason).toMatch(/the vault of .*cmk-ml.* was not read/);
    expect(result.maintenance).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/vault facts .* were not provided/);
  });

  it("does not ask for rotation under service-side encryption, which cannot rotate", () => {
    const result = evaluateMlWorkspace(
      cmkMlWorkspace({ enableServiceSideCMKEncryption: true }),
      context({}, { vault: vaultFacts() }),
    );
    expect(result.maintenance).toEqual([]);
    expect(result.notes.join("\n")).toMatch(/does not support key rotation/);
  });

  it("raises CmkKeyReferenceInvalid when the key identifier is not a key URI", () => {
    const ws = cmkMlWorkspace();
    const result = evaluateMlWorkspace(
      {
        ...ws,
        properties: {
          ...ws.properties,
          encryption: { status: "Enabled", keyVaultProperties: { keyIdentifier: "not-a-uri" } },
        },
      },
      context(),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyReferenceInvalid"]);
  });

  it("raises CmkKeyExpiresSoon when the key version expires within the warning window", () => {
    const result = evaluateMlWorkspace(
      cmkMlWorkspace(),
      context(
        {},
        {
          vault: vaultFacts(),
          currentKey: keyFacts("cmk-ml", { expiresOn: new Date("2026-06-10T00:00:00Z") }),
        },
      ),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["CmkKeyExpiresSoon"]);
  });
});

describe("evaluateMlWorkspace: Project inherits from its Hub", () => {
  it("is compliant when the hub is encrypted with CMK", () => {
    const result = evaluateMlWorkspace(project(), context({}, { hub: hub(true) }));
    expect(result.compliant).toBe(true);
    expect(result.maintenance).toEqual([]);
    expect(result.notes.join("\n")).toContain(`inherits customer-managed key encryption from hub ${HUB_ID}`);
  });

  it("raises MlProjectHubWithoutCmk naming the hub when the hub has no CMK", () => {
    const result = evaluateMlWorkspace(project(), context({}, { hub: hub(false) }));
    expect(result.findings.map((f) => f.code)).toEqual(["MlProjectHubWithoutCmk"]);
    const body = result.findings[0]?.body ?? "";
    expect(body).toContain("hub-prod");
    expect(body).toContain(`https://portal.azure.com/#resource${HUB_ID}`);
    expect(result.findings[0]?.resourceId).toBe(project().id);
  });

  it("compares the hub id case-insensitively", () => {
    const result = evaluateMlWorkspace(project(HUB_ID.toLowerCase()), context({}, { hub: hub(true) }));
    expect(result.compliant).toBe(true);
  });

  it("is undetermined, with a note, when the hub was not provided", () => {
    const result = evaluateMlWorkspace(project(), context());
    expect(result.compliant).toBe(false);
    expect(result.findings).toEqual([]);
    expect(result.undetermined?.reason).toContain(`hub ${HUB_ID} was not provided`);
  });

  it("ignores a hub that is not the project's", () => {
    const other = {
      ...hub(true),
      id: `${rg("rg-ml")}/providers/Microsoft.MachineLearningServices/workspaces/other-hub`,
    };
    const result = evaluateMlWorkspace(project(), context({}, { hub: other }));
    expect(result.undetermined).toBeDefined();
    expect(result.notes.join("\n")).toMatch(/not this project's hub/);
  });

  it("is undetermined when the project names no hub", () => {
    const result = evaluateMlWorkspace(project(null), context());
    expect(result.undetermined?.reason).toMatch(/hubResourceId/);
  });
});
