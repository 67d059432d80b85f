/** One Managed HSM local RBAC built-in role definition. */
export interface HsmBuiltInRole {
  readonly id: string;
  readonly roleName: string;
  readonly description: string;
  /** Data actions, each prefixed `Microsoft.KeyVault/managedHsm`. */
  readonly dataActions: readonly string[];
}

const p = (action: string): string => `Microsoft.KeyVault/managedHsm${action}`;

/**
 * The built-in roles of Managed HSM local RBAC with the data actions they permit, as "Local RBAC
 * built-in roles for Managed HSM" lists them (learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles,
 * "Built-in roles" and "Permitted operations"). The emulator serves them at
 * `{hsm}/{scope}/providers/Microsoft.Authorization/roleDefinitions` and decides with them whether a
 * caller may list role assignments.
 */
export const hsmBuiltInRoles: readonly HsmBuiltInRole[] = [
  {
    id: "a290e904-7015-4bba-90c8-60543313cdb4",
    roleName: "Managed HSM Administrator",
    description:
      "Grants permissions to perform all operations related to the security domain, full backup and restore, and role management.",
    dataActions: [
      ...["/securitydomain/download/action", "/securitydomain/upload/action"],
      ...["/securitydomain/upload/read", "/securitydomain/transferkey/read"],
      ...["/roleAssignments/read/action", "/roleAssignments/write/action", "/roleAssignments/delete/action"],
      ...["/roleDefinitions/read/action", "/roleDefinitions/write/action", "/roleDefinitions/delete/action"],
      ...["/backup/start/action", "/backup/status/action", "/restore/start/action", "/restore/status/action"],
    ].map(p),
  },
  {
    id: "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
    roleName: "Managed HSM Crypto Officer",
    description:
      "Grants permissions to perform all role management, purge or recover deleted keys, and export keys.",
    dataActions: [
      ...["/keys/deletedKeys/read/action", "/keys/deletedKeys/recover/action", "/keys/deletedKeys/delete"],
      ...["/roleAssignments/read/action", "/roleAssignments/write/action", "/roleAssignments/delete/action"],
      ...["/roleDefinitions/read/action", "/roleDefinitions/write/action", "/roleDefinitions/delete/action"],
    ].map(p),
  },
  {
    id: "21dbd100-6940-42c2-9190-5d6cb909625b",
    roleName: "Managed HSM Crypto User",
    description:
      "Grants permissions to perform all key management operations except purge or recover deleted keys and export keys.",
    dataActions: [
      ...["/keys/read/action", "/keys/write/action", "/keys/rotate/action", "/keys/create", "/keys/delete"],
      ...["/keys/backup/action", "/keys/restore/action", "/keys/release/action", "/keys/import/action"],
      ...["/keys/encrypt/action", "/keys/decrypt/action", "/keys/wrap/action", "/keys/unwrap/action"],
      ...["/keys/sign/action", "/keys/verify/action"],
      ...["/roleAssignments/read/action", "/roleDefinitions/read/action"],
    ].map(p),
  },
  {
    id: "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
    roleName: "Managed HSM Policy Administrator",
    description: "Grants permissions to create and delete role assignments.",
    dataActions: [
      ...["/roleAssignments/read/action", "/roleAssignments/write/action", "/roleAssignments/delete/action"],
      ...["/roleDefinitions/read/action", "/roleDefinitions/write/action", "/roleDefinitions/delete/action"],
    ].map(p),
  },
  {
    id: "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
    roleName: "Managed HSM Crypto Auditor",
    description: "Grants read permissions to read (but not use) key attributes.",
    dataActions: [
      ...["/keys/read/action", "/keys/deletedKeys/delete"],
      ...["/roleAssignments/read/action", "/roleDefinitions/read/action"],
    ].map(p),
  },
  {
    id: "33413926-3206-4cdd-b39a-83574fe37a17",
    roleName: "Managed HSM Crypto Service Encryption User",
    description: "Grants permissions to use a key for service encryption.",
    dataActions: ["/keys/read/action", "/keys/wrap/action", "/keys/unwrap/action"].map(p),
  },
  {
    id: "21dbd100-6940-42c2-9190-5d6cb909625c",
    roleName: "Managed HSM Crypto Service Release User",
    description: "Grants permissions to release a key to a trusted execution environment.",
    dataActions: ["/keys/release/action"].map(p),
  },
  {
    id: "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8",
    roleName: "Managed HSM Backup",
    description: "Grants permissions to perform single-key or whole-HSM backup.",
    dataActions: ["/keys/backup/action", "/backup/start/action", "/backup/status/action"].map(p),
  },
  {
    id: "6efe6056-5259-49d2-8b3d-d3d73544b20b",
    roleName: "Managed HSM Restore",
    description: "Grants permissions to perform single-key or whole-HSM restore.",
    dataActions: ["/keys/restore/action", "/restore/start/action", "/restore/status/action"].map(p),
  },
];

/** The role definition id an HSM writes into its role assignments for a built-in role. */
export function hsmRoleDefinitionId(guid: string): string {
  return `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
}
