import { ArmFactsError } from "../arm/armFactsError.js";
import { consumerFactsFromArm } from "../consumers/consumerFactsFromArm.js";
import type { KeyVersionFacts, RoleAssignmentFacts, VaultFacts } from "../keyStores/keyFacts.js";
import { chooseTarget, compareKeyVersions, newestVersion } from "../keyStores/keyVersionOrder.js";
import { preflight } from "../preflight/preflight.js";
import type { PreflightReason } from "../preflight/preflightReason.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { ConsumerRule } from "../consumers/consumerRule.js";
import { keyRef, sameKey, type KeyRef } from "../ids/keyId.js";
import { isManagedHsm } from "../keyStores/keyStoreState.js";
import { autoRotationErrorText } from "../consumers/diskEncryptionSet/desKeyChangeProof.js";
import type { VmStates } from "../writes/keyChangeInput.js";
import { onlyTransient, type WriteRestriction } from "../writes/writeRestriction.js";

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
  /**
   * Set when the key store is a Managed HSM pool whose local RBAC role assignments the service may
   * not read (HTTP 403): why, as the HSM answered. The identity's access then cannot be proven.
   */
  roleAssignmentsUnreadable?: string | undefined;
  now: Date;
  expiryMarginDays: number;
  /** The power states of the VMs the change would reach, when the rule needs them (`needsVmStates`). */
  vmStates?: VmStates | undefined;
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
  | "HsmRoleAssignmentsUnreadable"
  /** The key answers from a Managed HSM pool whose ARM resource the service cannot see. */
  | "KeyStoreUnreadable"
  | "ConsumerUnreadable"
  | "CannotRotate"
  | "AwaitingState";

