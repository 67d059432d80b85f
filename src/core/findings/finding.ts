import type { ArmResourceJson } from "../arm/armResource.js";

/**
 * Stable codes of what the detection rules find. Tickets are keyed on (resource, code), so a value
 * never changes meaning; new checks add new codes.
 */
export const FINDING_CODES = [
  "MlWorkspaceWithoutCmk",
  "MlProjectHubWithoutCmk",
  "AiServicesMicrosoftManagedKey",
  "AiServicesNoSystemIdentity",
  "DiskPlatformKey",
  "DiskAttachedCannotEnforce",
  "DesAutoRotationError",
  "DesAutoRotationOff",
  /**
   * Found by the sweep, not by a rule over one snapshot: the service expected the platform to move
   * an auto-rotating set to a new key version and, past the grace period, it has not.
   */
  "DesAutoRotationStalled",
  "CmkVaultSoftDeleteOff",
  "CmkVaultPurgeProtectionOff",
  "VaultSoftDeleteOff",
  "VaultPurgeProtectionOff",
  "CmkKeyExpiresSoon",
  "CmkKeyExpired",
  "CmkKeyDisabled",
  "CmkKeyReferenceInvalid",
] as const;

/** One of {@link FINDING_CODES}. */
export type FindingCode = (typeof FINDING_CODES)[number];

/** `urgent`: data loss or outage is imminent; `high`: policy broken; `medium`/`low`: hygiene. */
export type FindingSeverity = "urgent" | "high" | "medium" | "low";

/**
 * A fix the service can make by itself. Patches are ARM JSON merge patches in wire shape
 * (`{properties: {...}}`); the worker adapts them to the SDK it writes with.
 */
export type Remediation =
  /** AI services account, enforce mode: the worker runs the preflight proof before writing and opens the ticket instead when it fails. */
  | { readonly kind: "enable-cmk"; readonly keyId: string; readonly patch: Record<string, unknown> }
  /** Disk, enforce mode, only while `Unattached` or `Reserved`. */
  | { readonly kind: "attach-des"; readonly desId: string; readonly patch: Record<string, unknown> }
  /** Disk encryption set, when configured to turn platform auto-rotation on. */
  | { readonly kind: "enable-auto-rotation"; readonly patch: Record<string, unknown> }
  /** CMK consumer: the rotation engine decides whether a newer usable version exists (it never moves backwards). */
  | { readonly kind: "catch-up-rotation"; readonly keyId: string };

/** One problem with one resource: what a ticket is made of. */
export interface Finding {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  readonly resourceId: string;
  readonly resourceType: string;
  readonly title: string;
  /**
   * Markdown ticket body: what, where (subscription, resource group, portal link), why it matters,
   * exact steps to fix, and what the service will do by itself.
   */
  readonly body: string;
  /** Present when the service can fix it in place; the ticket is the fallback when that fails. */
  readonly remediation?: Remediation | undefined;
}

/** The outcome of judging one resource. */
export interface Evaluation {
  readonly resourceId: string;
  readonly resourceType: string;
  /** True when there is no finding and nothing was left undetermined. */
  readonly compliant: boolean;
  readonly findings: readonly Finding[];
  /**
   * Work the service does without a ticket, whatever the findings: today a catch-up rotation of a
   * CMK consumer to the newest usable version of its key.
   */
  readonly maintenance: readonly Remediation[];
  /** Set when an exclusion tag or id pattern took the resource out of scope (no findings then). */
  readonly excluded?: { readonly reason: string } | undefined;
  /**
   * Set when an input the caller should have provided was missing (e.g. a Project's Hub), so the
   * resource could not be judged; `compliant` is false and no finding is made.
   */
  readonly undetermined?: { readonly reason: string } | undefined;
  /** Facts and decisions for logs and reports. */
  readonly notes: readonly string[];
}

/** What a rule collects while judging one resource. */
export interface EvaluationParts {
  findings?: readonly Finding[];
  maintenance?: readonly Remediation[];
  notes?: readonly string[];
  undetermined?: string | undefined;
}

/** Builds an {@link Evaluation}, deriving `compliant` from the findings so the two never disagree. */
export function evaluationOf(
  resource: Pick<ArmResourceJson, "id" | "type">,
  parts: EvaluationParts,
): Evaluation {
  const findings = parts.findings ?? [];
  return {
    resourceId: resource.id,
    resourceType: resource.type,
    compliant: findings.length === 0 && parts.undetermined === undefined,
    findings,
    maintenance: parts.maintenance ?? [],
    ...(parts.undetermined === undefined ? {} : { undetermined: { reason: parts.undetermined } }),
    notes: parts.notes ?? [],
  };
}
