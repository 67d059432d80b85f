import type { RoleAssignmentFacts } from "./keyFacts.js";

/** A built-in role that lets a principal read a key and wrap and unwrap with it. */
export interface KeyUseRole {
  readonly name: string;
  /** The role definition GUID, the same in every subscription. */
  readonly id: string;
}

/**
 * Built-in roles whose data actions include `Microsoft.KeyVault/vaults/keys/read`,
 * `.../keys/wrap/action` and `.../keys/unwrap/action` (directly or through a wildcard). Ids and
 * data actions from "Azure built-in roles for Security"
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security, MicrosoftDocs/azure-docs
 * articles/role-based-access-control/built-in-roles/security.md):
 * - Crypto Service Encryption User: keys/read, keys/wrap/action, keys/unwrap/action.
 * - Crypto User: keys/read, update, backup, encrypt, decrypt, wrap, unwrap, sign, verify.
 * - Crypto Officer: `Microsoft.KeyVault/vaults/keys/*`.
 * - Administrator: `Microsoft.KeyVault/vaults/*`.
 * These roles act only on vaults that use the Azure RBAC permission model.
 */
export const KEY_USE_ROLES: readonly KeyUseRole[] = [
  { name: "Key Vault Crypto Service Encryption User", id: "e147488a-f6f5-4113-8e2d-b22465e65bf6" },
  { name: "Key Vault Crypto User", id: "12338af0-0e69-4776-bea7-57ae8d297424" },
  { name: "Key Vault Crypto Officer", id: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603" },
  { name: "Key Vault Administrator", id: "00482a5a-887f-4fb3-b363-3b7fe8e74483" },
];

const KEY_USE_ROLE_IDS = new Set(KEY_USE_ROLES.map((r) => r.id));

const GUID_AT_END = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/?$/i;

/** The GUID a role definition id ends with (lower-case), or undefined when it ends otherwise. */
export function roleDefinitionGuid(roleDefinitionId: string): string | undefined {
  return GUID_AT_END.exec(roleDefinitionId)?.[1]?.toLowerCase();
}

/** True when the role definition is one of {@link KEY_USE_ROLES}, whatever scope its id is written at. */
export function grantsKeyUse(roleDefinitionId: string): boolean {
  const guid = roleDefinitionGuid(roleDefinitionId);
  return guid !== undefined && KEY_USE_ROLE_IDS.has(guid);
}

/** The ARM id of a key, the narrowest scope a key role assignment can have. */
export function keyResourceId(vaultArmId: string, keyName: string): string {
  return `${trimSlashes(vaultArmId)}/keys/${keyName}`;
}

function trimSlashes(id: string): string {
  return id.replace(/\/+$/, "");
}

function isManagementGroupScope(scope: string): boolean {
  return /^\/providers\/microsoft\.management\/managementgroups\/[^/]+$/i.test(scope);
}

/** Options for {@link scopeCovers}. */
export interface ScopeOptions {
  /**
   * Names (ids) of the management groups above the target's subscription. When given, a
   * management-group scope counts only if it is listed; when omitted, every management-group
   * scope counts, which is right for assignments from `roleAssignments.listForScope(vault)`:
   * that listing only returns management-group assignments that are ancestors of the vault.
   */
  readonly managementGroupIds?: readonly string[];
}

/**
 * True when a role assignment at `scope` applies to `targetId`: the scope is the target itself, an
 * ARM ancestor of it (resource group, subscription, `/`), or a management group (see
 * {@link ScopeOptions}). Ids compare case-insensitively, segment by segment, so a scope for vault
 * `kv1` does not cover vault `kv10`.
 */
export function scopeCovers(scope: string, targetId: string, options: ScopeOptions = {}): boolean {
  const s = trimSlashes(scope.trim()).toLowerCase();
  const t = trimSlashes(targetId.trim()).toLowerCase();
  if (s === "") return true; // "/" is the root scope
  if (isManagementGroupScope(s)) {
    const groups = options.managementGroupIds;
    if (groups === undefined) return true;
    const name = s.slice(s.lastIndexOf("/") + 1);
    return groups.some((g) => g.toLowerCase() === name);
  }
  return t === s || t.startsWith(`${s}/`);
}

/**
 * The first assignment that gives `principalId` get, wrapKey and unwrapKey on key `keyName` of the
 * vault `vaultArmId`, or undefined. Role conditions (ABAC) and deny assignments are not evaluated.
 */
export function findKeyUseAssignment(
  assignments: readonly RoleAssignmentFacts[],
  principalId: string,
  vaultArmId: string,
  keyName: string,
  options: ScopeOptions = {},
): RoleAssignmentFacts | undefined {
  const target = keyResourceId(vaultArmId, keyName);
  const principal = principalId.toLowerCase();
  return assignments.find(
    (a) =>
      a.principalId.toLowerCase() === principal &&
      grantsKeyUse(a.roleDefinitionId) &&
      scopeCovers(a.scope, target, options),
  );
}