/** What the worker should do with one consumer. */
export type RotationDecision =
  | {
      kind: "rotate";
      from: KeyRef;
      to: KeyRef;
      patch: Record<string, unknown>;
      reason: string;
      warnings: PreflightReason[];
      /**
       * The consumer's current version has expired and the target, the best there is, expires within
       * the margin: strictly better than staying, but a person must create a longer-lived version.
       */
      shortExpiry?: boolean;
    }
  /** A move is due, but the resource is in a passing state (an operation or rotation running): try again later. */
  | {
      kind: "defer";
      code: "AwaitingState";
      from: KeyRef;
      to: KeyRef;
      restrictions: WriteRestriction[];
      reason: string;
    }
  | { kind: "await-auto-rotation"; from: KeyRef; to: KeyRef; reason: string; warnings: PreflightReason[] }
  | { kind: "none"; code: RotationDecisionCode; from?: KeyRef; reason: string }
  | {
      kind: "refuse";
      code: RotationDecisionCode | PreflightReason["code"] | WriteRestriction["code"];
      from: KeyRef;
      to?: KeyRef;
      reasons: PreflightReason[];
      /** The documented restrictions on writing now that stand in the way (empty when the key is the problem). */
      restrictions?: WriteRestriction[];
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
  if (s.vault === undefined && isManagedHsm(current.vaultUrl)) {
    // The pool answered for its key, so it exists: "not found" would send people after the wrong problem.
    return {
      kind: "refuse",
      code: "KeyStoreUnreadable",
      from: current,
      reasons: [],
      reason: s.rule.preflight.managedHsmSupported
        ? `the Managed HSM pool ${current.vaultUrl} answers for this key, but Resource Graph and ARM do not show the service its Microsoft.KeyVault/managedHSMs resource, so its soft delete, purge protection and firewall cannot be checked and the new version cannot be proven usable`
        : `the key is in the Managed HSM pool ${current.vaultUrl}; no Microsoft documentation supports Managed HSM keys for this resource type, so the service does not rotate it`,
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
  if (s.vault.storeKind === "managedHsm" && s.roleAssignmentsUnreadable !== undefined) {
    return {
      kind: "refuse",
      code: "HsmRoleAssignmentsUnreadable",
      from: current,
      reasons: [],
      reason:
        `the local RBAC role assignments of the Managed HSM ${current.vaultUrl} cannot be read by the service ` +
        `(${s.roleAssignmentsUnreadable}), so whether the resource's identity may use the key cannot be proven. ` +
        `Grant the service's identity "Managed HSM Crypto Auditor" on the HSM (scope /).`,
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
  if (choice.target === undefined && choice.code === "NoUsableNewerVersion") {
    const rescue = shortExpiryRescue(s, current.version, check);
    if (rescue !== undefined)
      return proveKeyChange(
        s,
        { ...current, version: current.version },
        rescue.target,
        rescue.reasons,
        rescue.reason,
        true,
      );
  }
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
  return proveKeyChange(
    s,
    { ...current, version: current.version },
    choice.target,
    verdicts.get(choice.target.version) ?? [],
    choice.reason,
    false,
  );
}

/**
 * A consumer on an EXPIRED version may still move to a newer version that is usable except that it
 * expires within the margin: it is strictly better than the version that can no longer wrap
 * (about-keys-details.md: expired keys only decrypt, unwrap and verify). Undefined when no such
 * version exists or the current version has not expired.
 */
function shortExpiryRescue(
  s: RotationSnapshot,
  currentVersion: string,
  check: (key: KeyVersionFacts) => PreflightReason[],
): { target: KeyVersionFacts; reasons: PreflightReason[]; reason: string } | undefined {
  const currentFacts = s.versions.find((v) => v.version.toLowerCase() === currentVersion.toLowerCase());
  const expiresOn = currentFacts?.expiresOn;
  if (currentFacts === undefined || expiresOn === undefined || expiresOn.getTime() > s.now.getTime())
    return undefined;
  const candidates = s.versions
    .filter((v) => compareKeyVersions(v, currentFacts) > 0)
    .sort((a, b) => compareKeyVersions(b, a));
  for (const candidate of candidates) {
    const reasons = check(candidate);
    const errors = reasons.filter((r) => r.severity === "error");
    if (errors.length > 0 && errors.every((r) => r.code === "KeyExpiresWithinMargin")) {
      return {
        target: candidate,
        // Reported, not blocking: the alternative is staying on a version that can no longer wrap.
        reasons: reasons.map((r) =>
          r.code === "KeyExpiresWithinMargin" ? { ...r, severity: "warning" as const } : r,
        ),
        reason: `the current version ${currentVersion} has expired; moving to ${candidate.version}, the newest usable version, although it expires within the margin`,
      };
    }
  }
  return undefined;
}

/**
 * The move to `target` as a decision, after the write proof of the consumer type (its state, running
 * rotations, offline rules): a rotation, a deferral while only passing states stand in the way, or a
 * refusal.
 */
function proveKeyChange(
  s: RotationSnapshot,
  current: KeyRef & { version: string },
  target: KeyVersionFacts,
  verdict: readonly PreflightReason[],
  reason: string,
  shortExpiry: boolean,
): RotationDecision {
  const to = keyRef(current.vaultUrl, current.keyName, target.version);
  const vault = s.vault as VaultFacts;
  const restrictions = s.rule.keyChangeProof({ resource: s.resource, target, vault, vmStates: s.vmStates });
  if (restrictions.length > 0) {
    const text = restrictions.map((r) => r.message).join("; ");
    if (onlyTransient(restrictions)) {
      return {
        kind: "defer",
        code: "AwaitingState",
        from: current,
        to,
        restrictions,
        reason: `not yet: ${text}`,
      };
    }
    const first = restrictions.find((r) => r.transient !== true) ?? restrictions[0];
    return {
      kind: "refuse",
      code: first?.code ?? "CannotRotate",
      from: current,
      to,
      reasons: [],
      restrictions,
      reason: text,
    };
  }
  return {
    kind: "rotate",
    from: current,
    to,
    patch: s.rule.rotationPatch(s.resource, to),
    reason,
    warnings: verdict.filter((r) => r.severity === "warning"),
    ...(shortExpiry ? { shortExpiry: true } : {}),
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
  // DiskRP autoKeyRotationError: "If an error is present, then auto-key rotation will not be attempted
  // until the error on this disk encryption set is fixed." The platform will not move it.
  const platformError = autoRotationErrorText(s.resource);
  if (platformError !== undefined) {
    return {
      kind: "refuse",
      code: "DesAutoRotationError",
      from: current,
      to,
      reasons: [],
      restrictions: [
        {
          code: "DesAutoRotationError",
          message: `automatic key rotation is on but the platform reports an error (${platformError}) and will not move the set to ${newest.version} until it is fixed`,
        },
      ],
      reason: `automatic key rotation is stopped by the platform's error ${platformError}; the set stays on ${current.version}`,
    };
  }
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
