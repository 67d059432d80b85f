import { HsmRoleAssignmentsUnreadableError } from "../../core/keyStores/hsmRoleAssignmentsUnreadableError.js";
import type { RoleAssignmentFacts, VaultFacts } from "../../core/keyStores/keyFacts.js";
import type { RotationPort } from "../../core/ports/rotationPort.js";

/** The role assignments that decide a consumer's access to a key, or why the HSM would not show them. */
export interface KeyAccessRead {
  readonly roleAssignments: RoleAssignmentFacts[];
  /** Set when a Managed HSM refused to list its local RBAC role assignments (HTTP 403): what it said. */
  readonly unreadable?: string | undefined;
}

/**
 * Reads the role assignments the preflight proof needs for `principalId` to use `key`: none for a
 * vault using access policies; the Azure role assignments at the vault for a vault using Azure RBAC;
 * the pool's local RBAC role assignments for a Managed HSM. A Managed HSM's refusal is returned (the
 * decision refuses with `HsmRoleAssignmentsUnreadable`); any other failure propagates so the job is
 * retried.
 */
export async function readKeyAccess(
  port: RotationPort,
  vault: VaultFacts | undefined,
  key: { readonly vaultUrl: string; readonly keyName: string },
  principalId: string | undefined,
): Promise<KeyAccessRead> {
  if (vault?.enableRbacAuthorization !== true || principalId === undefined) return { roleAssignments: [] };
  if (vault.storeKind !== "managedHsm")
    return { roleAssignments: await port.listRoleAssignments(vault.armId, principalId) };
  try {
    return { roleAssignments: await port.listHsmRoleAssignments(key.vaultUrl, key.keyName) };
  } catch (error) {
    if (error instanceof HsmRoleAssignmentsUnreadableError)
      return { roleAssignments: [], unreadable: error.detail };
    throw error;
  }
}
