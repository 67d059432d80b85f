import type { ResourcePlacement } from "./tenantBuilder.js";

/**
 * Managed HSM local RBAC built-in roles by name. Ids from "Local RBAC built-in roles for Managed HSM"
 * (learn.microsoft.com/azure/key-vault/managed-hsm/built-in-roles); the same in every HSM.
 */
export const MANAGED_HSM_ROLES = {
  "Managed HSM Administrator": "a290e904-7015-4bba-90c8-60543313cdb4",
  "Managed HSM Crypto Officer": "515eb02d-2335-4d2d-92f2-b1cbdf9c3778",
  "Managed HSM Crypto User": "21dbd100-6940-42c2-9190-5d6cb909625b",
  "Managed HSM Policy Administrator": "4bd23610-cdcf-4971-bdee-bdc562cc28e4",
  "Managed HSM Crypto Auditor": "2c18b078-7c48-4d3a-af88-5a3a1b3f82b3",
  "Managed HSM Crypto Service Encryption User": "33413926-3206-4cdd-b39a-83574fe37a17",
  "Managed HSM Crypto Service Release User": "21dbd100-6940-42c2-9190-5d6cb909625c",
  "Managed HSM Backup": "7b127d3c-77bd-4e3e-bbe0-dbb8971fa7f8",
  "Managed HSM Restore": "6efe6056-5259-49d2-8b3d-d3d73544b20b",
} as const;

/** A built-in Managed HSM role {@link TenantBuilder.hsmRoleAssignment} knows by name. */
export type ManagedHsmRoleName = keyof typeof MANAGED_HSM_ROLES;

/** Options of {@link TenantBuilder.managedHsm}. */
export interface ManagedHsmOptions extends ResourcePlacement {
  /** Default true; the contract says soft delete is always on for Managed HSM. */
  softDelete?: boolean;
  /** Default 90. */
  softDeleteRetentionInDays?: number;
  /** Default true. */
  purgeProtection?: boolean;
  /** Absent means none configured (ARM then omits `networkAcls`). */
  networkAcls?: { defaultAction: "Allow" | "Deny"; bypass: "AzureServices" | "None" };
  publicNetworkAccess?: "Enabled" | "Disabled";
  /** `initialAdminObjectIds`; default one generated id. */
  initialAdminObjectIds?: readonly string[];
}

/** Options of {@link TenantBuilder.hsmRoleAssignment}. */
export interface HsmRoleAssignmentOptions {
  principalId: string;
  /** A built-in role by name, or a role definition GUID. */
  role: ManagedHsmRoleName | { roleDefinitionGuid: string };
  /** `/` (default), `/keys` or `/keys/{name}`. */
  scope?: string;
  /** Default: generated. */
  name?: string;
}
