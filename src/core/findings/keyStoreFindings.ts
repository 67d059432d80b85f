import { stringField, type ArmResourceJson } from "../arm/armResource.js";
import { tryParseResourceId } from "../ids/resourceId.js";
import type { KeyRef } from "../ids/keyId.js";
import type { DeletedVaultFacts } from "../keyStores/keyFacts.js";
import { isManagedHsm, type KeyStoreState } from "../keyStores/keyStoreState.js";
import type { PreflightReason } from "../preflight/preflightReason.js";
import type { Finding } from "./finding.js";
import { nameOf, ticketBody } from "./ticketBody.js";

/*
 * Sources (docs/restrictions.md): §1 `KeyLossShutsDownVms` (S6: "When a key is either disabled,
 * deleted, or expired, any VMs with either OS or data disks using that key will automatically shut
 * down"); §7 `KeySoftDeletedUnusable` (S32: a soft-deleted object "can only be listed, recovered, or
 * forcefully/permanently deleted") and `VaultRecoveryDropsRbac` (S32: "Recovering a soft-deleted Key
 * Vault will not restore" its Azure RBAC role assignments). Commands: docs/az-commands.json.
 */

/** The consumer a key-store ticket is about. */
export interface KeyStoreSubject {
  readonly resource: ArmResourceJson;
  /** A human name for the type, e.g. "disk encryption set". */
  readonly label: string;
  readonly key: KeyRef;
  /** What happens to this resource if its key becomes unusable. */
  readonly keyLossConsequence: string;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

function hostLabel(vaultUrl: string): string {
  return new URL(vaultUrl).host.split(".")[0] ?? vaultUrl;
}

function day(date: Date | undefined): string | undefined {
  return date === undefined || Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

/** The steps that bring the virtual machines of a disk encryption set back once its key is usable. */
function restartStep(s: KeyStoreSubject): string[] {
  return s.resource.type.toLowerCase() === "microsoft.compute/diskencryptionsets"
    ? [
        "Virtual machines that shut down do not start by themselves once the key is usable again: start each of them (`az vm start --ids <vm id>`).",
      ]
    : [];
}

const selfAction = (s: KeyStoreSubject, exclusionHint: string): string =>
  `The service cannot recover keys or vaults, and moves nothing while the key is unusable. It re-checks this ${s.label} at its next change and at each sweep; the finding clears once the key is back. ${exclusionHint}`;

/** `CmkKeyDeleted` (urgent): the key in use is gone from its vault or Managed HSM pool. */
export function keyDeletedFinding(
  s: KeyStoreSubject,
  state: Extract<KeyStoreState, { kind: "key-deleted" }>,
  exclusionHint: string,
): Finding {
  const store = hostLabel(s.key.vaultUrl);
  const hsm = isManagedHsm(s.key.vaultUrl);
  const where = hsm ? `Managed HSM pool **${store}**` : `key vault **${store}**`;
  const deleted = state.deletedKey;
  const deletedOn = day(deleted?.deletedOn);
  const purgeOn = day(deleted?.scheduledPurgeDate);
  const status =
    state.lookup === "found"
      ? `It was deleted${deletedOn === undefined ? "" : ` on ${deletedOn}`} and is soft-deleted: it can be recovered${purgeOn === undefined ? "" : ` until ${purgeOn}, when Key Vault purges it for good`}.`
      : state.lookup === "not-found"
        ? "No soft-deleted key of that name exists either: it was purged (or deleted from a vault without soft delete) and cannot be recovered."
        : `Whether it can still be recovered could not be checked (${state.lookup.problem}).`;
  const recover = hsm
    ? `\`az keyvault key recover --hsm-name ${store} --name ${s.key.keyName}\``
    : `\`az keyvault key recover --name ${s.key.keyName} --vault-name ${store}\``;
  const steps =
    state.lookup === "not-found"
      ? [
          `Restore the key from a backup if one exists: \`az keyvault key restore --file <backup file> --vault-name ${store}\`${hsm ? " (for a Managed HSM pool, a backup made from a pool of the same security domain)" : ""}. A restored key keeps its name and versions, so the ${s.label} can use it again.`,
          `Without a backup, data encrypted with this key cannot be decrypted again: move what can still be moved to a new key, and re-create the ${s.label} with a new key otherwise.`,
        ]
      : [
          `Recover the key: ${recover} (needs the keys/recover permission, or the Key Vault Crypto Officer role when the vault uses Azure RBAC). Recovery brings back every version, so the ${s.label} can use its version again.`,
        ];
  return {
    code: "CmkKeyDeleted",
    severity: "urgent",
    resourceId: s.resource.id,
    resourceType: s.resource.type,
    title: `URGENT: the key of ${s.label} ${nameOf(s.resource.id)} is deleted`,
    body: ticketBody(s.resource, {
      code: "CmkKeyDeleted",
      what: `This ${s.label} is encrypted with the customer-managed key \`${s.key.keyId}\`, which is no longer in ${where}. ${status}`,
      why: `A deleted key cannot wrap or unwrap, not even while it is soft-deleted: ${s.keyLossConsequence}.`,
      steps: [...steps, ...restartStep(s)],
      selfAction: selfAction(s, exclusionHint),
    }),
  };
}

/** The vault's ARM id, when anything knows it: the deleted vault entry, or the consumer's record. */
function vaultIdOf(s: KeyStoreSubject, deleted: DeletedVaultFacts | undefined): string {
  return (
    deleted?.vaultId ??
    stringField(s.resource, "properties", "activeKey", "sourceVault", "id") ??
    stringField(s.resource, "properties", "encryption", "keyVaultProperties", "keyVaultArmId") ??
    "<vault id>"
  );
}

/** `CmkVaultDeleted` (urgent): the vault holding the key in use is gone. */
export function vaultDeletedFinding(
  s: KeyStoreSubject,
  state: Extract<KeyStoreState, { kind: "vault-deleted" }>,
  exclusionHint: string,
): Finding {
  const vault = hostLabel(s.key.vaultUrl);
  const deleted = state.deletedVault;
  const deletedOn = day(deleted?.deletionDate);
  const purgeOn = day(deleted?.scheduledPurgeDate);
  const place = `subscription ${tryParseResourceId(s.resource.id)?.subscriptionId ?? "(unknown)"}, location ${s.resource.location ?? "(unknown)"}`;
  const status =
    state.lookup === "found"
      ? `It was deleted${deletedOn === undefined ? "" : ` on ${deletedOn}`} and is soft-deleted in ${deleted?.location ?? "its region"}: it can be recovered${purgeOn === undefined ? "" : ` until ${purgeOn}, when Azure purges it and its keys for good`}.`
      : state.lookup === "not-found"
        ? `No soft-deleted vault of that name was found (${place}): it was purged, and its keys with it, unless it is soft-deleted elsewhere or the service cannot see it.`
        : `Whether it can still be recovered could not be checked (${state.lookup.problem}).`;
  const location = deleted?.location ?? s.resource.location;
  const principal = stringField(s.resource, "identity", "principalId") ?? "<principal id of its identity>";
  return {
    code: "CmkVaultDeleted",
    severity: "urgent",
    resourceId: s.resource.id,
    resourceType: s.resource.type,
    title: `URGENT: the key vault of ${s.label} ${nameOf(s.resource.id)} is deleted`,
    body: ticketBody(s.resource, {
      code: "CmkVaultDeleted",
      what: `This ${s.label} is encrypted with the customer-managed key \`${s.key.keyId}\`, held in key vault **${vault}**, which no longer exists. ${status}`,
      why: `Without its vault the key cannot wrap or unwrap: ${s.keyLossConsequence}.`,
      steps: [
        `Recover the vault: \`az keyvault recover --name ${vault}${location === undefined ? "" : ` --location ${location}`}\`. Its keys and access policies come back with it.`,
        `Recovering a vault does **not** restore its Azure RBAC role assignments (Azure deleted them with the vault). If the vault uses Azure RBAC, grant the ${s.label}'s identity the key role again: \`az role assignment create --assignee-object-id ${principal} --assignee-principal-type ServicePrincipal --role "Key Vault Crypto Service Encryption User" --scope ${vaultIdOf(s, deleted)}\`.`,
        ...(state.lookup === "not-found"
          ? [
              `If the vault was purged, its keys are gone: data encrypted with them cannot be decrypted again, and the ${s.label} must be re-created with a key in another vault.`,
            ]
          : []),
        ...restartStep(s),
      ],
      selfAction: selfAction(s, exclusionHint),
    }),
  };
}

/** `CmkNextRotationRefused` (high): the preflight fails against the current key, vault and access. */
export function nextRotationRefusedFinding(
  s: KeyStoreSubject,
  reasons: readonly PreflightReason[],
  exclusionHint: string,
): Finding {
  return {
    code: "CmkNextRotationRefused",
    severity: "high",
    resourceId: s.resource.id,
    resourceType: s.resource.type,
    title: `${capitalized(s.label)} ${nameOf(s.resource.id)}: its next key rotation would be refused (${reasons.map((r) => r.code).join(", ")})`,
    body: ticketBody(s.resource, {
      code: "CmkNextRotationRefused",
      what: `This ${s.label} is encrypted with the customer-managed key \`${s.key.keyId}\`. The checks the service makes before moving it to a new key version (the preflight proof) already fail against its current key, vault and identity:\n\n${reasons.map((r) => `- \`${r.code}\`: ${r.message}`).join("\n")}`,
      why: `Key rotation moves the resource to each new key version before the old one is disabled or expires. While these checks fail, the service refuses to move it (and the platform's own rotation fails for the same reasons), so once the current version is disabled or expires, ${s.keyLossConsequence}.`,
      steps: reasons.map((r) => r.message),
      selfAction: `The resource is encrypted as required today; it is reported at risk, not out of compliance. The service re-checks it at its next change and at each sweep, and the finding clears once the checks pass. ${exclusionHint}`,
    }),
  };
}
