import { ArmFactsError } from "../arm/armFactsError.js";
import { consumerFactsFromArm } from "../consumers/consumerFactsFromArm.js";
import type { KeyVersionFacts, RoleAssignmentFacts, VaultFacts } from "../keyStores/keyFacts.js";
import { chooseTarget, compareKeyVersions, newestVersion } from "../keyStores/keyVersionOrder.js";
import { preflight } from "../preflight/preflight.js";
import type { PreflightReason } from "../preflight/preflightReason.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { ConsumerRule } from "../consumers/consumerRule.js";
import { keyRef, sameKey, type KeyRef } from "../ids/keyId.js";

/** Everything the decision looks at, read fresh by the worker. */
export interface RotationSnapshot {
  resource: ArmResourceJson;
  rule: ConsumerRule;
  /** The key (and version) the job is about. */
  jobKey: KeyRef;
  /** Every version of the key; full facts for the versions newer than the consumer's. */
  versions: readonly KeyVersionFacts[];
  vault: VaultFacts | undefined;
  roleAssignments: readonly RoleAssignmentFacts[];
  now: Date;
  expiryMarginDays: number;
}

/** Stable codes of decisions that are not a rotation. */
export type RotationDecisionCode =
  | "NotCustomerManaged"
  | "UsesAnotherKey"
  | "FollowsLatestVersion"
  | "AlreadyNewest"
  | "NoUsableNewerVersion"
  | "CurrentVersionUnknown"
  | "VaultNotFound"
  | "ConsumerUnreadable"
  | "CannotRotate";

/** What the worker should do with one consumer. */
export type RotationDecision =
  | {
      kind: "rotate";
      from: KeyRef;
      to: KeyRef;
      patch: Record<string, unknown>;
      reason: string;
      warnings: PreflightReason[];
    }
  | { kind: "await-auto-rotation"; from: KeyRef; to: KeyRef; reason: string; warnings: PreflightReason[] }
  | { kind: "none"; code: RotationDecisionCode; from?: KeyRef; reason: string }
  | {
      kind: "refuse";
      code: RotationDecisionCode | PreflightReason["code"];
      from: KeyRef;
      to?: KeyRef;
      reasons: PreflightReason[];
      reason: string;
    };

function describe(reasons: readonly PreflightReason[]): string {
  return reasons
    .filter((r) => r.severity === "error")
    .map((r) => r.message)
    .join("; ");
}

/**
 * Decides, from fresh snapshots, whether and where a consumer moves. Pure. The rules, in order:
 * only customer-managed consumers of this key; never a version older than the current one; only a
 * version that passes preflight for this consumer; auto-rotating disk encryption sets are left to
 * the platform.
 */
export function decideRotation(s: RotationSnapshot): RotationDecision {
  const current = s.rule.currentKey(s.resource);
  if (current === undefined) {
    return {
      kind: "none",
      code: "NotCustomerManaged",
      reason: "the resource no longer uses a customer-managed key",
    };
  }
  if (!sameKey(current, s.jobKey)) {
    return {
      kind: "none",
      code: "UsesAnotherKey",
      from: current,
      reason: `the resource now uses ${current.keyId}`,
    };
  }
  if (current.version === undefined) {
    return {
      kind: "none",
      code: "FollowsLatestVersion",
      from: current,
      reason: "the resource names the key without a version and follows its latest version by itself",
    };
  }
  const blocked = s.rule.cannotRotate(s.resource);
  if (blocked !== undefined) {
    return {
      kind: "refuse",
      code: "CannotRotate",
      from: current,
      reasons: [{ code: "ServiceSideEncryptionNoRotation", severity: "error", message: blocked.message }],
      reason: blocked.message,
    };
  }
  if (s.vault === undefined) {
    return {
      kind: "refuse",
      code: "VaultNotFound",
      from: current,
      reasons: [],
      reason: `the vault ${current.vaultUrl} was not found, so the new version cannot be proven usable`,
    };
  }
  let consumer;
  try {
    consumer = consumerFactsFromArm(s.resource);
  } catch (error) {
    if (!(error instanceof ArmFactsError)) throw error;
    return { kind: "refuse", code: "ConsumerUnreadable", from: current, reasons: [], reason: error.message };
  }
  const vault = s.vault;
  const check = (key: KeyVersionFacts): PreflightReason[] => [
    ...preflight({
      consumer,
      key,
      vault,
      roleAssignments: s.roleAssignments,
      now: s.now,
      expiryMarginDays: s.expiryMarginDays,
    }).reasons,
  ];
  if (s.rule.autoRotates(s.resource))
    return decideAutoRotation(s, { ...current, version: current.version }, check);
  const verdicts = new Map<string, PreflightReason[]>();
  const choice = chooseTarget({
    eventVersion: s.jobKey.version ?? "",
    versions: s.versions,
    current: current.version,
    isUsable: (key) => {
      const reasons = check(key);
      verdicts.set(key.version, reasons);
      return !reasons.some((r) => r.severity === "error");
    },
  });
  if (choice.target === undefined) {
    if (choice.code === "NoUsableNewerVersion" || choice.code === "CurrentVersionUnknown") {
      // The newest version that was tried explains best what the operator must fix.
      const [newestTried] = [...verdicts.entries()];
      const reasons = newestTried?.[1] ?? [];
      const to =
        newestTried === undefined ? undefined : keyRef(current.vaultUrl, current.keyName, newestTried[0]);
      return {
        kind: "refuse",
        code: reasons.find((r) => r.severity === "error")?.code ?? choice.code,
        from: current,
        ...(to === undefined ? {} : { to }),
        reasons,
        reason: reasons.length > 0 ? `${describe(reasons)} (${choice.reason})` : choice.reason,
      };
    }
    return { kind: "none", code: "AlreadyNewest", from: current, reason: choice.reason };
  }
  const to = keyRef(current.vaultUrl, current.keyName, choice.target.version);
  const warnings = (verdicts.get(choice.target.version) ?? []).filter((r) => r.severity === "warning");
  return {
    kind: "rotate",
    from: current,
    to,
    patch: s.rule.rotationPatch(s.resource, to),
    reason: choice.reason,
    warnings,
  };
}

/**
 * With automatic rotation the platform, not the service, picks the version: the newest one. So
 * the only question is whether that newest version is usable; if not, a ticket must warn before
 * the platform moves the consumer onto it.
 */
function decideAutoRotation(
  s: RotationSnapshot,
  current: KeyRef & { version: string },
  check: (key: KeyVersionFacts) => PreflightReason[],
): RotationDecision {
  const newest = newestVersion(s.versions);
  const currentFacts = s.versions.find((v) => v.version.toLowerCase() === current.version.toLowerCase());
  if (newest === undefined || (currentFacts !== undefined && compareKeyVersions(newest, currentFacts) <= 0)) {
    return {
      kind: "none",
      code: "AlreadyNewest",
      from: current,
      reason: `the current version ${current.version} is already the newest`,
    };
  }
  const to = keyRef(current.vaultUrl, current.keyName, newest.version);
  const reasons = check(newest);
  if (reasons.some((r) => r.severity === "error")) {
    return {
      kind: "refuse",
      code: reasons.find((r) => r.severity === "error")?.code ?? "NoUsableNewerVersion",
      from: current,
      to,
      reasons,
      reason: `automatic key rotation will move the set to ${newest.version}, which it cannot use: ${describe(reasons)}`,
    };
  }
  return {
    kind: "await-auto-rotation",
    from: current,
    to,
    warnings: reasons.filter((r) => r.severity === "warning"),
    reason:
      "automatic key rotation is on: the platform moves the set to the new version within about an hour",
  };
}
