import type { ConsumerFacts } from "../keyStores/keyFacts.js";

/** Key sizes a consumer type accepts, and the size Microsoft recommends as a minimum. */
export interface KeySizeRule {
  readonly allowed: (bits: number) => boolean;
  /** For people, e.g. "2048, 3072 or 4096 bits". */
  readonly allowedText: string;
  /** Sizes below this pass but are reported as a warning. */
  readonly recommendedMin?: number;
}

/**
 * What the preflight proof requires of a key and its vault for one consumer type. Each consumer
 * module states its profile beside the Microsoft source it comes from.
 */
export interface PreflightProfile {
  /** For messages, e.g. "disk encryption set". */
  readonly label: string;
  readonly keySize: KeySizeRule;
  /** The vault must be in the consumer's region. */
  readonly vaultInSameRegion: boolean;
  /** The vault must be in the consumer's tenant (when the consumer's tenant is known). */
  readonly vaultInSameTenant: boolean;
  /** Only vaults using legacy access policies work (not the Azure RBAC permission model). */
  readonly accessPoliciesOnly: boolean;
  /** After creation the key can only change to another key of the same vault. */
  readonly sameVaultOnly: boolean;
  /** The vault must be in the consumer's subscription. */
  readonly vaultInSameSubscription: boolean;
  /** Managed HSM keys (`*.managedhsm.*`) are documented for this type. */
  readonly managedHsmSupported: boolean;
  /**
   * With no identity named for the key, the consumer must have a system-assigned identity (the
   * refusal says `SystemIdentityRequired` instead of `IdentityMissing`).
   */
  readonly systemIdentityRequiredWhenNoneNamed: boolean;
  /** Why no identity could be determined for this consumer, and what to do (for `IdentityMissing`). */
  missingIdentityDetail(consumer: ConsumerFacts): string;
}
