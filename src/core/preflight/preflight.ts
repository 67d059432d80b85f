import { consumerRuleOfType } from "../consumers/registry.js";
import { keyVaultDomainOf, vaultHostOf } from "../ids/keyId.js";
import type {
  ConsumerFacts,
  ConsumerIdentity,
  KeyVersionFacts,
  RoleAssignmentFacts,
  VaultFacts,
} from "../keyStores/keyFacts.js";
import { findKeyUseAssignment, keyResourceId } from "../keyStores/keyVaultRoles.js";
import { findHsmKeyUseAssignment, hsmKeyScope } from "../keyStores/managedHsmRoles.js";
import type {
  PreflightReason,
  PreflightReasonCode,
  PreflightResult,
  PreflightSeverity,
} from "./preflightReason.js";

/*
 * The requirements that differ between consumer types (key sizes, region and tenant, access model,
 * same-vault rule, identity) come from each consumer rule's preflight profile, which cites its
 * Microsoft sources. The checks every type shares are sourced here:
 * - Key attributes: learn.microsoft.com/azure/key-vault/keys/about-keys-details: operations outside
 *   the nbf/exp window are disallowed, a disabled key cannot be used, and `key_ops` restricts the
 *   cryptographic operations per key.
 * - Soft delete and purge protection on the vault, and get/wrapKey/unwrapKey for the consumer's
 *   identity: every consumer type's CMK documentation (see the profiles).
 */

/** Stable code of {@link PreflightInputError}. */
export type PreflightInputErrorCode = "PreflightInputInvalid";

/** The inputs contradict each other or are malformed; the proof cannot be made (a caller bug). */
export class PreflightInputError extends Error {
  readonly code: PreflightInputErrorCode = "PreflightInputInvalid";
  constructor(
    readonly field: string,
    readonly problem: string,
  ) {
    super(`preflight input ${field}: ${problem}`);
    this.name = "PreflightInputError";
  }
}

/** Everything the proof needs, as plain snapshots. */
export interface PreflightInput {
  readonly consumer: ConsumerFacts;
  /** The candidate key version. */
  readonly key: KeyVersionFacts;
  /** The vault that holds {@link key}. */
  readonly vault: VaultFacts;
  /**
   * Assignments that may apply to the vault; only consulted when the vault uses Azure RBAC. For a
   * Managed HSM pool: its local RBAC assignments (scopes `/`, `/keys`, `/keys/{name}`).
   */
  readonly roleAssignments: readonly RoleAssignmentFacts[];
  readonly now: Date;
  /** A key expiring within this many days is refused (callers default it to 30). */
  readonly expiryMarginDays: number;
  /** Management groups above the vault's subscription, if known (see `ScopeOptions`). */
  readonly managementGroupIds?: readonly string[];
}

const DAY_MS = 24 * 60 * 60 * 1000;

const REQUIRED_KEY_OPS = ["wrapKey", "unwrapKey"] as const;
const REQUIRED_PERMISSIONS = ["get", "wrapKey", "unwrapKey"] as const;

