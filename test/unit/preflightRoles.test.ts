import { describe, expect, it } from "vitest";
import type { RoleAssignmentFacts } from "../../src/core/keyStores/keyFacts.js";
import {
  findKeyUseAssignment,
  grantsKeyUse,
  KEY_USE_ROLES,
  keyResourceId,
  roleDefinitionGuid,
  scopeCovers,
} from "../../src/core/keyStores/keyVaultRoles.js";

const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const OTHER_SUB = "6f4d7a1b-2c3d-4e5f-9a0b-1c2d3e4f5a6b";
const RG = `/subscriptions/${SUB}/resourceGroups/rg-keys`;
const VAULT = `${RG}/providers/Microsoft.KeyVault/vaults/kv1`;
const KEY = `${VAULT}/keys/cmk`;
const PRINCIPAL = "9b6a0c57-2d4e-4f3a-8b1c-7e6d5c4b3a29";

describe("key-use roles", () => {
  // Ids and data actions: learn.microsoft.com/azure/role-based-access-control/built-in-roles/security
  it("lists the four built-in roles that allow keys/read, wrap and unwrap", () => {
    expect(Object.fromEntries(KEY_USE_ROLES.map((r) => [r.name, r.id]))).toEqual({
      "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
      "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
      "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
      "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
    });
  });

  it.each([
    [
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`,
      true,
    ],
    ["/providers/Microsoft.Authorization/roleDefinitions/12338AF0-0E69-4776-BEA7-57AE8D297424", true],
    ["14b46e9e-c2b7-41b4-b07b-48a6ebf60603", true],
    [
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/00482a5a-887f-4fb3-b363-3b7fe8e74483/`,
      true,
    ],
    // Key Vault Reader: metadata only, no wrap/unwrap.
    [
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/21090545-7ca7-4776-b22c-e363652d74d2`,
      false,
    ],
    // Key Vault Contributor: management plane only.
    [
      `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/f25e0fa2-a7c8-4377-a976-54943a77a395`,
      false,
    ],
    // The GUID must end the id; one elsewhere does not count.
    [`/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6/extra`, false],
    ["Key Vault Crypto User", false],
  ])("grantsKeyUse(%s) = %s", (id, expected) => {
    expect(grantsKeyUse(id)).toBe(expected);
  });

  it("extracts the trailing GUID in lower case", () => {
    expect(roleDefinitionGuid("/x/roleDefinitions/E147488A-F6F5-4113-8E2D-B22465E65BF6")).toBe(
      "e147488a-f6f5-4113-8e2d-b22465e65bf6",
    );
    expect(roleDefinitionGuid("/x/roleDefinitions/not-a-guid")).toBeUndefined();
  });
});

describe("scopeCovers", () => {
  it.each([
    ["/", true],
    ["/providers/Microsoft.Management/managementGroups/contoso", true],
    [`/subscriptions/${SUB}`, true],
    [`/subscriptions/${SUB}/`, true],
    [`/SUBSCRIPTIONS/${SUB.toUpperCase()}/resourcegroups/RG-KEYS`, true],
    [VAULT, true],
    [KEY, true],
    [`${VAULT}/keys/CMK`, true],
    [`${VAULT}/keys/other`, false],
    [`${VAULT}/keys/cmk-2`, false],
    [`${RG}/providers/Microsoft.KeyVault/vaults/kv10`, false],
    [`${RG}/providers/Microsoft.KeyVault/vaults/kv`, false],
    [`/subscriptions/${SUB}/resourceGroups/rg-keys2`, false],
    [`/subscriptions/${SUB}/resourceGroups/rg`, false],
    [`/subscriptions/${OTHER_SUB}`, false],
    [`${KEY}/versions/abc`, false],
  ])("scope %s covers the key: %s", (scope, expected) => {
    expect(scopeCovers(scope, KEY)).toBe(expected);
  });

  it("checks management groups against known ancestry when it is given", () => {
    const mg = "/providers/Microsoft.Management/managementGroups/Contoso-Platform";
    expect(scopeCovers(mg, KEY, { managementGroupIds: ["contoso-platform"] })).toBe(true);
    expect(scopeCovers(mg, KEY, { managementGroupIds: ["contoso-root"] })).toBe(false);
    expect(scopeCovers(mg, KEY, { managementGroupIds: [] })).toBe(false);
  });

  it("builds key ids without doubled slashes", () => {
    expect(keyResourceId(`${VAULT}/`, "cmk")).toBe(KEY);
  });
});

describe("findKeyUseAssignment", () => {
  const user = (
    scope: string,
    principalId = PRINCIPAL,
    guid = "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  ): RoleAssignmentFacts => ({
    scope,
    principalId,
    roleDefinitionId: `/subscriptions/${SUB}/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
  });

  it("finds an assignment for the principal (any case) at a covering scope", () => {
    const match = user(RG);
    const found = findKeyUseAssignment(
      [user(VAULT, "00000000-0000-0000-0000-000000000001"), user(`${VAULT}/keys/other`), match],
      PRINCIPAL.toUpperCase(),
      VAULT,
      "cmk",
    );
    expect(found).toBe(match);
  });

  it("finds nothing for a non-key-use role or a scope that does not cover the key", () => {
    const reader = user(VAULT, PRINCIPAL, "21090545-7ca7-4776-b22c-e363652d74d2");
    expect(
      findKeyUseAssignment([reader, user(`/subscriptions/${OTHER_SUB}`)], PRINCIPAL, VAULT, "cmk"),
    ).toBeUndefined();
  });
});
