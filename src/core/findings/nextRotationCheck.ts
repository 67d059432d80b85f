import { ArmFactsError } from "../arm/armFactsError.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { ConsumerRule } from "../consumers/consumerRule.js";
import type { KeyRef } from "../ids/keyId.js";
import type { KeyVersionFacts, RoleAssignmentFacts } from "../keyStores/keyFacts.js";
import type { KeyStoreState } from "../keyStores/keyStoreState.js";
import { preflight, PreflightInputError } from "../preflight/preflight.js";
import type { PreflightReason, PreflightReasonCode } from "../preflight/preflightReason.js";
import type { Finding } from "./finding.js";
import { nextRotationRefusedFinding } from "./keyStoreFindings.js";

/**
 * Preflight reasons that hold for any version of the key, so they refuse the next rotation as much
 * as they would the current version: who the consumer is, where its vault is and how it is reached.
 * Left out: reasons about one version (disabled, expired, type, size, operations), which a new
 * version does not share and which `CmkKeyDisabled`/`CmkKeyExpired`/`CmkKeyExpiresSoon` report for
 * the version in use; soft delete and purge protection, reported as `CmkVaultSoftDeleteOff` and
 * `CmkVaultPurgeProtectionOff`; and `KeyVaultChanged`, which cannot hold for the key in use.
 */
export const NEXT_ROTATION_REASONS: ReadonlySet<PreflightReasonCode> = new Set<PreflightReasonCode>([
  "IdentityMissing",
  "SystemIdentityRequired",
  "IdentityLacksKeyPermissions",
  "VaultUsesRbac",
  "VaultFirewallBlocksTrustedServices",
  "VaultRegionMismatch",
  "VaultTenantMismatch",
  "ServiceSideEncryptionNoRotation",
  // The key store kind holds for every version: an AI services account or ML workspace on a Managed
  // HSM key is refused on every rotation.
  "KeyStoreNotSupported",
]);

/** What the check found: a finding, a reason it could not judge, or nothing wrong. */
export type NextRotationVerdict =
  | { readonly kind: "ok" }
  | { readonly kind: "refused"; readonly finding: Finding; readonly reasons: readonly PreflightReason[] }
  | { readonly kind: "undetermined"; readonly reason: string; readonly field?: string | undefined };

/** The version the proof is run against: the one in use, else the newest (a versionless reference). */
function versionToCheck(
  key: KeyRef,
  state: Extract<KeyStoreState, { kind: "present" }>,
): KeyVersionFacts | undefined {
  if (state.currentKey !== undefined) return state.currentKey;
  const newest = state.newest;
  if (newest === undefined) return undefined;
  // Only reasons that hold for any version count, so the list's attributes are enough.
  return {
    keyId: newest.keyId,
    vaultUrl: key.vaultUrl,
    keyName: key.keyName,
    version: newest.version,
    kty: "unknown",
    enabled: newest.enabled,
    createdOn: newest.createdOn,
    notBefore: newest.notBefore,
    expiresOn: newest.expiresOn,
    keyOps: [],
  };
}

/**
 * Runs the preflight proof against the consumer's current key version, vault and role assignments
 * and keeps the reasons that would refuse its next rotation too ({@link NEXT_ROTATION_REASONS}).
 * Pure. Undetermined when the consumer's fields cannot be read (naming the field) or when the role
 * assignments a vault using Azure RBAC needs were not read.
 */
export function checkNextRotation(input: {
  resource: ArmResourceJson;
  rule: ConsumerRule;
  key: KeyRef;
  state: Extract<KeyStoreState, { kind: "present" }>;
  now: Date;
  exclusionHint: string;
}): NextRotationVerdict {
  const { resource, rule, key, state } = input;
  let consumer;
  try {
    consumer = rule.facts(resource);
  } catch (error) {
    if (!(error instanceof ArmFactsError)) throw error;
    return {
      kind: "undetermined",
      reason: `its next key rotation cannot be checked: ${resource.id}: field ${error.field}: ${error.problem}`,
      field: error.field,
    };
  }
  const version = versionToCheck(key, state);
  if (version === undefined) return { kind: "undetermined", reason: `no version of ${key.keyId} was read` };
  let roleAssignments: readonly RoleAssignmentFacts[] = [];
  if (state.vault.enableRbacAuthorization && consumer.identity !== undefined) {
    const read = state.roleAssignments;
    const where =
      state.vault.storeKind === "managedHsm"
        ? "the local RBAC role assignments of the Managed HSM"
        : "the role assignments of its identity on the vault";
    if (read === undefined)
      return {
        kind: "undetermined",
        reason: `${where} were not read`,
      };
    if (!read.ok)
      return {
        kind: "undetermined",
        reason: `${where} could not be read: ${read.error}`,
      };
    roleAssignments = read.value;
  }
  let reasons: PreflightReason[];
  try {
    reasons = preflight({
      consumer,
      key: version,
      vault: state.vault,
      roleAssignments,
      now: input.now,
      expiryMarginDays: 0,
    }).reasons.filter((r) => r.severity === "error" && NEXT_ROTATION_REASONS.has(r.code));
  } catch (error) {
    if (!(error instanceof PreflightInputError)) throw error;
    return { kind: "undetermined", reason: `its next key rotation cannot be checked: ${error.message}` };
  }
  if (reasons.length === 0) return { kind: "ok" };
  return {
    kind: "refused",
    reasons,
    finding: nextRotationRefusedFinding(
      {
        resource,
        label: rule.displayName,
        key,
        keyLossConsequence: rule.keyLossConsequence,
      },
      reasons,
      input.exclusionHint,
    ),
  };
}