/** Location strings as ARM writes them vary ("West Europe" vs "westeurope"). */
function normalizeLocation(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

function armSubscription(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();
}

/** The name of a Managed HSM pool: the last segment of its ARM id. */
function hsmName(vault: VaultFacts): string {
  return vault.armId.replace(/\/+$/, "").split("/").pop() ?? vault.armId;
}

/** The resource group of a key store: the segment after `resourceGroups` in its ARM id. */
function resourceGroupOf(vault: VaultFacts): string {
  return /\/resourceGroups\/([^/]+)/i.exec(vault.armId)?.[1] ?? "<resource group>";
}

/** The vault host of a URL in any spelling ARM writes (`:443`, letter case, trailing slash). */
function hostOf(url: string, field: string): string {
  const host = vaultHostOf(url);
  if (host === undefined) throw new PreflightInputError(field, "not a Key Vault or Managed HSM URL");
  return host;
}

function checkTime(date: Date, field: string): number {
  const ms = date.getTime();
  if (Number.isNaN(ms)) throw new PreflightInputError(field, "not a valid date");
  return ms;
}

/**
 * Key permissions an identity holds through legacy access policies. A policy applies to the identity
 * when its objectId matches, it is not a compound (applicationId) entry, and it is for the tenant the
 * identity signs in from (the consumer's tenant, or the vault's when that is unknown).
 */
function accessPolicyPermissions(
  vault: VaultFacts,
  identity: ConsumerIdentity,
  tenantId: string,
): Set<string> {
  const held = new Set<string>();
  for (const policy of vault.accessPolicies) {
    if (
      policy.objectId.toLowerCase() === identity.principalId.toLowerCase() &&
      policy.applicationId === undefined &&
      policy.tenantId.toLowerCase() === tenantId.toLowerCase()
    ) {
      for (const permission of policy.keyPermissions) held.add(permission.toLowerCase());
    }
  }
  return held;
}

/**
 * Proves (or refutes) that `input.consumer` can use `input.key` from `input.vault`. Pure: no I/O,
 * `now` is an input. Returns every reason found, in a fixed order; `ok` is false when any reason
 * is an error. Throws {@link PreflightInputError} when the inputs are inconsistent (the key is not
 * in the given vault, an invalid date or margin), since no honest answer exists then.
 *
 * Decisions:
 * - An empty `keyOps` list permits nothing: Key Vault reports every operation the key type allows
 *   when a key was created without a restriction, keys created without wrapKey/unwrapKey cannot serve
 *   as CMK (MicrosoftDocs/azure-docs PR 80805), and the SDKs' local crypto providers also treat an
 *   empty list as "no operation". Refusing is the side that cannot cause an outage.
 * - AI services: the account must use access policies (not RBAC). It may use a user-assigned identity
 *   when `identityClientId` names one; otherwise it needs its system-assigned identity
 *   (`SystemIdentityRequired`).
 * - A vault with `publicNetworkAccess: Disabled` lets only private endpoints and trusted services in,
 *   so it is treated like `defaultAction: Deny`: the trusted-services bypass must be on.
 * - Permissions granted through group membership are not visible here and are not counted.
 */
export function preflight(input: PreflightInput): PreflightResult {
  const { consumer, key, vault } = input;
  const nowMs = checkTime(input.now, "now");
  if (!Number.isFinite(input.expiryMarginDays) || input.expiryMarginDays < 0) {
    throw new PreflightInputError("expiryMarginDays", "must be a finite number of days, 0 or more");
  }
  const keyHost = hostOf(key.vaultUrl, "key.vaultUrl");
  if (keyHost !== hostOf(vault.vaultUri, "vault.vaultUri")) {
    throw new PreflightInputError("vault", `the vault ${vault.vaultUri} does not hold key ${key.keyId}`);
  }

  const reasons: PreflightReason[] = [];
  const add = (code: PreflightReasonCode, message: string, severity: PreflightSeverity = "error"): void => {
    reasons.push({ code, severity, message });
  };
  const profile = consumerRuleOfType(consumer.consumerType)?.preflight;
  if (profile === undefined) {
    throw new PreflightInputError("consumer.consumerType", `${consumer.consumerType} is not a consumer type`);
  }
  const label = `${profile.label} ${consumer.resourceId}`;
  const keyText = `key ${key.keyId}`;

  // The key version itself.
  if (!key.enabled) {
    add("KeyDisabled", `${keyText} is disabled, so ${label} cannot use it. Enable the key version first.`);
  }
  if (key.notBefore !== undefined && checkTime(key.notBefore, "key.notBefore") > nowMs) {
    add(
      "KeyNotYetValid",
      `${keyText} is not valid before ${key.notBefore.toISOString()}, so ${label} cannot use it yet. ` +
        `Wait until then or clear the key's activation date.`,
    );
  }
  if (key.expiresOn !== undefined) {
    const expiresMs = checkTime(key.expiresOn, "key.expiresOn");
    if (expiresMs <= nowMs) {
      add(
        "KeyExpired",
        `${keyText} expired on ${key.expiresOn.toISOString()}. Create a new key version or extend its expiry ` +
          `before moving ${label} to it.`,
      );
    } else if (expiresMs - nowMs <= input.expiryMarginDays * DAY_MS) {
      add(
        "KeyExpiresWithinMargin",
        `${keyText} expires on ${key.expiresOn.toISOString()}, within ${input.expiryMarginDays} days. ` +
          `Moving ${label} to it would only postpone an outage; extend its expiry or create a new version.`,
      );
    }
  }
  const isRsa = key.kty === "RSA" || key.kty === "RSA-HSM";
  if (!isRsa) {
    add("KeyTypeNotRsa", `${keyText} is of type ${key.kty}; ${label} needs an RSA or RSA-HSM key.`);
  } else {
    const rule = profile.keySize;
    if (key.keySize === undefined || !rule.allowed(key.keySize)) {
      add(
        "KeySizeNotAllowed",
        `${keyText} is ${key.keySize === undefined ? "of unknown size" : `${key.keySize} bits`}; ` +
          `${label} needs ${rule.allowedText}. Create a key version of an allowed size.`,
      );
    } else if (rule.recommendedMin !== undefined && key.keySize < rule.recommendedMin) {
      add(
        "KeySizeBelowRecommended",
        `${keyText} is ${key.keySize} bits; at least ${rule.recommendedMin} bits is recommended for ${label}.`,
        "warning",
      );
    }
  }
  const ops = new Set(key.keyOps.map((o) => o.toLowerCase()));
  const missingOps = REQUIRED_KEY_OPS.filter((o) => !ops.has(o.toLowerCase()));
  if (missingOps.length > 0) {
    add(
      "KeyOpsMissing",
      `${keyText} does not permit ${missingOps.join(" and ")} (its key operations are ` +
        `${key.keyOps.length === 0 ? "empty" : key.keyOps.join(", ")}); ${label} needs wrapKey and unwrapKey.`,
    );
  }

  // The vault (or Managed HSM pool: same codes, its own words and remedies).
  const hsm = vault.storeKind === "managedHsm";
  if (!vault.enableSoftDelete) {
    add(
      "VaultSoftDeleteDisabled",
      hsm
        ? `Managed HSM ${vault.armId} reports soft delete off; ${label} requires it.`
        : `Vault ${vault.armId} has soft delete off; ${label} requires it. Enable soft delete.`,
    );
  }
  if (!vault.enablePurgeProtection) {
    add(
      "VaultPurgeProtectionDisabled",
      hsm
        ? `Managed HSM ${vault.armId} has purge protection off; ${label} requires it. Enable purge protection ` +
            `(az keyvault update-hsm --hsm-name ${hsmName(vault)} --resource-group ${resourceGroupOf(vault)} --enable-purge-protection true).`
        : `Vault ${vault.armId} has purge protection off; ${label} requires it. Enable purge protection.`,
    );
  }
  const firewallOn =
    vault.networkAcls?.defaultAction === "Deny" || vault.publicNetworkAccess?.toLowerCase() === "disabled";
  if (firewallOn && (vault.networkAcls?.bypass ?? "AzureServices") !== "AzureServices") {
    add(
      "VaultFirewallBlocksTrustedServices",
      `${hsm ? "Managed HSM" : "Vault"} ${vault.armId} restricts network access without letting trusted Microsoft services through, ` +
        `so ${label} cannot reach it. Set networkAcls.bypass to AzureServices.`,
    );
  }
  if (
    profile.vaultInSameRegion &&
    normalizeLocation(vault.location) !== normalizeLocation(consumer.location)
  ) {
    add(
      "VaultRegionMismatch",
      `${hsm ? "Managed HSM" : "Vault"} ${vault.armId} is in ${vault.location} but ${label} is in ${consumer.location}; they must be in ` +
        `the same region. Use a key from a ${hsm ? "key store" : "vault"} in ${consumer.location}.`,
    );
  }
  if (
    profile.vaultInSameTenant &&
    consumer.tenantId !== undefined &&
    consumer.tenantId.toLowerCase() !== vault.tenantId.toLowerCase()
  ) {
    add(
      "VaultTenantMismatch",
      `Vault ${vault.armId} belongs to tenant ${vault.tenantId} but ${label} to tenant ${consumer.tenantId}; ` +
        `they must be in the same tenant.`,
    );
  }
  if (profile.accessPoliciesOnly && vault.enableRbacAuthorization) {
    add(
      "VaultUsesRbac",
      `Vault ${vault.armId} uses the Azure RBAC permission model; ${label} only supports vaults with access ` +
        `policies. Use a vault with the access policy permission model.`,
    );
  }

  // The consumer.
  if (consumer.mlServiceSideEncryption === true) {
    add(
      "ServiceSideEncryptionNoRotation",
      `${label} uses service-side customer-managed key encryption, which does not support key rotation.`,
    );
  }
  if (!profile.managedHsmSupported && keyVaultDomainOf(keyHost)?.startsWith("managedhsm.") === true) {
    add(
      "KeyStoreNotSupported",
      `${keyText} is in a Managed HSM; no Microsoft documentation supports Managed HSM keys for ${label}. Use a key in an Azure Key Vault.`,
    );
  }
  if (profile.vaultInSameSubscription) {
    const vaultSub = armSubscription(vault.armId);
    const consumerSub = armSubscription(consumer.resourceId);
    if (vaultSub !== undefined && consumerSub !== undefined && vaultSub !== consumerSub) {
      add(
        "VaultSubscriptionMismatch",
        `Vault ${vault.armId} is in subscription ${vaultSub} but ${label} is in ${consumerSub}; they must be in the same subscription.`,
      );
    }
  }
  if (profile.sameVaultOnly) {
    if (consumer.currentKey !== undefined) {
      const currentHost = hostOf(consumer.currentKey.vaultUrl, "consumer.currentKey.vaultUrl");
      if (currentHost !== keyHost) {
        add(
          "KeyVaultChanged",
          `${label} uses a key in ${consumer.currentKey.vaultUrl}; its key can only be changed to another key ` +
            `in that same vault, not to ${keyText}.`,
        );
      }
    }
  }

  // The identity and its access to the key.
  const identity = consumer.identity;
  if (identity === undefined) {
    if (
      profile.systemIdentityRequiredWhenNoneNamed &&
      consumer.identityClientId === undefined &&
      !consumer.hasSystemAssignedIdentity
    ) {
      add(
        "SystemIdentityRequired",
        `${label} has no system-assigned managed identity and names no user-assigned one ` +
          `(encryption.keyVaultProperties.identityClientId). Enable its system-assigned identity.`,
      );
    } else {
      add("IdentityMissing", `${label}: ${profile.missingIdentityDetail(consumer)}`);
    }
  } else if (hsm) {
    if (findHsmKeyUseAssignment(input.roleAssignments, identity.principalId, key.keyName) === undefined) {
      add(
        "IdentityLacksKeyPermissions",
        `The ${identity.kind === "SystemAssigned" ? "system-assigned" : "user-assigned"} identity ` +
          `${identity.principalId} of ${label} has no local RBAC role on Managed HSM ${keyHost} at ` +
          `${hsmKeyScope(key.keyName)}, /keys or / that allows get, wrapKey and unwrapKey. Assign it ` +
          `"Managed HSM Crypto Service Encryption User" on ${hsmKeyScope(key.keyName)} ` +
          `(az keyvault role assignment create --hsm-name ${hsmName(vault)} --role "Managed HSM Crypto Service Encryption User" ` +
          `--assignee-object-id ${identity.principalId} --assignee-principal-type ServicePrincipal --scope ${hsmKeyScope(key.keyName)}).`,
      );
    }
  } else if (vault.enableRbacAuthorization) {
    const assignment = findKeyUseAssignment(
      input.roleAssignments,
      identity.principalId,
      vault.armId,
      key.keyName,
      input.managementGroupIds === undefined ? {} : { managementGroupIds: input.managementGroupIds },
    );
    if (assignment === undefined) {
      add(
        "IdentityLacksKeyPermissions",
        `The ${identity.kind === "SystemAssigned" ? "system-assigned" : "user-assigned"} identity ` +
          `${identity.principalId} of ${label} has no role on ${keyResourceId(vault.armId, key.keyName)} that ` +
          `allows get, wrapKey and unwrapKey. Assign it "Key Vault Crypto Service Encryption User" on the key or vault.`,
      );
    }
  } else {
    const held = accessPolicyPermissions(vault, identity, consumer.tenantId ?? vault.tenantId);
    const missing = held.has("all") ? [] : REQUIRED_PERMISSIONS.filter((p) => !held.has(p.toLowerCase()));
    if (missing.length > 0) {
      add(
        "IdentityLacksKeyPermissions",
        `The ${identity.kind === "SystemAssigned" ? "system-assigned" : "user-assigned"} identity ` +
          `${identity.principalId} of ${label} lacks key permission${missing.length > 1 ? "s" : ""} ` +
          `${missing.join(", ")} in the access policies of vault ${vault.armId}. Add them to its access policy.`,
      );
    }
  }

  return { ok: reasons.every((r) => r.severity !== "error"), reasons };
}
