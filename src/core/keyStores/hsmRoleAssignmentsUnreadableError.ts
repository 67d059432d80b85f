/** Stable code of {@link HsmRoleAssignmentsUnreadableError}. */
export type HsmRoleAssignmentsUnreadableCode = "HsmRoleAssignmentsUnreadable";

/**
 * The local RBAC role assignments of a Managed HSM could not be read because the HSM refused the
 * service (HTTP 403): the service's identity holds no local role with
 * `Microsoft.KeyVault/managedHsm/roleAssignments/read/action`. The HSM exists and answers; only who
 * may use its keys cannot be told, so no write may rely on it.
 */
export class HsmRoleAssignmentsUnreadableError extends Error {
  readonly code: HsmRoleAssignmentsUnreadableCode = "HsmRoleAssignmentsUnreadable";
  constructor(
    /** `https://{name}.managedhsm.azure.net`. */
    readonly hsmUrl: string,
    /** What the HSM answered (its error code and message). */
    readonly detail: string,
  ) {
    super(
      `the Managed HSM ${hsmUrl} refused to list its local RBAC role assignments to the service (403: ${detail}); ` +
        `grant the service's identity "Managed HSM Crypto Auditor" on the HSM (scope /)`,
    );
    this.name = "HsmRoleAssignmentsUnreadableError";
  }
}
