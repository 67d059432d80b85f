/**
 * Stable codes of the reasons a key version can fail (or only just pass) the preflight proof.
 * Tickets, reports and dashboards key on these strings, so existing values never change meaning;
 * new checks add new codes.
 */
export const PREFLIGHT_REASON_CODES = [
  "KeyDisabled",
  "KeyNotYetValid",
  "KeyExpired",
  "KeyExpiresWithinMargin",
  "KeyTypeNotRsa",
  "KeySizeNotAllowed",
  "KeySizeBelowRecommended",
  "KeyOpsMissing",
  "VaultSoftDeleteDisabled",
  "VaultPurgeProtectionDisabled",
  "IdentityMissing",
  "SystemIdentityRequired",
  "IdentityLacksKeyPermissions",
  /**
   * Retired: no consumer type requires legacy access policies any more (Azure OpenAI documents RBAC
   * vaults since its 11/2025 CMK page). Kept so the code never takes another meaning.
   */
  "VaultUsesRbac",
  "VaultFirewallBlocksTrustedServices",
  "VaultRegionMismatch",
  "VaultTenantMismatch",
  "KeyVaultChanged",
  "ServiceSideEncryptionNoRotation",
  "KeyStoreNotSupported",
  "VaultSubscriptionMismatch",
] as const;

/** Codes no consumer profile produces any more (see their notes above). */
export const RETIRED_PREFLIGHT_REASON_CODES: readonly string[] = ["VaultUsesRbac"];

/** One of {@link PREFLIGHT_REASON_CODES}. */
export type PreflightReasonCode = (typeof PREFLIGHT_REASON_CODES)[number];

/** An `error` blocks the move to the key version; a `warning` is reported but does not. */
export type PreflightSeverity = "error" | "warning";

/** Why a key version is (or may be) unfit for one consumer. */
export interface PreflightReason {
  readonly code: PreflightReasonCode;
  readonly severity: PreflightSeverity;
  /** For people: names the consumer, the key version and what to change. */
  readonly message: string;
}

/** The outcome of the preflight proof: `ok` is true when no reason has severity `error`. */
export interface PreflightResult {
  readonly ok: boolean;
  readonly reasons: readonly PreflightReason[];
}
