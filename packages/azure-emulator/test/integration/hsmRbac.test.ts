import { describe, expect, it } from "vitest";
import { EmulatorCredential, principalFromAuthorization } from "../../src/emulatorCredential.js";
import type { EmulatorResponse } from "../../src/emulatorTypes.js";
import { createKeyVaultHandler } from "../../src/keyvault/keyVaultHandler.js";
import { parseTenantFile, TenantFileError } from "../../src/tenantFile.js";
import { TenantState } from "../../src/tenantState.js";
import { TenantBuilder } from "../../src/tenantBuilder/index.js";

/** The local RBAC endpoints of a Managed HSM pool (rbac.json 7.6), as the emulator serves them. */

const READER = "00000000-0000-0000-0000-0000000000aa";
const OUTSIDER = "00000000-0000-0000-0000-0000000000bb";
const DES = "00000000-0000-0000-0000-0000000000cc";
const now = Date.parse("2026-03-01T12:00:00Z");

function tenant() {
  const b = new TenantBuilder({ seed: "hsm-rbac" });
  const sub = b.subscription(b.ids.guid("subscription"), "prod");
  const hsm = b.managedHsm({ subscriptionId: sub, resourceGroup: "rg-keys", name: "hsm-one" });
  b.key(hsm, "cmk", [{ createdOn: "2026-01-01T00:00:00Z", kty: "RSA-HSM" }]);
  b.hsmRoleAssignment(hsm, { principalId: READER, role: "Managed HSM Crypto Auditor", name: "reader" });
  b.hsmRoleAssignment(hsm, {
    principalId: DES,
    role: "Managed HSM Crypto Service Encryption User",
    scope: "/keys/cmk",
    name: "des-cmk",
  });
  return { file: b.build(), hsm };
}

async function call(objectId: string, path: string, method = "GET"): Promise<EmulatorResponse> {
  const state = new TenantState(tenant().file);
  const credential = new EmulatorCredential({ objectId, tenantId: state.tenantId });
  const bearer = `Bearer ${(await credential.getToken("https://managedhsm.azure.net/.default")).token}`;
  const handler = createKeyVaultHandler(state);
  return handler(
    {
      method,
      url: new URL(`https://hsm-one.managedhsm.azure.net${path}`),
      headers: { authorization: bearer },
    },
    { principal: principalFromAuthorization(bearer) ?? { objectId: "anonymous" }, now },
  );
}

const body = (r: EmulatorResponse) => JSON.parse(r.body ?? "null") as Record<string, unknown>;
const list = "/providers/Microsoft.Authorization/roleAssignments?api-version=7.6";

describe("Managed HSM local RBAC endpoints", () => {
  it("lists the assignments at, above and below a scope in rbac.json's RoleAssignment shape", async () => {
    const all = await call(READER, `/${list}`);
    expect(all.status).toBe(200);
    expect(body(all)).toEqual({
      value: [
        {
          id: "/providers/Microsoft.Authorization/roleAssignments/reader",
          name: "reader",
          type: "Microsoft.Authorization/roleAssignments",
          properties: {
            scope: "/",
            roleDefinitionId:
              "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
            principalId: READER,
          },
        },
        {
          id: "/keys/cmk/providers/Microsoft.Authorization/roleAssignments/des-cmk",
          name: "des-cmk",
          type: "Microsoft.Authorization/roleAssignments",
          properties: {
            scope: "/keys/cmk",
            roleDefinitionId:
              "Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/33413926-3206-4cdd-b39a-83574fe37a17",
            principalId: DES,
          },
        },
      ],
      nextLink: null,
    });
    const other = body(await call(READER, `/keys/other${list}`)) as { value: { name: string }[] };
    expect(other.value.map((a) => a.name)).toEqual(["reader"]);
  });

  it("answers 403 Forbidden to a caller without roleAssignments/read/action, even one that may use the key", async () => {
    for (const who of [OUTSIDER, DES]) {
      const response = await call(who, `/keys/cmk${list}`);
      expect(response.status).toBe(403);
      expect((body(response).error as { code: string; message: string }).code).toBe("Forbidden");
      expect((body(response).error as { message: string }).message).toContain(
        "Action: 'Microsoft.KeyVault/managedHsm/roleAssignments/read/action'",
      );
    }
  });

  it("serves the built-in role definitions and one assignment by name; refuses writes", async () => {
    const defs = body(
      await call(READER, "/providers/Microsoft.Authorization/roleDefinitions?api-version=7.6"),
    ) as {
      value: { name: string; properties: { roleName: string; permissions: { dataActions: string[] }[] } }[];
    };
    const csu = defs.value.find((d) => d.name === "33413926-3206-4cdd-b39a-83574fe37a17");
    expect(csu?.properties.roleName).toBe("Managed HSM Crypto Service Encryption User");
    expect(csu?.properties.permissions[0]?.dataActions).toEqual([
      "Microsoft.KeyVault/managedHsm/keys/read/action",
      "Microsoft.KeyVault/managedHsm/keys/wrap/action",
      "Microsoft.KeyVault/managedHsm/keys/unwrap/action",
    ]);
    expect(defs.value).toHaveLength(9);
    const one = await call(
      READER,
      "/keys/cmk/providers/Microsoft.Authorization/roleAssignments/des-cmk?api-version=7.6",
    );
    expect(body(one)).toMatchObject({ name: "des-cmk", properties: { principalId: DES } });
    expect(
      (await call(READER, "/providers/Microsoft.Authorization/roleAssignments/x?api-version=7.6", "PUT"))
        .status,
    ).toBe(501);
  });

  it("keeps the assignments through toTenantFile, and refuses them on a vault", () => {
    const { file, hsm } = tenant();
    expect(new TenantState(file).toTenantFile().keyVaults[hsm.url]?.roleAssignments).toHaveLength(2);
    const onVault = structuredClone(file);
    onVault.keyVaults["https://kv-one.vault.azure.net"] = { keys: {}, roleAssignments: [] };
    expect(() => parseTenantFile(onVault)).toThrow(TenantFileError);
    expect(() => parseTenantFile(onVault)).toThrow(/local role assignments belong to Managed HSM pools/);
    const badScope = structuredClone(file);
    const entry = badScope.keyVaults[hsm.url];
    if (entry?.roleAssignments?.[0] !== undefined) entry.roleAssignments[0].scope = "/secrets";
    expect(() => parseTenantFile(badScope)).toThrow(
      /a Managed HSM role scope is \/, \/keys or \/keys\/\{name\}/,
    );
  });
});
