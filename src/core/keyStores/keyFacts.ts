/**
 * Plain snapshots the preflight proof reasons over. Adapters fill them from Azure (ARM GETs, the
 * Key Vault data plane, role assignment listings); the proof itself never performs I/O.
 */

/**
 * The kind of a consumer whose key the service moves to new versions: the `consumerType` of a
 * consumer module in the registry (`aiServices`, `diskEncryptionSet`, `mlWorkspace`, ...).
 */
export type ConsumerType = string;

/** One version of a Key Vault key, as the data plane reports it. */
export interface KeyVersionFacts {
  /** Versioned key URI: `https://{vault}.vault.azure.net/keys/{name}/{version}`. */
  readonly keyId: string;
  /** `https://{vault}.vault.azure.net` (no trailing slash needed; compared by host). */
  readonly vaultUrl: string;
  readonly keyName: string;
  /** Opaque: order versions by {@link createdOn}, never by this string. */
  readonly version: string;
  /** `RSA`, `RSA-HSM`, `EC`, `EC-HSM`, `oct`, `oct-HSM`. */
  readonly kty: string;
  /** Modulus length in bits for RSA keys. */
  readonly keySize?: number | undefined;
  /** Curve name for EC keys. */
  readonly curve?: string | undefined;
  readonly enabled: boolean;
  readonly createdOn: Date;
  readonly notBefore?: Date | undefined;
  readonly expiresOn?: Date | undefined;
  /**
   * The `key_ops` the data plane reports. Key Vault fills this with every operation the key type
   * allows when the key was created without a restriction, so an empty list means no operation is
   * permitted (see `preflight.ts`).
   */
  readonly keyOps: readonly string[];
  /** Secure key release: the private key may be released to an attested environment. */
  readonly exportable?: boolean | undefined;
  /** The key's release policy as JSON text (decoded from the bundle's base64url `data`), when it has one. */
  readonly releasePolicy?: string | undefined;
}

/**
 * A soft-deleted key (`GET {vault}/deletedkeys/{name}`): it can only be recovered or purged, and no
 * consumer can wrap or unwrap with it meanwhile (docs/restrictions.md §7 `KeySoftDeletedUnusable`).
 */
export interface DeletedKeyFacts {
  readonly vaultUrl: string;
  readonly keyName: string;
  /** `{vault}/deletedkeys/{name}`: what `az keyvault key recover --id` takes. */
  readonly recoveryId?: string | undefined;
  readonly deletedOn?: Date | undefined;
  /** After this date Key Vault purges the key for good. */
  readonly scheduledPurgeDate?: Date | undefined;
}

/**
 * A soft-deleted vault (`GET /subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}`):
 * recoverable until its purge date; recovering it does not restore its Azure RBAC role assignments
 * (docs/restrictions.md §7 `VaultRecoveryDropsRbac`).
 */
export interface DeletedVaultFacts {
  /** ARM id of the deleted vault entry. */
  readonly id: string;
  readonly name: string;
  /** ARM id the vault had. */
  readonly vaultId?: string | undefined;
  readonly location: string;
  readonly deletionDate?: Date | undefined;
  readonly scheduledPurgeDate?: Date | undefined;
  readonly purgeProtectionEnabled: boolean;
}

/** One legacy access policy entry of a vault. */
export interface AccessPolicyFacts {
  readonly tenantId: string;
  readonly objectId: string;
  /**
   * Set for a compound identity ("application on behalf of a user"): such an entry only applies
   * when that application calls for that principal, never to the principal calling alone.
   */
  readonly applicationId?: string | undefined;
  /** As ARM returns them (case varies between API versions); compared case-insensitively. */
  readonly keyPermissions: readonly string[];
}

/** The vault's firewall, `properties.networkAcls`. */
export interface VaultNetworkAcls {
  readonly defaultAction: "Allow" | "Deny";
  readonly bypass: "AzureServices" | "None";
}

