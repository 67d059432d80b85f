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
  /**
   * The key a consumer is encrypted with is deleted (soft-deleted and recoverable, or gone): the
   * consumer cannot wrap or unwrap; a disk encryption set's VMs shut down within about an hour.
   */
  "CmkKeyDeleted",
  /** The vault holding a consumer's key is deleted (soft-deleted and recoverable, or gone). */
  "CmkVaultDeleted",
  /**
   * The preflight proof fails against the consumer's current key, vault and access already (its
   * identity lacks key permissions, the vault uses RBAC where only access policies work, the vault
   * firewall keeps trusted services out, service-side encryption...): the next key rotation would be
   * refused. The resource is encrypted as required today, but at risk.
   */
  "CmkNextRotationRefused",
] as const;

/** One of {@link FINDING_CODES}. */
export type FindingCode = (typeof FINDING_CODES)[number];

/**
 * Codes that put a resource *at risk* rather than out of compliance: it is encrypted as required
 * today, but something will break at its next key rotation. A resource whose only findings carry
 * these codes is counted at risk in the compliance report.
 */
export const AT_RISK_CODES: ReadonlySet<FindingCode> = new Set<FindingCode>(["CmkNextRotationRefused"]);

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
   * Set when something the judgement needs could not be had: an input the caller did not provide (a
   * Project's Hub), a key store that could not be read, a resource field of an unexpected shape.
   * `compliant` is false. Findings made from what could be read are still listed.
   */
  readonly undetermined?:
    | {
        readonly reason: string;
        /** The resource field whose shape stopped the judgement (dotted path), when that was the cause. */
        readonly field?: string | undefined;
      }
    | undefined;
  /**
   * The customer-managed key the resource was judged by (the shared CMK consumer checks), as its
   * key identifier; absent when the rule did not judge a key.
   */
  readonly cmkKeyId?: string | undefined;
  /** Facts and decisions for logs and reports. */
  readonly notes: readonly string[];
}

/** What a rule collects while judging one resource. */
export interface EvaluationParts {
  findings?: readonly Finding[];
  maintenance?: readonly Remediation[];
  notes?: readonly string[];
  undetermined?: string | undefined;
  /** The field behind `undetermined`, when a malformed field was the cause. */
  undeterminedField?: string | undefined;
  cmkKeyId?: string | undefined;
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
    ...(parts.undetermined === undefined
      ? {}
      : {
          undetermined: {
            reason: parts.undetermined,
            ...(parts.undeterminedField === undefined ? {} : { field: parts.undeterminedField }),
          },
        }),
    ...(parts.cmkKeyId === undefined ? {} : { cmkKeyId: parts.cmkKeyId }),
    notes: parts.notes ?? [],
  };
}

/**
 * True when the resource has findings and all of them only put it at risk ({@link AT_RISK_CODES}):
 * encrypted as required today, refused at its next rotation.
 */
export function isAtRisk(evaluation: Pick<Evaluation, "findings">): boolean {
  return evaluation.findings.length > 0 && evaluation.findings.every((f) => AT_RISK_CODES.has(f.code));
}
