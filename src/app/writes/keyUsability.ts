import type { ArmResourceJson } from "../../core/arm/armResource.js";
import { consumerFactsFromArm } from "../../core/consumers/consumerFactsFromArm.js";
import { keyRefFromUri } from "../../core/ids/keyId.js";
import { preflight } from "../../core/preflight/preflight.js";
import type { RotationPort } from "../../core/ports/rotationPort.js";
import { readKeyAccess } from "./readKeyAccess.js";

/** Whether a key version is usable by a resource: the preflight's errors, or why they could not be read. */
export type KeyUsability = { readonly problems: readonly string[] } | { readonly unreadable: string };

/**
 * Reads, fresh, everything the preflight proof needs to tell whether `consumer` can use the versioned
 * key `keyId` (the key version, its vault or HSM, the identity's role assignments on an RBAC vault)
 * and runs it. A fact that cannot be read is never taken as "usable".
 */
export async function keyUsability(
  port: RotationPort,
  consumer: ArmResourceJson,
  keyId: string,
  options: { now: Date; expiryMarginDays: number; vaultArmId?: string | undefined },
): Promise<KeyUsability> {
  const key = keyRefFromUri(keyId);
  if (key?.version === undefined) return { unreadable: `${keyId} is not a versioned key identifier` };
  // A resource of an unexpected shape throws ArmFactsError: the caller's isolation turns it into a
  // failed action naming the field, not a refusal that reads as if the key were at fault.
  const facts = consumerFactsFromArm(consumer);
  const [version, vault] = await Promise.all([
    port.getKeyVersion(key.vaultUrl, key.keyName, key.version),
    port.readVault(key.vaultUrl, options.vaultArmId),
  ]);
  if (version === undefined) return { unreadable: `the key version ${key.keyId} does not exist` };
  if (vault === undefined)
    return {
      unreadable: `the key store ${key.vaultUrl} answers for ${key.keyId} but Resource Graph and ARM do not show it to the service, so its soft delete, purge protection and firewall cannot be checked`,
    };
  const access = await readKeyAccess(port, vault, key, facts.identity?.principalId);
  if (access.unreadable !== undefined)
    return {
      unreadable: `HsmRoleAssignmentsUnreadable: the local RBAC role assignments of the Managed HSM ${key.vaultUrl} cannot be read by the service (${access.unreadable}); grant the service's identity "Managed HSM Crypto Auditor" on the HSM (scope /)`,
    };
  const result = preflight({
    consumer: facts,
    key: version,
    vault,
    roleAssignments: access.roleAssignments,
    now: options.now,
    expiryMarginDays: options.expiryMarginDays,
  });
  return {
    problems: result.reasons.filter((r) => r.severity === "error").map((r) => `${r.code}: ${r.message}`),
  };
}
