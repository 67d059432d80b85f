import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ArmFactsError } from "../../src/core/arm/armFactsError.js";
import {
  findHsmKeyUseAssignment,
  HSM_KEY_USE_ROLES,
  HSM_SERVICE_READER_ROLE,
  hsmScopeCovers,
} from "../../src/core/keyStores/managedHsmRoles.js";
import { managedHsmFactsFromArm } from "../../src/core/keyStores/managedHsmFactsFromArm.js";

const role = (guid: string) => `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const P = "5a5a5a5a-0000-4000-8000-000000000001";

describe("Managed HSM local RBAC key-use roles", () => {
  it("are Crypto Service Encryption User and Crypto User, with the documented ids; the reader is Crypto Auditor", () => {
    expect(HSM_KEY_USE_ROLES).toEqual([
      { name: "Managed HSM Crypto Service Encryption User", id: "33413926-3206-4cdd-b39a-83574fe37a17" },
      { name: "Managed HSM Crypto User", id: "21dbd100-6940-42c2-9190-5d6cb909625b" },
    ]);
    expect(HSM_SERVICE_READER_ROLE.id).toBe("2c18b078-7c48-4d3a-af88-5a3a1b3f82b3");
  });

  it.each([
    ["/", true],
    ["/keys", true],
    ["/keys/", true],
    ["/keys/cmk", true],
    ["/KEYS/CMK", true],
    ["/keys/cmk2", false],
    ["/keys/other", false],
  ])("scope %s covers key cmk: %s", (scope, expected) => {
    expect(hsmScopeCovers(scope, "cmk")).toBe(expected);
  });

  it("finds the principal's key-use assignment at a covering scope, and nothing else", () => {
    const csu = role("33413926-3206-4cdd-b39a-83574fe37a17");
    const officer = role("515eb02d-2335-4d2d-92f2-b1cbdf9c3778");
    const admin = role("a290e904-7015-4bba-90c8-60543313cdb4");
    expect(
      findHsmKeyUseAssignment([{ scope: "/keys/cmk", principalId: P, roleDefinitionId: csu }], P, "cmk"),
    ).toBeDefined();
    expect(
      findHsmKeyUseAssignment(
        [{ scope: "/", principalId: P.toUpperCase(), roleDefinitionId: csu }],
        P,
        "cmk",
      ),
    ).toBeDefined();
    // Officer and Administrator cannot wrap or unwrap (S28 "Permitted operations").
    expect(
      findHsmKeyUseAssignment(
        [
          { scope: "/", principalId: P, roleDefinitionId: officer },
          { scope: "/", principalId: P, roleDefinitionId: admin },
        ],
        P,
        "cmk",
      ),
    ).toBeUndefined();
    expect(
      findHsmKeyUseAssignment([{ scope: "/keys/other", principalId: P, roleDefinitionId: csu }], P, "cmk"),
    ).toBeUndefined();
    expect(
      findHsmKeyUseAssignment([{ scope: "/", principalId: "someone-else", roleDefinitionId: csu }], P, "cmk"),
    ).toBeUndefined();
  });
});

describe("managedHsmFactsFromArm", () => {
  const example = JSON.parse(
    readFileSync(
      "test/conformance/material/rest-api-specs/keyvault-mgmt/2024-11-01/examples/ManagedHsm_Get.json",
      "utf8",
    ),
  ) as { responses: { 200: { body: Record<string, unknown> } } };
  const body = example.responses[200].body;

  it("maps Azure's own ManagedHsm_Get example: local RBAC, no access policies, purge protection as given", () => {
    expect(managedHsmFactsFromArm(body)).toEqual({
      armId:
        "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/hsm-group/providers/Microsoft.KeyVault/managedHSMs/hsm1",
      vaultUri: "https://westus.hsm1.managedhsm.azure.net",
      storeKind: "managedHsm",
      location: "westus",
      tenantId: "00000000-0000-0000-0000-000000000000",
      enableSoftDelete: true,
      softDeleteRetentionInDays: 90,
      enablePurgeProtection: false,
      enableRbacAuthorization: true,
      accessPolicies: [],
      networkAcls: undefined,
      publicNetworkAccess: undefined,
      sku: "standard_b1",
    });
  });

  it("reads absent purge protection as off, absent soft delete as on, and the firewall with its defaults", () => {
    const props = { ...(body.properties as Record<string, unknown>) };
    delete props.enablePurgeProtection;
    delete props.enableSoftDelete;
    const facts = managedHsmFactsFromArm({
      ...body,
      properties: { ...props, networkAcls: { defaultAction: "deny" }, publicNetworkAccess: "Disabled" },
    });
    expect(facts).toMatchObject({
      enablePurgeProtection: false,
      enableSoftDelete: true,
      networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
      publicNetworkAccess: "Disabled",
    });
  });

  it("refuses a vault body and names a bad firewall field", () => {
    expect(() => managedHsmFactsFromArm({ ...body, type: "Microsoft.KeyVault/vaults" })).toThrow(
      ArmFactsError,
    );
    expect(() =>
      managedHsmFactsFromArm({
        ...body,
        properties: { ...(body.properties as object), networkAcls: { bypass: "Everyone" } },
      }),
    ).toThrow(/properties\.networkAcls\.bypass/);
  });
});