/**
 * A key store from the management plane: a Key Vault (`Microsoft.KeyVault/vaults`) or a Managed HSM
 * pool (`Microsoft.KeyVault/managedHSMs`, `storeKind: "managedHsm"`).
 */
export interface VaultFacts {
  readonly armId: string;
  /** `https://{vault}.vault.azure.net/`, or a Managed HSM's `properties.hsmUri`. */
  readonly vaultUri: string;
  /**
   * `managedHsm` for a Managed HSM pool: its data-plane access is decided by its local RBAC role
   * assignments (never access policies or ARM role assignments). Absent for a Key Vault.
   */
  readonly storeKind?: "managedHsm" | undefined;
  /** `properties.softDeleteRetentionInDays`, when ARM reports it. */
  readonly softDeleteRetentionInDays?: number | undefined;
  readonly location: string;
  readonly tenantId: string;
  /**
   * Soft delete cannot be turned off on new vaults and ARM defaults an absent value to true, so
   * the mapper reads an absent `enableSoftDelete` as true and only an explicit `false` as off.
   */
  readonly enableSoftDelete: boolean;
  readonly enablePurgeProtection: boolean;
  /** When true, access policies are ignored and Azure RBAC decides data-plane access. */
  readonly enableRbacAuthorization: boolean;
  readonly accessPolicies: readonly AccessPolicyFacts[];
  /** Absent when the vault has no firewall configuration (all networks allowed). */
  readonly networkAcls?: VaultNetworkAcls | undefined;
  /** `Enabled` or `Disabled` (ARM has returned both cases); absent means enabled. */
  readonly publicNetworkAccess?: string | undefined;
  /** `properties.sku.name`: `standard` or `premium` (HSM-protected keys need premium). */
  readonly sku?: string | undefined;
}

/** The managed identity a consumer uses to reach its key. */
export interface ConsumerIdentity {
  /** Object id of the identity's service principal: what access policies and role assignments name. */
  readonly principalId: string;
  readonly kind: "SystemAssigned" | "UserAssigned";
  /** ARM id of the user-assigned identity (only for `UserAssigned`). */
  readonly resourceId?: string | undefined;
}

/** The key a consumer references today. */
export interface ConsumerKeyReference {
  /** `https://{vault}.vault.azure.net` (compared by host). */
  readonly vaultUrl: string;
  readonly keyName: string;
  /** Absent when the consumer references the key without a version. */
  readonly version?: string | undefined;
  /** ARM id of the vault when the consumer records it (DES `sourceVault.id`, ML `keyVaultArmId`). */
  readonly vaultArmId?: string | undefined;
}

/** A resource that encrypts with a Key Vault key. */
export interface ConsumerFacts {
  readonly resourceId: string;
  readonly consumerType: ConsumerType;
  readonly location: string;
  /** Tenant of the consumer's managed identity (or the resource), when ARM reports one. */
  readonly tenantId?: string | undefined;
  /** The identity that will call Key Vault with the key; undefined when none can be determined. */
  readonly identity: ConsumerIdentity | undefined;
  readonly hasSystemAssignedIdentity: boolean;
  /**
   * AI services only: `encryption.keyVaultProperties.identityClientId`, the client id of the
   * user-assigned identity the account was told to use. Kept so a missing match can be explained.
   */
  readonly identityClientId?: string | undefined;
  readonly currentKey?: ConsumerKeyReference | undefined;
  /** ML only: the service-side CMK encryption preview, which cannot rotate keys. */
  readonly mlServiceSideEncryption?: boolean | undefined;
}

/** One Azure role assignment, `Microsoft.Authorization/roleAssignments`. */
export interface RoleAssignmentFacts {
  /** `/`, a management group, subscription, resource group, vault or key id. */
  readonly scope: string;
  readonly principalId: string;
  /** `/subscriptions/{id}/providers/Microsoft.Authorization/roleDefinitions/{guid}` or any id ending in the GUID. */
  readonly roleDefinitionId: string;
}
