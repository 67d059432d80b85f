import type { RoleAssignmentFacts } from "./keyFacts.js";
import { roleDefinitionGuid, type KeyUseRole } from "./keyVaultRoles.js";

/*
 * Managed HSM local RBAC built-in roles and the data actions they permit, from "Local RBAC built-in
 * roles for Managed HSM" (learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles,
 * MicrosoftDocs/azure-docs articles/key-vault/managed-hsm/built-in-roles.md, "Permitted operations"
 * table; every data action there is prefixed `Microsoft.KeyVault/managedHsm`):
 * - /keys/read/action: Crypto User, Crypto Service Encryption User, Crypto Auditor.
 * - /keys/wrap/action and /keys/unwrap/action: Crypto User, Crypto Service Encryption User only.
 *   Crypto Officer and Administrator hold neither (they manage roles and keys' lifecycle, not use).
 * - /roleAssignments/read/action: Administrator, Crypto Officer, Crypto User, Policy Administrator,
 *   Crypto Auditor.
 */

/** Local RBAC roles that let a principal read a key and wrap and unwrap with it (get, wrapKey, unwrapKey). */
export const HSM_KEY_USE_ROLES: readonly KeyUseRole[] = [
  { name: "Managed HSM Crypto Service Encryption User", id: "33413926-3206-4cdd-b39a-83574fe37a17" },
  { name: "Managed HSM Crypto User", id: "21dbd100-6940-42c2-9190-5d6cb909625b" },
];

/**
 * The least role that lets the service itself read an HSM's keys (`/keys/read/action`) and its
 * role assignments (`/roleAssignments/read/action`) without being able to use or change anything.
 */
export const HSM_SERVICE_READER_ROLE: KeyUseRole = {
  name: "Managed HSM Crypto Auditor",
  id: "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
};

const HSM_KEY_USE_ROLE_IDS = new Set(HSM_KEY_USE_ROLES.map((r) => r.id));

/** The local RBAC scope of one key: `/keys/{name}`. */
export function hsmKeyScope(keyName: string): string {
  return `/keys/${keyName}`;
}

function normalScope(scope: string): string {
  const trimmed = scope.trim().replace(/\/+$/, "").toLowerCase();
  return trimmed === "" ? "/" : trimmed;
}

/**
 * True when a local RBAC assignment at `scope` applies to key `keyName`: scope `/` (the whole HSM),
 * `/keys` (every key) or `/keys/{name}` (that key; names compare case-insensitively, as Managed HSM
 * key names do). The scopes a Managed HSM role assignment can have: rbac.json 7.6 `RoleScope`
 * (`/`, `/keys`) and a single key (`az keyvault role assignment create --scope /keys/{name}`).
 */
export function hsmScopeCovers(scope: string, keyName: string): boolean {
  const s = normalScope(scope);
  return s === "/" || s === "/keys" || s === normalScope(hsmKeyScope(keyName));
}

/**
 * The first local RBAC assignment that gives `principalId` get, wrapKey and unwrapKey on key
 * `keyName` of a Managed HSM, or undefined. Custom role definitions are not evaluated (only the
 * built-in {@link HSM_KEY_USE_ROLES} count), which can refuse a principal a custom role would let
 * through, never the reverse.
 */
export function findHsmKeyUseAssignment(
  assignments: readonly RoleAssignmentFacts[],
  principalId: string,
  keyName: string,
): RoleAssignmentFacts | undefined {
  const principal = principalId.toLowerCase();
  return assignments.find((a) => {
    const guid = roleDefinitionGuid(a.roleDefinitionId);
    return (
      a.principalId.toLowerCase() === principal &&
      guid !== undefined &&
      HSM_KEY_USE_ROLE_IDS.has(guid) &&
      hsmScopeCovers(a.scope, keyName)
    );
  });
}
