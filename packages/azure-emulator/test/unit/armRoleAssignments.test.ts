import { describe, expect, it } from "vitest";
import {
  RoleAssignmentFilterError,
  checkRoleAssignmentWrite,
  listRoleAssignments,
  normalizeScope,
  parseRoleAssignmentFilter,
  roleAssignmentScope,
  scopeRelation,
} from "../../src/arm/roleAssignments.js";
import type { TenantFile } from "../../src/tenantFile.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

const SUB = "5e3c6f0a-1b2c-4d3e-8f9a-0b1c2d3e4f5a";
const rgId = (rg: string): string => `/subscriptions/${SUB}/resourceGroups/${rg}`;
const RG = rgId("rg-ai");
const DES = `${RG}/providers/Microsoft.Compute/diskEncryptionSets/des1`;
const ALICE = "aaaaaaaa-0000-0000-0000-000000000001";
const BOB = "bbbbbbbb-0000-0000-0000-000000000002";
const READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
const CRYPTO = "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/** Role assignments `[scope, name, principalId, role]`; those named in `withoutScope` lose `properties.scope`. */
function assignments(list: [string, string, string, string][], withoutScope: string[] = []): TenantFile {
  const b = new TenantBuilder({ seed: "role-assignments" });
  b.subscription(SUB, "prod");
  for (const [scope, name, principalId, roleDefinitionId] of list) {
    b.roleAssignment({ scope, name, principalId, roleDefinitionId });
  }
  const tenant = b.build();
  for (const r of tenant.resources) {
    if (withoutScope.includes(r.name)) delete (r.properties as Record<string, unknown>).scope;
  }
  return tenant;
}

describe("scopeRelation", () => {
  it.each([
    [RG, RG, "at"],
    [`/subscriptions/${SUB}`, RG, "above"],
    ["/", DES, "above"],
    [DES, RG, "below"],
    [RG, "/", "below"],
    [`${RG}2`, RG, "unrelated"],
    [rgId("rg-other"), DES, "unrelated"],
    [RG.toUpperCase() + "/", RG, "at"],
  ])("%s relative to %s is %s", (candidate, requested, expected) => {
    expect(scopeRelation(candidate, requested)).toBe(expected);
  });

  it("places a management group above the subscriptions in it", () => {
    const mgOf = (sub: string): string | undefined => (sub === SUB ? "mg-prod" : undefined);
    const mg = "/providers/Microsoft.Management/managementGroups/mg-prod";
    expect(scopeRelation(mg, DES, mgOf)).toBe("above");
    expect(scopeRelation(DES, mg, mgOf)).toBe("below");
    expect(scopeRelation("/providers/Microsoft.Management/managementGroups/mg-test", DES, mgOf)).toBe(
      "unrelated",
    );
  });

  it("normalizes scopes", () => {
    expect(normalizeScope("/")).toBe("");
    expect(normalizeScope("//Subscriptions/ABC/")).toBe("/subscriptions/abc");
  });
});

describe("parseRoleAssignmentFilter", () => {
  it.each([
    [null, { atScope: false, principalId: undefined }],
    ["atScope()", { atScope: true, principalId: undefined }],
    [`principalId eq '${ALICE}'`, { atScope: false, principalId: ALICE }],
    [`principalId eq ${ALICE}`, { atScope: false, principalId: ALICE }],
    [`assignedTo('${ALICE}')`, { atScope: false, principalId: ALICE }],
    [`atScope() and assignedTo('${ALICE}')`, { atScope: true, principalId: ALICE }],
  ])("%j", (filter, expected) => {
    expect(parseRoleAssignmentFilter(filter)).toEqual(expected);
  });

  it.each([
    `roleDefinitionId eq '${READER}'`,
    `principalId eq '${ALICE}' and principalId eq '${BOB}'`,
    "atScope",
  ])("refuses %j", (filter) => {
    expect(() => parseRoleAssignmentFilter(filter)).toThrow(RoleAssignmentFilterError);
  });
});

describe("listRoleAssignments", () => {
  const tenant = assignments(
    [
      [`/subscriptions/${SUB}`, "ra-sub", ALICE, READER],
      [RG, "ra-rg", BOB, READER],
      [DES, "ra-des", ALICE, CRYPTO],
      [rgId("rg-other"), "ra-other", ALICE, READER],
    ],
    ["ra-des"],
  );
  const names = (scope: string, filter: string | null): string[] =>
    listRoleAssignments(tenant.resources, scope, parseRoleAssignmentFilter(filter)).map((r) => r.name);

  it("returns assignments at, above and below the scope without a filter", () => {
    expect(names(RG, null)).toEqual(["ra-sub", "ra-rg", "ra-des"]);
  });

  it("atScope() drops assignments below the scope", () => {
    expect(names(RG, "atScope()")).toEqual(["ra-sub", "ra-rg"]);
  });

  it("filters by principal at, above and below", () => {
    expect(names(RG, `principalId eq '${ALICE}'`)).toEqual(["ra-sub", "ra-des"]);
    expect(names(DES, `assignedTo('${BOB}')`)).toEqual(["ra-rg"]);
  });

  it("derives a missing properties.scope from the id", () => {
    const des = tenant.resources.find((r) => r.name === "ra-des");
    expect(des?.properties?.scope).toBeUndefined();
    expect(roleAssignmentScope(des!)).toBe(DES);
    const listed = listRoleAssignments(tenant.resources, DES, { atScope: true }).find(
      (r) => r.name === "ra-des",
    );
    expect(listed?.properties?.scope).toBe(DES);
  });
});

describe("checkRoleAssignmentWrite", () => {
  const tenant = assignments([[RG, "ra-rg", BOB, READER]]);
  const existing = tenant.resources[0]!;

  it("refuses a second assignment of the same role to the same principal at the same scope", () => {
    const duplicate = {
      ...structuredClone(existing),
      id: existing.id.replace("ra-rg", "ra-dup"),
      name: "ra-dup",
    };
    expect(checkRoleAssignmentWrite(duplicate, undefined, tenant.resources)?.code).toBe(
      "RoleAssignmentExists",
    );
  });

  it("refuses changing the principal of an existing assignment", () => {
    const changed = structuredClone(existing);
    changed.properties = { ...changed.properties, principalId: ALICE };
    expect(checkRoleAssignmentWrite(changed, existing, tenant.resources)?.code).toBe(
      "RoleAssignmentUpdateNotPermitted",
    );
  });

  it("requires roleDefinitionId and principalId", () => {
    const bare = {
      id: `${RG}/providers/Microsoft.Authorization/roleAssignments/x`,
      name: "x",
      type: "Microsoft.Authorization/roleAssignments",
      properties: {},
    };
    expect(checkRoleAssignmentWrite(bare, undefined, [])?.status).toBe(400);
  });
});
