/**
 * Stable codes of the documented restrictions a write is proven against before it is made (beyond
 * the key's own usability, which the preflight proof covers). Reports, tickets and dashboards key on
 * these strings; existing values never change meaning. Each rule's Microsoft source is cited where
 * the rule is checked, and listed in docs/restrictions.md.
 */
export const WRITE_RESTRICTION_CODES = [
  // Any resource written.
  "ResourceNotSucceeded",
  // Disk encryption sets.
  "DesRotationInProgress",
  "DesAutoRotationError",
  "DesConfidentialRotationOffline",
  "DesConfidentialVmStateUnknown",
  "DesConfidentialKeyNotHsm",
  "DesConfidentialKeyNotExportable",
  "DesConfidentialKeyNoReleasePolicy",
  "DesConfidentialVaultNotPremium",
  "DesConfidentialNoAutoRotation",
  "DesAutoRotationNewestUnusable",
  "DesKeyStoreUnreadable",
  // Attaching a disk encryption set to a disk.
  "DesNotFound",
  "DesRegionMismatch",
  "DesSubscriptionMismatch",
  "DesOutOfScope",
  "DesKeyNotUsable",
  "DiskEncryptionTypeMismatch",
  "DiskUsedAzureDiskEncryption",
  "DiskConfidentialVm",
  "DiskAttachedToRunningVm",
  "DiskHasIncrementalSnapshots",
  "SnapshotBackgroundCopyInProgress",
  // AI services accounts.
  "AiServicesKindCannotSwitch",
  "AiServicesFoundryNoSwitch",
  "AiServicesKeyNotUsable",
] as const;

/** One of {@link WRITE_RESTRICTION_CODES}. */
export type WriteRestrictionCode = (typeof WRITE_RESTRICTION_CODES)[number];

/** Why a write may not be made now (or at all). */
export interface WriteRestriction {
  readonly code: WriteRestrictionCode;
  /** For people: what stands in the way and what to do. */
  readonly message: string;
  /**
   * The resource is in a passing state (an operation or a key rotation still running): the same
   * write may be proven again shortly. Anything else needs a person.
   */
  readonly transient?: boolean;
}

/** The restrictions that stop a write; none means it may be made. */
export type WriteProof = readonly WriteRestriction[];

/** True when only passing states stand in the way (retry later), false when a person must act. */
export function onlyTransient(proof: WriteProof): boolean {
  return proof.length > 0 && proof.every((r) => r.transient === true);
}
