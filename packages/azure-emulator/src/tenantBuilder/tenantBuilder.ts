import {
  parseTenantFile,
  type ArmResource,
  type TenantDeletedVault,
  type TenantFile,
  type TenantKeyVersion,
  type TenantSubscription,
} from "../tenantFile.js";
import { DeterministicIds } from "./deterministicIds.js";
import { MANAGED_HSM_ROLES, type HsmRoleAssignmentOptions, type ManagedHsmOptions } from "./managedHsm.js";

/*
 * Resource bodies follow the GET responses of the api-versions the service reads (src/core/consumers/apiVersions.ts),
 * as in the Azure/azure-rest-api-specs examples and the @azure/arm-* models:
 * - Microsoft.CognitiveServices/accounts 2025-06-01 (AccountProperties: endpoint, internalId, dateCreated,
 *   customSubDomainName, networkAcls, encryption {keySource, keyVaultProperties}, endpoints, ...);
 * - Microsoft.Compute/diskEncryptionSets and disks 2024-03-02 (DiskRP: activeKey {sourceVault, keyUrl},
 *   encryptionType, rotationToLatestKeyVersionEnabled, previousKeys; disk encryption {type,
 *   diskEncryptionSetId}, diskState, managedBy, uniqueId, tier);
 * - Microsoft.Compute/virtualMachines 2024-07-01 with `$expand=instanceView` (the emulator keeps the
 *   instance view in `properties.instanceView`, where the power state lives);
 * - Microsoft.MachineLearningServices/workspaces 2024-10-01 (encryption {status, keyVaultProperties
 *   {keyVaultArmId, keyIdentifier, identityClientId}}, hbiWorkspace, enableServiceSideCMKEncryption,
 *   hubResourceId, associatedWorkspaces, serviceProvisionedResourceGroup);
 * - Microsoft.KeyVault/vaults 2023-07-01 (enablePurgeProtection is absent unless on: it cannot be set false);
 * - Microsoft.Authorization/roleAssignments 2022-04-01;
 * - Microsoft.ManagedIdentity/userAssignedIdentities 2023-01-31.
 * The body `etag` some providers return is left out: the emulator sends the current etag as a header,
 * and a body copy would go stale after the first write.
 */

/**
 * Built-in Key Vault data-plane roles by name. Ids from "Azure built-in roles for Security"
 * (learn.microsoft.com/azure/role-based-access-control/built-in-roles/security); they are the same in
 * every subscription.
 */
export const KEY_VAULT_ROLES = {
  "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
  "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
  "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
  "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
} as const;

/** A built-in role {@link TenantBuilder.roleAssignment} knows by name. */
export type KeyVaultRoleName = keyof typeof KEY_VAULT_ROLES;

/** Key permissions a customer-managed-key consumer needs on its key. */
export const CMK_KEY_PERMISSIONS: readonly string[] = ["get", "wrapKey", "unwrapKey"];

/** The key operations the portal gives a new RSA key. */
export const DEFAULT_KEY_OPS: readonly string[] = [
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
];

/** Options of the whole tenant. */
export interface TenantBuilderOptions {
  /** Entra tenant id; derived from the seed when absent. */
  tenantId?: string;
  /** Seed of every generated id (principal ids, key versions, role assignment names...). */
  seed?: string;
  /** Region of resources that name none (default `westeurope`). */
  location?: string;
  /** Creation time written into `systemData` and `timeCreated` when a resource gives none. */
  createdAt?: string;
  /** `systemData.createdBy` (default `platform-team@contoso.com`). */
  createdBy?: string;
}

/** Where a resource lives. */
export interface ResourcePlacement {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Default: the builder's location. */
  location?: string;
  tags?: Record<string, string>;
  /** Default: the builder's `createdAt`. */
  createdAt?: string;
}

/** What every builder method that adds a resource returns. */
export interface ResourceRef {
  id: string;
  name: string;
  type: string;
  subscriptionId: string;
  resourceGroup: string;
  location: string;
  /** Object id of the system-assigned identity, when the resource has one. */
  principalId?: string;
}

/** A user-assigned managed identity, to attach to consumers. */
export interface UserAssignedIdentityRef extends ResourceRef {
  principalId: string;
  clientId: string;
}

/** A vault and the URL its keys live under. */
export interface VaultRef extends ResourceRef {
  /** `https://{name}.{domain}`, no trailing slash (the tenant file's `keyVaults` key). */
  url: string;
  /** `properties.vaultUri`: the URL with a trailing slash, as ARM returns it. */
  uri: string;
}

/** A key and its versions, in the order they were given. */
export interface KeyRef {
  vaultUrl: string;
  name: string;
  versions: string[];
  /** Versioned key URIs, `https://{vault}/keys/{name}/{version}`, same order as `versions`. */
  versionIds: string[];
  /** Unversioned key URI. */
  id: string;
}

/**
 * The identity of a consumer: system-assigned (the default), none, or user-assigned identities
 * (optionally together with a system-assigned one).
 */
export type IdentitySpec =
  "SystemAssigned" | "None" | { userAssigned: readonly UserAssignedIdentityRef[]; systemAssigned?: boolean };

/** One access policy entry of a vault. */
export interface AccessPolicySpec {
  objectId: string;
  keys: readonly string[];
  tenantId?: string;
}

/** Options of {@link TenantBuilder.vault}. */
export interface VaultOptions extends ResourcePlacement {
  /** Default true. Since 2025 soft delete cannot be turned off; false models an old vault. */
  softDelete?: boolean;
  softDeleteRetentionInDays?: number;
  /** Default true. */
  purgeProtection?: boolean;
  /** Azure RBAC permission model (access policies are then ignored). Default false. */
  rbac?: boolean;
  accessPolicies?: readonly AccessPolicySpec[];
  /** The firewall; absent means none configured (ARM then omits `networkAcls`). */
  networkAcls?: {
    defaultAction: "Allow" | "Deny";
    bypass: "AzureServices" | "None";
    ipRules?: readonly string[];
  };
  publicNetworkAccess?: "Enabled" | "Disabled";
  sku?: "standard" | "premium";
  /**
   * DNS suffix of the vault's cloud (default `vault.azure.net`): `vault.azure.cn` (Azure China) or
   * `vault.usgovcloudapi.net` (Azure Government), which the data plane serves the same way.
   */
  domain?: "vault.azure.net" | "vault.azure.cn" | "vault.usgovcloudapi.net";
}

/** One key version; `version` is generated (32 hex digits) when absent. */
export interface KeyVersionSpec {
  version?: string;
  /** Default `RSA`. */
  kty?: TenantKeyVersion["kty"];
  /** Default 2048 for RSA keys. */
  keySize?: number;
  curve?: string;
  /** Default true. */
  enabled?: boolean;
  createdOn: string;
  updatedOn?: string;
  notBefore?: string | null;
  expiresOn?: string | null;
  /** Default {@link DEFAULT_KEY_OPS}. */
  keyOps?: readonly string[];
  tags?: Record<string, string>;
  recoveryLevel?: string;
  /** Secure key release: the private key may be released to an attested environment. */
  exportable?: boolean;
  /**
   * The release policy, as JSON; stored base64url-encoded as the data plane returns it. Confidential
   * VM keys carry one (`az keyvault key create --default-cvm-policy`).
   */
  releasePolicy?: Record<string, unknown>;
}

/**
 * A release policy of the shape `az keyvault key create --default-cvm-policy` writes (Azure CLI
 * keyvault `_validators.py`, `_fetch_default_release_policy`): one attestation authority and the
 * confidential VM compliance claim.
 */
export const CVM_RELEASE_POLICY: Record<string, unknown> = {
  version: "1.0.0",
  anyOf: [
    {
      authority: "https://sharedweu.weu.attest.azure.net/",
      allOf: [{ claim: "x-ms-compliance-status", equals: "azure-compliant-cvm" }],
    },
  ],
};

interface IdentityOptions {
  /** Default `SystemAssigned`. */
  identity?: IdentitySpec;
  /** Object id of the system-assigned identity; generated when absent. */
  principalId?: string;
}

/** Options of {@link TenantBuilder.aiServicesAccount}. */
export interface AiServicesAccountOptions extends ResourcePlacement, IdentityOptions {
  kind: "OpenAI" | "AIServices" | (string & {});
  /** Default `S0`. */
  sku?: string;
  /** Customer-managed key; without it the account uses Microsoft-managed keys. */
  cmk?: {
    vaultUrl: string;
    /** `keyVaultUri` exactly as written; default `{vaultUrl}/`, the form ARM returns. */
    vaultUri?: string;
    keyName: string;
    /** Absent: the account follows the key's latest version. */
    keyVersion?: string;
    /** Client id of the user-assigned identity that reaches the vault. */
    identityClientId?: string;
  };
  /**
   * Without `cmk`, write `encryption: {keySource: "Microsoft.CognitiveServices"}` explicitly (as a
   * template that sets it, or an account that went back from CMK, shows) instead of leaving it out.
   */
  explicitMicrosoftManagedKey?: boolean;
  publicNetworkAccess?: "Enabled" | "Disabled";
}

/** Encryption types of a disk encryption set. */
export type DiskEncryptionSetType =
  | "EncryptionAtRestWithCustomerKey"
  | "EncryptionAtRestWithPlatformAndCustomerKeys"
  | "ConfidentialVmEncryptedWithCustomerKey";

/** Options of {@link TenantBuilder.diskEncryptionSet}. */
export interface DiskEncryptionSetOptions extends ResourcePlacement, IdentityOptions {
  /** Versioned key URI. */
  keyUrl: string;
  /** `activeKey.sourceVault.id`: the vault of the key; absent for a Managed HSM key (ARM writes none). */
  sourceVaultId?: string;
  /** `rotationToLatestKeyVersionEnabled`; default false. */
  autoRotation?: boolean;
  /** Default `EncryptionAtRestWithCustomerKey`. */
  encryptionType?: DiskEncryptionSetType;
  /** Key URIs of a rotation in progress. */
  previousKeys?: readonly string[];
  lastKeyRotationTimestamp?: string;
  autoKeyRotationError?: { code: string; message: string };
}

/** Options of {@link TenantBuilder.disk}. */
export interface DiskOptions extends ResourcePlacement {
  encryption:
    | "platform"
    | {
        desId: string;
        /** Default `EncryptionAtRestWithCustomerKey`. */
        type?: "EncryptionAtRestWithCustomerKey" | "EncryptionAtRestWithPlatformAndCustomerKeys";
      };
  /** The VM using the disk. */
  managedBy?: string;
  /**
   * Default: `Unattached` without `managedBy`; with a VM of this builder, `Reserved` when it is
   * deallocated and `Attached` otherwise.
   */
  diskState?:
    "Unattached" | "Attached" | "Reserved" | "Frozen" | "ActiveSAS" | "ReadyToUpload" | "ActiveUpload";
  /** An OS disk (created from an image); data disks when absent. */
  osType?: "Linux" | "Windows";
  /** Default 128. */
  sizeGB?: number;
  /** Default `Premium_LRS`. */
  sku?: "Premium_LRS" | "StandardSSD_LRS" | "Standard_LRS" | "Premium_ZRS" | "StandardSSD_ZRS";
  /**
   * Azure Disk Encryption (now or before): the disk carries `encryptionSettingsCollection`
   * (DiskRP `EncryptionSettingsCollection`; "once this field is set, it cannot be overwritten").
   */
  azureDiskEncryption?: { enabled: boolean };
  /** A confidential VM disk: DiskRP `DiskSecurityProfile`. */
  securityProfile?: {
    securityType:
      | "ConfidentialVM_VMGuestStateOnlyEncryptedWithPlatformKey"
      | "ConfidentialVM_DiskEncryptedWithPlatformKey"
      | "ConfidentialVM_DiskEncryptedWithCustomerKey"
      | "ConfidentialVM_NonPersistedTPM"
      | "TrustedLaunch";
    secureVMDiskEncryptionSetId?: string;
  };
}

/** Options of {@link TenantBuilder.snapshot}. */
export interface SnapshotOptions extends ResourcePlacement {
  /** The disk the snapshot was taken of (`creationData.sourceResourceId` and `sourceUniqueId`). */
  source: ResourceRef;
  /** Default true (an incremental snapshot). */
  incremental?: boolean;
  /** Default: the platform key. */
  encryption?:
    | "platform"
    | {
        desId: string;
        type?: "EncryptionAtRestWithCustomerKey" | "EncryptionAtRestWithPlatformAndCustomerKeys";
      };
}

/** Power states of a VM's instance view. */
export type PowerState = "running" | "deallocated" | "stopped" | "starting" | "stopping" | "deallocating";

/** Options of {@link TenantBuilder.virtualMachine}. */
export interface VirtualMachineOptions extends ResourcePlacement {
  /** Default `running`. */
  powerState?: PowerState;
  /** Default `Standard_D2s_v5`. */
  vmSize?: string;
  /**
   * Default true: the body holds `properties.instanceView` (with the power state), as a GET with
   * `$expand=instanceView` returns it. False models a VM read without it, whose power state is unknown.
   */
  instanceView?: boolean;
}

/** Options of {@link TenantBuilder.mlWorkspace}. */
export interface MlWorkspaceOptions extends ResourcePlacement, IdentityOptions {
  /** Default `Default`. */
  kind?: "Default" | "Hub" | "Project" | "FeatureStore";
  /** For a Project: the Hub it belongs to. */
  hubId?: string;
  /** Customer-managed key, chosen at creation. */
  cmk?: {
    vaultId: string;
    /** Versioned key URI. */
    keyId: string;
    identityClientId?: string;
    /** ARM id of the user-assigned identity used for the key. */
    userAssignedIdentity?: string;
  };
  /** `enableServiceSideCMKEncryption` (preview; the key cannot be rotated). */
  serviceSideEncryption?: boolean;
  /** `hbiWorkspace`; default false. */
  hbi?: boolean;
  publicNetworkAccess?: "Enabled" | "Disabled";
}

/** Compute types of a Machine Learning workspace (`properties.computeType`). */
export type MlComputeType =
  | "ComputeInstance"
  | "AmlCompute"
  | "Kubernetes"
  | "VirtualMachine"
  | "AKS"
  | "Databricks"
  | "HDInsight"
  | "SynapseSpark"
  | "DataFactory"
  | "DataLakeAnalytics";

/** Options of {@link TenantBuilder.mlCompute}. */
export interface MlComputeOptions {
  name: string;
  computeType: MlComputeType;
  /** VM size of an instance or cluster (default `Standard_DS3_v2`). */
  vmSize?: string;
  /** For attached compute: the ARM id of the attached resource (cluster, VM...). */
  attachedResourceId?: string;
  description?: string;
}

/** Options of {@link TenantBuilder.mlEndpoint}. */
export interface MlEndpointOptions {
  name: string;
  kind: "online" | "batch";
  /** Default `Key` for online endpoints, `AADToken` for batch endpoints. */
  authMode?: "Key" | "AMLToken" | "AADToken";
}

/** Options of {@link TenantBuilder.mlDeployment}. */
export interface MlDeploymentOptions {
  name: string;
  /** Model asset id, e.g. `azureml:fraud-model:3`. */
  model?: string;
  /** Default `Standard_DS3_v2`. */
  instanceType?: string;
}

/** Options of {@link TenantBuilder.mlDatastore}. */
export interface MlDatastoreOptions {
  name: string;
  /** Default `AzureBlob`. */
  datastoreType?: "AzureBlob" | "AzureFile" | "AzureDataLakeGen1" | "AzureDataLakeGen2";
  accountName: string;
  containerName: string;
  isDefault?: boolean;
}

/** Options of {@link TenantBuilder.mlConnection}. */
export interface MlConnectionOptions {
  name: string;
  category: string;
  target: string;
  /** Default `ApiKey`. */
  authType?: string;
}

/** Registered assets: their containers (`models`, `environments`, `components`, `data`). */
export type MlAssetKind = "model" | "environment" | "component" | "data";

/** Options of {@link TenantBuilder.mlAsset}. */
export interface MlAssetOptions {
  kind: MlAssetKind;
  name: string;
  /** Default `1`. */
  latestVersion?: string;
  description?: string;
}

/** Options of {@link TenantBuilder.mlSchedule}. */
export interface MlScheduleOptions {
  name: string;
  /** Cron expression. */
  expression: string;
  /** Default true. */
  enabled?: boolean;
}

/** Options of {@link TenantBuilder.mlPrivateEndpointConnection}. */
export interface MlPrivateEndpointConnectionOptions {
  name: string;
  /** ARM id of the private endpoint (`Microsoft.Network/privateEndpoints`). */
  privateEndpointId: string;
  /** Default `Approved`. */
  status?: "Approved" | "Pending" | "Rejected" | "Disconnected";
}

/** Consumer types {@link TenantBuilder.cmkConsumer} can create. */
export type CmkConsumerKind = "diskEncryptionSet" | "openAI" | "aiServices" | "mlWorkspace";

/** One version of a key in a vault of the builder. */
export interface KeyVersionRef {
  vault: VaultRef;
  keyName: string;
  version: string;
}

/** Options of {@link TenantBuilder.cmkConsumer}. */
export interface CmkConsumerOptions extends ResourcePlacement, IdentityOptions {
  kind: CmkConsumerKind;
  /** The key version the consumer is encrypted with; its vault must have been added to the builder. */
  key: KeyVersionRef;
  /**
   * What the identity that reaches the key (the first user-assigned identity, else the
   * system-assigned one) is given on the vault. `auto` (default): what a consumer needs, the way the
   * vault grants it: an access policy with {@link CMK_KEY_PERMISSIONS}, or on a vault using Azure RBAC
   * the Key Vault Crypto Service Encryption User role. A list of key permissions: an access policy
   * with exactly those. `none`: nothing (a consumer that preflight must refuse, or an identity
   * granted elsewhere).
   */
  access?: "auto" | "none" | readonly string[];
  /** Disk encryption sets only: `rotationToLatestKeyVersionEnabled` (default false). */
  autoRotation?: boolean;
  /**
   * Rewrites the URI the consumer records (a disk encryption set's `activeKey.keyUrl`, a Machine
   * Learning workspace's `keyIdentifier`, an AI services account's `keyVaultUri`), for consumers
   * written by other tools: ARM accepts and keeps, for example, `https://{vault}.vault.azure.net:443/keys/...`
   * (Key Vault's resource provider returns `keyUriWithVersion` that way) or an upper-case host.
   */
  spelling?: (uri: string) => string;
}

/** Options of {@link TenantBuilder.roleAssignment}: a built-in role by name, or any role by id. */
export type RoleAssignmentOptions = {
  scope: string;
  principalId: string;
  /** Default `ServicePrincipal`. */
  principalType?: "ServicePrincipal" | "User" | "Group";
  /** The assignment's name (a GUID); generated when absent. */
  name?: string;
  createdOn?: string;
} & ({ roleDefinitionName: KeyVaultRoleName } | { roleDefinitionId: string });

/** Premium SSD tiers: size limit (GiB), tier, IOPS, MB/s (learn.microsoft.com/azure/virtual-machines/disks-types). */
const PREMIUM_TIERS: readonly [number, string, number, number][] = [
  [4, "P1", 120, 25],
  [8, "P2", 120, 25],
  [16, "P3", 120, 25],
  [32, "P4", 120, 25],
  [64, "P6", 240, 50],
  [128, "P10", 500, 100],
  [256, "P15", 1100, 125],
  [512, "P20", 2300, 150],
  [1024, "P30", 5000, 200],
  [2048, "P40", 7500, 250],
  [4096, "P50", 7500, 250],
];

const POWER_STATE_DISPLAY: Record<PowerState, string> = {
  running: "VM running",
  deallocated: "VM deallocated",
  stopped: "VM stopped",
  starting: "VM starting",
  stopping: "VM stopping",
  deallocating: "VM deallocating",
};

/**
 * A key version as the tenant file holds it, with the builder's defaults filled in (RSA 2048,
 * enabled, no activation or expiry date, the portal's key operations): what {@link TenantBuilder.key}
 * stores, for code that adds versions to a running emulator (`TenantState.addKeyVersion`).
 */
export function keyVersion(spec: KeyVersionSpec & { version: string }): TenantKeyVersion {
  const kty = spec.kty ?? "RSA";
  const rsa = kty === "RSA" || kty === "RSA-HSM";
  const ec = kty === "EC" || kty === "EC-HSM";
  const keySize = spec.keySize ?? (rsa ? 2048 : undefined);
  const curve = spec.curve ?? (ec ? "P-256" : undefined);
  return {
    version: spec.version,
    kty,
    ...(keySize === undefined ? {} : { keySize }),
    ...(curve === undefined ? {} : { curve }),
    enabled: spec.enabled ?? true,
    createdOn: spec.createdOn,
    ...(spec.updatedOn === undefined ? {} : { updatedOn: spec.updatedOn }),
    notBefore: spec.notBefore ?? null,
    expiresOn: spec.expiresOn ?? null,
    keyOps: [...(spec.keyOps ?? DEFAULT_KEY_OPS)],
    ...(spec.tags === undefined ? {} : { tags: spec.tags }),
    ...(spec.recoveryLevel === undefined ? {} : { recoveryLevel: spec.recoveryLevel }),
    ...(spec.exportable === undefined ? {} : { exportable: spec.exportable }),
    ...(spec.releasePolicy === undefined
      ? {}
      : {
          releasePolicy: {
            contentType: "application/json; charset=utf-8",
            data: Buffer.from(JSON.stringify(spec.releasePolicy), "utf8").toString("base64url"),
            immutable: false,
          },
        }),
  };
}

/** Lower-case key of an ARM id, for the builder's lookups. */
const idKey = (id: string): string => id.toLowerCase();

/** `/subscriptions/{id}` of an ARM id, or undefined for tenant and management-group scopes. */
function subscriptionScope(id: string): string | undefined {
  return /^\/subscriptions\/[^/]+/i.exec(id)?.[0];
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, "");
}

function compactName(name: string): string {
  return name.replace(/[^a-z0-9]/gi, "").toLowerCase();
}

/**
 * Builds tenant files (the emulator's seed, docs/emulator.md "The tenant file") whose resource bodies look
 * like what ARM GET returns for each type at the api-versions the service reads with (listed at the
 * top of this file). It is the one builder of the repository: tests, benchmarks, the chaos runner
 * and the example tenant all use it (directly, through `addBulkConsumers`, or through the
 * `SingleKeyTenant` preset). Every generated id comes from the seed, so the same calls give the
 * same tenant. Methods that add a resource return a reference (id, name, principal id...) for wiring
 * it into later calls; nothing is quadratic, so tenants of tens of thousands of resources build
 * quickly.
 *
 * Defaults, each overridable where the option exists:
 * - tenant: id derived from the seed (seed `tenant`), resources in `westeurope`, created
 *   2026-01-15T09:00 by `platform-team@contoso.com` (`systemData` where the provider returns it);
 *   `tags: {}`; subscriptions are never implied: add each with {@link subscription} (build fails
 *   on a resource in a subscription that was not added);
 * - identities: system-assigned, with a generated principal id in the builder's tenant;
 * - vaults: standard SKU, soft delete (90 days), purge protection on, access policies (not Azure
 *   RBAC), no firewall (`networkAcls` absent), public network access enabled; the vault URL is
 *   `https://{name}.vault.azure.net`;
 * - key versions ({@link keyVersion}): RSA 2048, enabled, no activation or expiry date, the key
 *   operations the portal gives a new RSA key, a generated 32-hex version;
 * - AI services accounts: SKU S0, Microsoft-managed keys (no `encryption`) unless given a CMK;
 * - disk encryption sets: `EncryptionAtRestWithCustomerKey`, automatic key rotation off,
 *   `previousKeys: []`;
 * - Machine Learning workspaces: kind Default, SKU Basic, not high business impact;
 * - disks: Premium_LRS, 128 GiB, empty data disks, `Unattached` unless a VM manages them;
 * - VMs: Standard_D2s_v5, running, with their instance view;
 * - role assignments: principal type ServicePrincipal, role definition id under the subscription
 *   of the scope, a generated name;
 * - consumers made with {@link cmkConsumer}: the access a CMK consumer needs, as the vault grants it.
 *
 * @example
 * const b = new TenantBuilder({ seed: "rotation" });
 * const sub = b.subscription("0b1f6471-1bf0-4dda-aec3-111111111111", "prod");
 * const vault = b.vault({ subscriptionId: sub, resourceGroup: "rg-keys", name: "kv-cmk" });
 * const key = b.key(vault.url, "cmk", [{ createdOn: "2026-01-01T00:00:00Z" }]);
 * const des = b.cmkConsumer({ kind: "diskEncryptionSet", subscriptionId: sub, resourceGroup: "rg-compute",
 *   name: "des", key: { vault, keyName: "cmk", version: key.versions[0]! } });
 * const tenant = b.build();
 */
export class TenantBuilder {
  /** The tenant's Entra id, also written into identities, vaults and access policies. */
  readonly tenantId: string;
  /** Region of resources that name none. */
  readonly location: string;
  /** The seeded id source; helpers that add resources draw from it so the tenant stays reproducible. */
  readonly ids: DeterministicIds;
  private readonly createdAt: string;
  private readonly createdBy: string;
  private readonly subscriptions: TenantSubscription[] = [];
  private readonly subscriptionIds = new Set<string>();
  private readonly resources: ArmResource[] = [];
  private readonly resourceIds = new Set<string>();
  private keyVaults: TenantFile["keyVaults"] = {};
  private readonly deletedVaults: TenantDeletedVault[] = [];
  private readonly accessPolicies = new Map<string, Record<string, unknown>[]>();
  private readonly vmBodies = new Map<string, { body: ArmResource; powerState: PowerState }>();
  private readonly diskUniqueIds = new Map<string, string>();
  private readonly hubProjects = new Map<string, string[]>();
  /** Machine Learning workspaces and endpoints built here, by lower-case id: children need their body. */
  private readonly mlParents = new Map<string, ArmResource>();
  private readonly rbacVaults = new Set<string>();

  constructor(options: TenantBuilderOptions = {}) {
    this.ids = new DeterministicIds(options.seed ?? "tenant");
    this.tenantId = options.tenantId ?? this.ids.guid("tenant");
    this.location = options.location ?? "westeurope";
    this.createdAt = options.createdAt ?? "2026-01-15T09:00:00.0000000Z";
    this.createdBy = options.createdBy ?? "platform-team@contoso.com";
  }

  /** Adds a subscription; returns its id. */
  subscription(
    subscriptionId: string,
    displayName: string,
    options: { managementGroupId?: string; state?: string } = {},
  ): string {
    if (this.subscriptionIds.has(idKey(subscriptionId))) {
      throw new Error(`subscription ${subscriptionId} was added twice`);
    }
    this.subscriptionIds.add(idKey(subscriptionId));
    this.subscriptions.push({ subscriptionId, displayName, ...options });
    return subscriptionId;
  }

  /** Adds any ARM resource body as given (for types the builder has no method for). */
  resource(body: ArmResource): ResourceRef {
    this.add(body);
    return {
      id: body.id,
      name: body.name,
      type: body.type,
      subscriptionId: /^\/subscriptions\/([^/]+)/i.exec(body.id)?.[1] ?? "",
      resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(body.id)?.[1] ?? "",
      location: body.location ?? this.location,
    };
  }

  private add(body: ArmResource): void {
    if (this.resourceIds.has(idKey(body.id))) throw new Error(`resource ${body.id} was added twice`);
    this.resourceIds.add(idKey(body.id));
    this.resources.push(body);
  }

  private place(p: ResourcePlacement, provider: string): { id: string; location: string; createdAt: string } {
    return {
      id: `/subscriptions/${p.subscriptionId}/resourceGroups/${p.resourceGroup}/providers/${provider}/${p.name}`,
      location: p.location ?? this.location,
      createdAt: p.createdAt ?? this.createdAt,
    };
  }

  private systemData(createdAt: string): Record<string, unknown> {
    return {
      createdBy: this.createdBy,
      createdByType: "User",
      createdAt,
      lastModifiedBy: this.createdBy,
      lastModifiedByType: "User",
      lastModifiedAt: createdAt,
    };
  }

  /**
   * The `identity` block and the system-assigned principal id. `separator` is how the provider
   * writes the combined type (`SystemAssigned, UserAssigned` or, for Machine Learning, without space).
   */
  private identity(
    options: IdentityOptions,
    separator = ", ",
  ): { body?: Record<string, unknown>; principalId?: string } {
    const spec = options.identity ?? "SystemAssigned";
    if (spec === "None") return {};
    const system = spec === "SystemAssigned" || spec.systemAssigned === true;
    const principalId = system ? (options.principalId ?? this.ids.guid("principal")) : undefined;
    if (spec === "SystemAssigned") {
      return { body: { principalId, tenantId: this.tenantId, type: "SystemAssigned" }, principalId };
    }
    const userAssignedIdentities: Record<string, unknown> = {};
    for (const uai of spec.userAssigned) {
      userAssignedIdentities[uai.id] = { principalId: uai.principalId, clientId: uai.clientId };
    }
    return {
      body: {
        ...(principalId === undefined ? {} : { principalId, tenantId: this.tenantId }),
        type: system ? `SystemAssigned${separator}UserAssigned` : "UserAssigned",
        userAssignedIdentities,
      },
      ...(principalId === undefined ? {} : { principalId }),
    };
  }

  private ref(body: ArmResource, p: ResourcePlacement, location: string, principalId?: string): ResourceRef {
    this.add(body);
    return {
      id: body.id,
      name: body.name,
      type: body.type,
      subscriptionId: p.subscriptionId,
      resourceGroup: p.resourceGroup,
      location,
      ...(principalId === undefined ? {} : { principalId }),
    };
  }

  /** A user-assigned managed identity. */
  userAssignedIdentity(p: ResourcePlacement): UserAssignedIdentityRef {
    const { id, location } = this.place(p, "Microsoft.ManagedIdentity/userAssignedIdentities");
    const principalId = this.ids.guid("principal");
    const clientId = this.ids.guid("client");
    const ref = this.ref(
      {
        id,
        name: p.name,
        type: "Microsoft.ManagedIdentity/userAssignedIdentities",
        location,
        tags: p.tags ?? {},
        properties: { tenantId: this.tenantId, principalId, clientId },
      },
      p,
      location,
    );
    return { ...ref, principalId, clientId };
  }

  /** A Key Vault (`Microsoft.KeyVault/vaults`); its keys are added with {@link key}. */
  vault(options: VaultOptions): VaultRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.KeyVault/vaults");
    const url = `https://${options.name.toLowerCase()}.${options.domain ?? "vault.azure.net"}`;
    const policies = (options.accessPolicies ?? []).map((ap) => this.accessPolicy(ap));
    this.accessPolicies.set(idKey(id), policies);
    const softDelete = options.softDelete ?? true;
    const properties: Record<string, unknown> = {
      sku: { family: "A", name: options.sku ?? "standard" },
      tenantId: this.tenantId,
      ...(options.networkAcls === undefined
        ? {}
        : {
            networkAcls: {
              bypass: options.networkAcls.bypass,
              defaultAction: options.networkAcls.defaultAction,
              ipRules: (options.networkAcls.ipRules ?? []).map((value) => ({ value })),
              virtualNetworkRules: [],
            },
          }),
      accessPolicies: policies,
      enabledForDeployment: false,
      enabledForDiskEncryption: false,
      enabledForTemplateDeployment: false,
      enableSoftDelete: softDelete,
      ...(softDelete ? { softDeleteRetentionInDays: options.softDeleteRetentionInDays ?? 90 } : {}),
      enableRbacAuthorization: options.rbac ?? false,
      ...((options.purgeProtection ?? true) ? { enablePurgeProtection: true } : {}),
      vaultUri: `${url}/`,
      provisioningState: "Succeeded",
      publicNetworkAccess: options.publicNetworkAccess ?? "Enabled",
    };
    const ref = this.ref(
      {
        id,
        name: options.name,
        type: "Microsoft.KeyVault/vaults",
        location,
        tags: options.tags ?? {},
        systemData: this.systemData(createdAt),
        properties,
      },
      options,
      location,
    );
    this.keyVaults[url] ??= { keys: {} };
    if (options.rbac === true) this.rbacVaults.add(idKey(id));
    return { ...ref, url, uri: `${url}/` };
  }

  /**
   * A Managed HSM pool (`Microsoft.KeyVault/managedHSMs`, in the shape of the 2024-11-01
   * `ManagedHsm_Get` example) served at `https://{name}.managedhsm.azure.net`; its keys are added
   * with {@link key} and its local RBAC role assignments with {@link hsmRoleAssignment}.
   */
  managedHsm(options: ManagedHsmOptions): VaultRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.KeyVault/managedHSMs");
    const url = `https://${options.name.toLowerCase()}.managedhsm.azure.net`;
    const properties: Record<string, unknown> = {
      tenantId: this.tenantId,
      initialAdminObjectIds: [...(options.initialAdminObjectIds ?? [this.ids.guid("hsm-admin")])],
      hsmUri: `${url}/`,
      enableSoftDelete: options.softDelete ?? true,
      softDeleteRetentionInDays: options.softDeleteRetentionInDays ?? 90,
      enablePurgeProtection: options.purgeProtection ?? true,
      ...(options.networkAcls === undefined
        ? {}
        : {
            networkAcls: {
              bypass: options.networkAcls.bypass,
              defaultAction: options.networkAcls.defaultAction,
              ipRules: [],
              virtualNetworkRules: [],
            },
          }),
      publicNetworkAccess: options.publicNetworkAccess ?? "Enabled",
      provisioningState: "Succeeded",
      statusMessage: "The Managed HSM is provisioned and ready to use.",
      securityDomainProperties: {
        activationStatus: "Active",
        activationStatusMessage: "Your HSM has been activated and can be used for cryptographic operations.",
      },
      regions: [],
    };
    const ref = this.ref(
      {
        id,
        name: options.name,
        type: "Microsoft.KeyVault/managedHSMs",
        location,
        sku: { family: "B", name: "Standard_B1" },
        tags: options.tags ?? {},
        systemData: this.systemData(createdAt),
        properties,
      },
      options,
      location,
    );
    this.keyVaults[url] ??= { keys: {} };
    return { ...ref, url, uri: `${url}/` };
  }

  /**
   * Adds a local RBAC role assignment to a Managed HSM of this builder (the tenant file's
   * `keyVaults[hsm].roleAssignments`), at `/` unless a scope is given.
   */
  hsmRoleAssignment(hsm: VaultRef | string, options: HsmRoleAssignmentOptions): this {
    const url = trimSlash(typeof hsm === "string" ? hsm : hsm.url);
    const entry = this.keyVaults[url];
    if (entry === undefined || !/\.managedhsm\./i.test(new URL(url).hostname))
      throw new Error(`no Managed HSM ${url} in this builder`);
    const guid =
      typeof options.role === "string" ? MANAGED_HSM_ROLES[options.role] : options.role.roleDefinitionGuid;
    (entry.roleAssignments ??= []).push({
      name: options.name ?? this.ids.guid("hsm-role-assignment"),
      scope: options.scope ?? "/",
      roleDefinitionId: `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/${guid}`,
      principalId: options.principalId,
    });
    return this;
  }

  private accessPolicy(ap: AccessPolicySpec): Record<string, unknown> {
    return {
      tenantId: ap.tenantId ?? this.tenantId,
      objectId: ap.objectId,
      permissions: { keys: [...ap.keys] },
    };
  }

  /** Adds an access policy to a vault of this builder (default: the permissions a CMK consumer needs). */
  grantKeyAccess(
    vault: VaultRef | string,
    objectId: string,
    keys: readonly string[] = CMK_KEY_PERMISSIONS,
  ): this {
    const id = typeof vault === "string" ? vault : vault.id;
    const policies = this.accessPolicies.get(idKey(id));
    if (policies === undefined) throw new Error(`no vault ${id} in this builder`);
    policies.push(this.accessPolicy({ objectId, keys }));
    return this;
  }

  /**
   * Adds versions of a key to a vault's data plane (again for the same name appends). Versions are
   * listed oldest first by convention; the emulator orders them by `createdOn` anyway.
   */
  key(vault: VaultRef | string, name: string, versions: readonly KeyVersionSpec[]): KeyRef {
    const vaultUrl = trimSlash(typeof vault === "string" ? vault : vault.url);
    const keys = (this.keyVaults[vaultUrl] ??= { keys: {} }).keys;
    const list = (keys[name] ??= []);
    for (const spec of versions) {
      list.push(keyVersion({ ...spec, version: spec.version ?? this.ids.hex32("key-version") }));
    }
    const all = list.map((v) => v.version);
    return {
      vaultUrl,
      name,
      versions: all,
      versionIds: all.map((v) => `${vaultUrl}/keys/${name}/${v}`),
      id: `${vaultUrl}/keys/${name}`,
    };
  }

  /**
   * Soft-deletes a key: all its versions move to the vault's `deletedKeys`, where Key Vault keeps
   * them until the purge date (the deletion date plus the vault's retention period when not given).
   * Reading the key then answers 404 and `GET {vault}/deletedkeys/{name}` finds it.
   */
  deleteKey(key: KeyRef, options: { deletedDate: string; scheduledPurgeDate?: string }): this {
    const vault = this.keyVaults[trimSlash(key.vaultUrl)];
    const versions = vault?.keys[key.name];
    if (vault === undefined || versions === undefined) throw new Error(`no key ${key.id} in this builder`);
    vault.keys = Object.fromEntries(Object.entries(vault.keys).filter(([name]) => name !== key.name));
    vault.deletedKeys = {
      ...vault.deletedKeys,
      [key.name]: {
        deletedDate: options.deletedDate,
        ...(options.scheduledPurgeDate === undefined
          ? {}
          : { scheduledPurgeDate: options.scheduledPurgeDate }),
        versions,
      },
    };
    return this;
  }

  /**
   * Deletes a vault as ARM does with soft delete on: the vault resource and everything scoped to it
   * (its role assignments) go, its data plane goes, and a deleted vault is recorded under its
   * subscription and location (`deletedVaults`), recoverable until the purge date (the deletion date
   * plus the retention period when not given).
   */
  deleteVault(vault: VaultRef, options: { deletionDate: string; scheduledPurgeDate?: string }): this {
    const index = this.resources.findIndex((r) => idKey(r.id) === idKey(vault.id));
    const body = this.resources[index];
    if (body === undefined) throw new Error(`no vault ${vault.id} in this builder`);
    const below = `${idKey(vault.id)}/`;
    for (let i = this.resources.length - 1; i >= 0; i--) {
      const id = this.resources[i]?.id ?? "";
      if (i === index || idKey(id).startsWith(below)) {
        this.resources.splice(i, 1);
        this.resourceIds.delete(idKey(id));
      }
    }
    const url = trimSlash(vault.url);
    this.keyVaults = Object.fromEntries(Object.entries(this.keyVaults).filter(([u]) => u !== url));
    const properties = body.properties ?? {};
    const days =
      typeof properties.softDeleteRetentionInDays === "number" ? properties.softDeleteRetentionInDays : 90;
    const location = (body.location ?? this.location).toLowerCase().replace(/\s+/g, "");
    this.deletedVaults.push({
      id: `/subscriptions/${vault.subscriptionId}/providers/Microsoft.KeyVault/locations/${location}/deletedVaults/${vault.name}`,
      name: vault.name,
      type: "Microsoft.KeyVault/deletedVaults",
      properties: {
        vaultId: vault.id,
        location,
        deletionDate: options.deletionDate,
        scheduledPurgeDate:
          options.scheduledPurgeDate ??
          new Date(Date.parse(options.deletionDate) + days * 24 * 60 * 60 * 1000).toISOString(),
        tags: { ...(body.tags ?? {}) },
        purgeProtectionEnabled: properties.enablePurgeProtection === true,
      },
    });
    return this;
  }

  /** An Azure OpenAI / AI services account (`Microsoft.CognitiveServices/accounts`). */
  aiServicesAccount(options: AiServicesAccountOptions): ResourceRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.CognitiveServices/accounts");
    const identity = this.identity(options);
    const subdomain = options.name.toLowerCase();
    const openAiEndpoint = `https://${subdomain}.openai.azure.com/`;
    const endpoint =
      options.kind === "OpenAI" ? openAiEndpoint : `https://${subdomain}.cognitiveservices.azure.com/`;
    const endpoints: Record<string, string> =
      options.kind === "OpenAI"
        ? {
            "OpenAI Language Model Instance API": openAiEndpoint,
            "OpenAI Dall-E API": openAiEndpoint,
            "OpenAI Realtime API": openAiEndpoint,
          }
        : {
            "AI Foundry API": `https://${subdomain}.services.ai.azure.com/`,
            "OpenAI Language Model Instance API": openAiEndpoint,
            "Azure AI Model Inference API": `https://${subdomain}.services.ai.azure.com/`,
            "Content Safety": endpoint,
          };
    let encryption: Record<string, unknown> | undefined;
    if (options.cmk !== undefined) {
      encryption = {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: {
          keyName: options.cmk.keyName,
          ...(options.cmk.keyVersion === undefined ? {} : { keyVersion: options.cmk.keyVersion }),
          keyVaultUri: options.cmk.vaultUri ?? `${trimSlash(options.cmk.vaultUrl)}/`,
          ...(options.cmk.identityClientId === undefined
            ? {}
            : { identityClientId: options.cmk.identityClientId }),
        },
      };
    } else if (options.explicitMicrosoftManagedKey === true) {
      encryption = { keySource: "Microsoft.CognitiveServices" };
    }
    return this.ref(
      {
        id,
        name: options.name,
        type: "Microsoft.CognitiveServices/accounts",
        kind: options.kind,
        location,
        sku: { name: options.sku ?? "S0" },
        tags: options.tags ?? {},
        ...(identity.body === undefined ? {} : { identity: identity.body }),
        systemData: this.systemData(createdAt),
        properties: {
          endpoint,
          internalId: this.ids.hex32("internal-id"),
          dateCreated: createdAt,
          isMigrated: false,
          customSubDomainName: subdomain,
          networkAcls: { defaultAction: "Allow", virtualNetworkRules: [], ipRules: [] },
          privateEndpointConnections: [],
          publicNetworkAccess: options.publicNetworkAccess ?? "Enabled",
          endpoints,
          ...(encryption === undefined ? {} : { encryption }),
          ...(options.kind === "AIServices" ? { allowProjectManagement: false } : {}),
          provisioningState: "Succeeded",
        },
      },
      options,
      location,
      identity.principalId,
    );
  }

  /** A disk encryption set (`Microsoft.Compute/diskEncryptionSets`). */
  diskEncryptionSet(options: DiskEncryptionSetOptions): ResourceRef {
    const { id, location } = this.place(options, "Microsoft.Compute/diskEncryptionSets");
    const identity = this.identity(options);
    return this.ref(
      {
        id,
        name: options.name,
        type: "Microsoft.Compute/diskEncryptionSets",
        location,
        tags: options.tags ?? {},
        ...(identity.body === undefined ? {} : { identity: identity.body }),
        properties: {
          activeKey: {
            ...(options.sourceVaultId === undefined ? {} : { sourceVault: { id: options.sourceVaultId } }),
            keyUrl: options.keyUrl,
          },
          encryptionType: options.encryptionType ?? "EncryptionAtRestWithCustomerKey",
          rotationToLatestKeyVersionEnabled: options.autoRotation ?? false,
          previousKeys: (options.previousKeys ?? []).map((keyUrl) => ({ keyUrl })),
          ...(options.lastKeyRotationTimestamp === undefined
            ? {}
            : { lastKeyRotationTimestamp: options.lastKeyRotationTimestamp }),
          ...(options.autoKeyRotationError === undefined
            ? {}
            : { autoKeyRotationError: options.autoKeyRotationError }),
          provisioningState: "Succeeded",
        },
      },
      options,
      location,
      identity.principalId,
    );
  }

  /**
   * A customer-managed-key consumer of any type the service rotates, on `key`, with its identity
   * given access to the vault (see {@link CmkConsumerOptions.access}): the one call behind
   * `addBulkConsumers`, the chaos tenant and the single-key preset. With a user-assigned
   * identity, AI services accounts and Machine Learning workspaces name it as the identity that
   * reaches the key (`identityClientId`).
   */
  cmkConsumer(options: CmkConsumerOptions): ResourceRef {
    const {
      kind,
      key,
      access = "auto",
      autoRotation,
      spelling = (uri: string) => uri,
      ...placement
    } = options;
    const { vault, keyName, version } = key;
    const keyUrl = spelling(`${vault.url}/keys/${keyName}/${version}`);
    const identity = placement.identity ?? "SystemAssigned";
    const uai = typeof identity === "object" ? identity.userAssigned[0] : undefined;
    let ref: ResourceRef;
    switch (kind) {
      case "diskEncryptionSet":
        ref = this.diskEncryptionSet({
          ...placement,
          keyUrl,
          sourceVaultId: vault.id,
          ...(autoRotation === undefined ? {} : { autoRotation }),
        });
        break;
      case "openAI":
      case "aiServices":
        ref = this.aiServicesAccount({
          ...placement,
          kind: kind === "openAI" ? "OpenAI" : "AIServices",
          cmk: {
            vaultUrl: vault.url,
            vaultUri: spelling(vault.uri),
            keyName,
            keyVersion: version,
            ...(uai === undefined ? {} : { identityClientId: uai.clientId }),
          },
        });
        break;
      case "mlWorkspace":
        ref = this.mlWorkspace({
          ...placement,
          cmk: {
            vaultId: vault.id,
            keyId: keyUrl,
            ...(uai === undefined ? {} : { identityClientId: uai.clientId, userAssignedIdentity: uai.id }),
          },
        });
        break;
    }
    const grantee = uai?.principalId ?? ref.principalId;
    if (access !== "none" && grantee !== undefined) {
      if (access === "auto" && this.rbacVaults.has(idKey(vault.id))) {
        this.roleAssignment({
          scope: vault.id,
          principalId: grantee,
          roleDefinitionName: "Key Vault Crypto Service Encryption User",
        });
      } else {
        this.grantKeyAccess(vault, grantee, access === "auto" ? CMK_KEY_PERMISSIONS : access);
      }
    }
    return ref;
  }

  /** A virtual machine, with its instance view (power state); disks built later attach to it. */
  virtualMachine(options: VirtualMachineOptions): ResourceRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.Compute/virtualMachines");
    const powerState = options.powerState ?? "running";
    const body: ArmResource = {
      id,
      name: options.name,
      type: "Microsoft.Compute/virtualMachines",
      location,
      tags: options.tags ?? {},
      properties: {
        vmId: this.ids.guid("vm-id"),
        hardwareProfile: { vmSize: options.vmSize ?? "Standard_D2s_v5" },
        storageProfile: { dataDisks: [] },
        provisioningState: "Succeeded",
        timeCreated: createdAt,
        ...(options.instanceView === false
          ? {}
          : {
              instanceView: {
                statuses: [
                  {
                    code: "ProvisioningState/succeeded",
                    level: "Info",
                    displayStatus: "Provisioning succeeded",
                    time: createdAt,
                  },
                  {
                    code: `PowerState/${powerState}`,
                    level: "Info",
                    displayStatus: POWER_STATE_DISPLAY[powerState],
                  },
                ],
              },
            }),
      },
    };
    this.vmBodies.set(idKey(id), { body, powerState });
    return this.ref(body, options, location);
  }

  /** A managed disk; with `managedBy` naming a VM of this builder it also joins that VM's storage profile. */
  disk(options: DiskOptions): ResourceRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.Compute/disks");
    const sizeGB = options.sizeGB ?? 128;
    const skuName = options.sku ?? "Premium_LRS";
    const vm = options.managedBy === undefined ? undefined : this.vmBodies.get(idKey(options.managedBy));
    const diskState =
      options.diskState ??
      (options.managedBy === undefined
        ? "Unattached"
        : vm?.powerState === "deallocated"
          ? "Reserved"
          : "Attached");
    const encryption = encryptionBody(options.encryption);
    const premium = skuName.startsWith("Premium") ? PREMIUM_TIERS.find(([max]) => sizeGB <= max) : undefined;
    const body: ArmResource = {
      id,
      name: options.name,
      type: "Microsoft.Compute/disks",
      location,
      tags: options.tags ?? {},
      ...(options.managedBy === undefined ? {} : { managedBy: options.managedBy }),
      sku: { name: skuName, tier: skuName.startsWith("Premium") ? "Premium" : "Standard" },
      properties: {
        ...(options.osType === undefined
          ? { creationData: { createOption: "Empty" } }
          : {
              osType: options.osType,
              hyperVGeneration: "V2",
              creationData: {
                createOption: "FromImage",
                imageReference: {
                  id:
                    options.osType === "Linux"
                      ? `/Subscriptions/${options.subscriptionId}/Providers/Microsoft.Compute/Locations/${location}/Publishers/canonical/ArtifactTypes/VMImage/Offers/ubuntu-24_04-lts/Skus/server/Versions/24.04.202510010`
                      : `/Subscriptions/${options.subscriptionId}/Providers/Microsoft.Compute/Locations/${location}/Publishers/MicrosoftWindowsServer/ArtifactTypes/VMImage/Offers/WindowsServer/Skus/2022-datacenter-azure-edition/Versions/20348.4294.251010`,
                },
              },
            }),
        diskSizeGB: sizeGB,
        ...(premium === undefined ? {} : { diskIOPSReadWrite: premium[2], diskMBpsReadWrite: premium[3] }),
        encryption,
        ...(options.azureDiskEncryption === undefined
          ? {}
          : {
              encryptionSettingsCollection: azureDiskEncryptionSettings(
                options,
                options.azureDiskEncryption.enabled,
              ),
            }),
        ...(options.securityProfile === undefined ? {} : { securityProfile: { ...options.securityProfile } }),
        networkAccessPolicy: "AllowAll",
        publicNetworkAccess: "Enabled",
        timeCreated: createdAt,
        provisioningState: "Succeeded",
        diskState,
        diskSizeBytes: sizeGB * 1024 * 1024 * 1024,
        uniqueId: this.ids.guid("disk-unique-id"),
        ...(premium === undefined ? {} : { tier: premium[1] }),
      },
    };
    if (vm !== undefined) this.attachToVm(vm.body, options, id, skuName, sizeGB);
    this.diskUniqueIds.set(idKey(id), (body.properties as { uniqueId: string }).uniqueId);
    return this.ref(body, options, location);
  }

  /**
   * A snapshot of a disk of this builder, incremental by default (DiskRP `Snapshot`, example
   * Snapshot_GetIncrementalSnapshot.json: `creationData {createOption: Copy, sourceResourceId,
   * sourceUniqueId}`, `incremental`, `incrementalSnapshotFamilyId`).
   */
  snapshot(options: SnapshotOptions): ResourceRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.Compute/snapshots");
    const sourceUniqueId =
      this.diskUniqueIds.get(idKey(options.source.id)) ?? this.ids.guid("snapshot-source");
    const body: ArmResource = {
      id,
      name: options.name,
      type: "Microsoft.Compute/snapshots",
      location,
      tags: options.tags ?? {},
      sku: { name: "Standard_ZRS", tier: "Standard" },
      properties: {
        creationData: { createOption: "Copy", sourceResourceId: options.source.id, sourceUniqueId },
        diskSizeGB: 128,
        encryption: encryptionBody(options.encryption ?? "platform"),
        incremental: options.incremental ?? true,
        incrementalSnapshotFamilyId: this.ids.guid(`snapshot-family-${idKey(options.source.id)}`),
        networkAccessPolicy: "AllowAll",
        publicNetworkAccess: "Enabled",
        timeCreated: createdAt,
        provisioningState: "Succeeded",
        diskState: "Unattached",
        uniqueId: this.ids.guid("snapshot-unique-id"),
        completionPercent: 100,
      },
    };
    return this.ref(body, options, location);
  }

  private attachToVm(
    vm: ArmResource,
    options: DiskOptions,
    diskId: string,
    skuName: string,
    sizeGB: number,
  ): void {
    const storage = (vm.properties as { storageProfile: { dataDisks: unknown[] } }).storageProfile;
    const managedDisk = {
      storageAccountType: skuName,
      ...(options.encryption === "platform" ? {} : { diskEncryptionSet: { id: options.encryption.desId } }),
      id: diskId,
    };
    if (options.osType !== undefined) {
      // Rebuilt rather than assigned so the OS disk comes first, as ARM lists it.
      (vm.properties as Record<string, unknown>).storageProfile = {
        osDisk: {
          osType: options.osType,
          name: options.name,
          createOption: "FromImage",
          caching: "ReadWrite",
          managedDisk,
          deleteOption: "Delete",
          diskSizeGB: sizeGB,
        },
        dataDisks: storage.dataDisks,
      };
    } else {
      storage.dataDisks.push({
        lun: storage.dataDisks.length,
        name: options.name,
        createOption: "Attach",
        caching: "None",
        managedDisk,
        deleteOption: "Detach",
        diskSizeGB: sizeGB,
        toBeDetached: false,
      });
    }
  }

  /** A Machine Learning workspace (Default, Hub, Project or FeatureStore). */
  mlWorkspace(options: MlWorkspaceOptions): ResourceRef {
    const { id, location, createdAt } = this.place(options, "Microsoft.MachineLearningServices/workspaces");
    const kind = options.kind ?? "Default";
    const identity = this.identity(options, ",");
    const rg = `/subscriptions/${options.subscriptionId}/resourceGroups/${options.resourceGroup}/providers`;
    const short = compactName(options.name).slice(0, 16);
    const suffix = this.ids.hex32("ml-suffix");
    // Projects use their Hub's storage, vault and monitoring; other kinds own a set.
    const associated =
      kind === "Project"
        ? {}
        : {
            storageAccount: `${rg}/Microsoft.Storage/storageAccounts/st${short}${suffix.slice(0, 6)}`,
            keyVault: `${rg}/Microsoft.KeyVault/vaults/kv${short}${suffix.slice(6, 12)}`,
            applicationInsights: `${rg}/Microsoft.insights/components/appi${short}${suffix.slice(12, 18)}`,
          };
    const cmk = options.cmk;
    const encryption =
      cmk === undefined
        ? undefined
        : {
            status: "Enabled",
            ...(cmk.userAssignedIdentity === undefined
              ? {}
              : { identity: { userAssignedIdentity: cmk.userAssignedIdentity } }),
            keyVaultProperties: {
              keyVaultArmId: cmk.vaultId,
              keyIdentifier: cmk.keyId,
              identityClientId: cmk.identityClientId ?? "",
            },
          };
    const properties: Record<string, unknown> = {
      friendlyName: options.name,
      ...associated,
      hbiWorkspace: options.hbi ?? false,
      discoveryUrl: `https://${location}.api.azureml.ms/discovery`,
      workspaceId: this.ids.guid("workspace-id"),
      mlFlowTrackingUri: `azureml://${location}.api.azureml.ms/mlflow/v1.0${id}`,
      tenantId: this.tenantId,
      storageHnsEnabled: false,
      v1LegacyMode: false,
      publicNetworkAccess: options.publicNetworkAccess ?? "Enabled",
      privateLinkCount: 0,
      privateEndpointConnections: [],
      ...(encryption === undefined ? {} : { encryption }),
      ...(options.serviceSideEncryption === undefined
        ? {}
        : { enableServiceSideCMKEncryption: options.serviceSideEncryption }),
      // The Microsoft-managed group that holds the CMK-encrypted metadata (not with service-side encryption).
      ...(encryption !== undefined && options.serviceSideEncryption !== true
        ? { serviceProvisionedResourceGroup: `azureml-rg-${options.name}_${this.ids.guid("managed-rg")}` }
        : {}),
      ...(kind === "Project" && options.hubId !== undefined ? { hubResourceId: options.hubId } : {}),
      ...(kind === "Hub" ? { associatedWorkspaces: this.projectsOf(id) } : {}),
      provisioningState: "Succeeded",
    };
    if (kind === "Project" && options.hubId !== undefined) this.projectsOf(options.hubId).push(id);
    const body: ArmResource = {
      id,
      name: options.name,
      type: "Microsoft.MachineLearningServices/workspaces",
      kind,
      location,
      sku: { name: "Basic", tier: "Basic" },
      tags: options.tags ?? {},
      ...(identity.body === undefined ? {} : { identity: identity.body }),
      systemData: this.systemData(createdAt),
      properties,
    };
    this.mlParents.set(idKey(id), body);
    return this.ref(body, options, location, identity.principalId);
  }

  /** The (shared, growing) list of a Hub's projects, filled as projects are added in any order. */
  private projectsOf(hubId: string): string[] {
    let list = this.hubProjects.get(idKey(hubId));
    if (list === undefined) {
      list = [];
      this.hubProjects.set(idKey(hubId), list);
    }
    return list;
  }

  /**
   * A child of a Machine Learning workspace (or endpoint) of this builder: `{parent}/{collection}/{name}`,
   * with the parent's location and `systemData`. Shapes follow the Machine Learning 2025-09-01 list
   * examples vendored in test/conformance/material (Compute, OnlineEndpoint, BatchDeployment,
   * Datastore, WorkspaceConnection, ModelContainer, Schedule, PrivateEndpointConnection).
   */
  private mlChild(
    parent: ResourceRef | string,
    collection: string,
    name: string,
    extra: Omit<ArmResource, "id" | "name" | "type">,
    tracked = true,
    onBody?: (body: ArmResource) => void,
  ): ResourceRef {
    const parentId = typeof parent === "string" ? parent : parent.id;
    const parentBody = this.mlParents.get(idKey(parentId));
    if (parentBody === undefined)
      throw new Error(`no Machine Learning workspace or endpoint ${parentId} in this builder`);
    const body: ArmResource = {
      id: `${parentId}/${collection}/${name}`,
      name,
      type: `${parentBody.type}/${collection}`,
      ...(tracked && parentBody.location !== undefined ? { location: parentBody.location, tags: {} } : {}),
      ...extra,
      systemData: this.systemData(this.createdAt),
    };
    this.add(body);
    onBody?.(body);
    return {
      id: body.id,
      name,
      type: body.type,
      subscriptionId: /^\/subscriptions\/([^/]+)/i.exec(parentId)?.[1] ?? "",
      resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(parentId)?.[1] ?? "",
      location: parentBody.location ?? this.location,
    };
  }

  /** A compute of a workspace: an instance, a cluster, or attached compute (Kubernetes, a VM...). */
  mlCompute(workspace: ResourceRef | string, options: MlComputeOptions): ResourceRef {
    const attached = options.computeType !== "ComputeInstance" && options.computeType !== "AmlCompute";
    const location = this.mlParents.get(
      idKey(typeof workspace === "string" ? workspace : workspace.id),
    )?.location;
    return this.mlChild(workspace, "computes", options.name, {
      properties: {
        computeType: options.computeType,
        ...(location === undefined ? {} : { computeLocation: location }),
        ...(options.description === undefined ? {} : { description: options.description }),
        createdOn: this.createdAt,
        modifiedOn: this.createdAt,
        ...(options.attachedResourceId === undefined ? {} : { resourceId: options.attachedResourceId }),
        provisioningState: "Succeeded",
        isAttachedCompute: attached,
        disableLocalAuth: true,
        ...(attached ? {} : { properties: { vmSize: options.vmSize ?? "Standard_DS3_v2" } }),
      },
    });
  }

  /** An online or batch endpoint of a workspace; its deployments are added with {@link mlDeployment}. */
  mlEndpoint(workspace: ResourceRef | string, options: MlEndpointOptions): ResourceRef {
    const online = options.kind === "online";
    const location =
      this.mlParents.get(idKey(typeof workspace === "string" ? workspace : workspace.id))?.location ??
      this.location;
    const uri = `https://${options.name.toLowerCase()}.${location}.inference.ml.azure.com`;
    return this.mlChild(
      workspace,
      online ? "onlineEndpoints" : "batchEndpoints",
      options.name,
      {
        ...(online ? { kind: "Managed" } : {}),
        identity: {
          type: "SystemAssigned",
          principalId: this.ids.guid("principal"),
          tenantId: this.tenantId,
        },
        properties: {
          authMode: options.authMode ?? (online ? "Key" : "AADToken"),
          scoringUri: online ? `${uri}/score` : `${uri}/jobs`,
          ...(online ? { swaggerUri: `${uri}/swagger.json`, traffic: {} } : { defaults: {} }),
          provisioningState: "Succeeded",
        },
      },
      true,
      (body) => this.mlParents.set(idKey(body.id), body),
    );
  }

  /**
   * A deployment of an endpoint of this builder. An online endpoint's first deployment takes all its
   * traffic; a batch endpoint's first becomes its default.
   */
  mlDeployment(endpoint: ResourceRef | string, options: MlDeploymentOptions): ResourceRef {
    const endpointId = typeof endpoint === "string" ? endpoint : endpoint.id;
    const parent = this.mlParents.get(idKey(endpointId));
    if (parent === undefined) throw new Error(`no Machine Learning endpoint ${endpointId} in this builder`);
    const online = parent.type.toLowerCase().endsWith("/onlineendpoints");
    const model = options.model ?? "azureml:model:1";
    const ref = this.mlChild(endpointId, "deployments", options.name, {
      ...(online ? { kind: "Managed", sku: { name: "Default", capacity: 1 } } : {}),
      properties: online
        ? {
            endpointComputeType: "Managed",
            model,
            instanceType: options.instanceType ?? "Standard_DS3_v2",
            provisioningState: "Succeeded",
          }
        : {
            model: { referenceType: "Id", assetId: model },
            compute: "cpu-cluster",
            resources: { instanceCount: 1 },
            provisioningState: "Succeeded",
          },
    });
    const props = parent.properties as Record<string, unknown>;
    if (online) {
      const traffic = props.traffic as Record<string, number>;
      if (Object.keys(traffic).length === 0) traffic[options.name] = 100;
    } else {
      const defaults = props.defaults as Record<string, unknown>;
      defaults.deploymentName ??= options.name;
    }
    return ref;
  }

  /** A datastore of a workspace (credentials are never returned by ARM, so none are written). */
  mlDatastore(workspace: ResourceRef | string, options: MlDatastoreOptions): ResourceRef {
    return this.mlChild(
      workspace,
      "datastores",
      options.name,
      {
        properties: {
          datastoreType: options.datastoreType ?? "AzureBlob",
          accountName: options.accountName,
          containerName: options.containerName,
          endpoint: "core.windows.net",
          protocol: "https",
          isDefault: options.isDefault ?? false,
          credentials: { credentialsType: "AccountKey" },
          tags: {},
        },
      },
      false,
    );
  }

  /** A connection of a workspace (secrets are not returned by a list). */
  mlConnection(workspace: ResourceRef | string, options: MlConnectionOptions): ResourceRef {
    return this.mlChild(
      workspace,
      "connections",
      options.name,
      {
        properties: {
          category: options.category,
          target: options.target,
          authType: options.authType ?? "ApiKey",
        },
      },
      false,
    );
  }

  /** A registered asset's container: a model, environment, component or data asset and its latest version. */
  mlAsset(workspace: ResourceRef | string, options: MlAssetOptions): ResourceRef {
    const collection = {
      model: "models",
      environment: "environments",
      component: "components",
      data: "data",
    }[options.kind];
    const latest = options.latestVersion ?? "1";
    return this.mlChild(
      workspace,
      collection,
      options.name,
      {
        properties: {
          ...(options.description === undefined ? {} : { description: options.description }),
          tags: {},
          isArchived: false,
          latestVersion: latest,
          ...(/^\d+$/.test(latest) ? { nextVersion: String(Number(latest) + 1) } : {}),
          provisioningState: "Succeeded",
        },
      },
      false,
    );
  }

  /** A schedule of a workspace (a cron trigger that creates a job). */
  mlSchedule(workspace: ResourceRef | string, options: MlScheduleOptions): ResourceRef {
    return this.mlChild(
      workspace,
      "schedules",
      options.name,
      {
        properties: {
          displayName: options.name,
          isEnabled: options.enabled ?? true,
          trigger: { triggerType: "Cron", expression: options.expression, timeZone: "UTC" },
          action: { actionType: "CreateJob", jobDefinition: { jobType: "Pipeline" } },
          provisioningState: "Succeeded",
          tags: {},
          properties: {},
        },
      },
      false,
    );
  }

  /**
   * A private endpoint connection of a workspace; the workspace's `privateEndpointConnections` and
   * `privateLinkCount` show it too, as a GET of the workspace does.
   */
  mlPrivateEndpointConnection(
    workspace: ResourceRef | string,
    options: MlPrivateEndpointConnectionOptions,
  ): ResourceRef {
    const properties = {
      privateEndpoint: { id: options.privateEndpointId },
      privateLinkServiceConnectionState: {
        status: options.status ?? "Approved",
        description: "Auto-Approved",
        actionsRequired: "None",
      },
      provisioningState: "Succeeded",
    };
    const ref = this.mlChild(workspace, "privateEndpointConnections", options.name, { properties }, false);
    const ws = this.mlParents.get(idKey(typeof workspace === "string" ? workspace : workspace.id));
    const props = ws?.properties;
    if (props !== undefined) {
      const list = props.privateEndpointConnections as unknown[];
      list.push({ id: ref.id, name: ref.name, type: ref.type, properties });
      props.privateLinkCount = list.length;
    }
    return ref;
  }

  /** A role assignment (`{scope}/providers/Microsoft.Authorization/roleAssignments/{guid}`). */
  roleAssignment(options: RoleAssignmentOptions): ResourceRef {
    const name = options.name ?? this.ids.guid("role-assignment");
    const scope = trimSlash(options.scope);
    const roleGuid =
      "roleDefinitionName" in options
        ? KEY_VAULT_ROLES[options.roleDefinitionName]
        : options.roleDefinitionId;
    const roleDefinitionId = roleGuid.startsWith("/")
      ? roleGuid
      : `${subscriptionScope(scope) ?? ""}/providers/Microsoft.Authorization/roleDefinitions/${roleGuid}`;
    const createdOn = options.createdOn ?? this.createdAt;
    const body: ArmResource = {
      id: `${scope}/providers/Microsoft.Authorization/roleAssignments/${name}`,
      name,
      type: "Microsoft.Authorization/roleAssignments",
      properties: {
        roleDefinitionId,
        principalId: options.principalId,
        principalType: options.principalType ?? "ServicePrincipal",
        scope,
        condition: null,
        conditionVersion: null,
        createdOn,
        updatedOn: createdOn,
        createdBy: this.ids.guid("creator"),
        updatedBy: null,
        delegatedManagedIdentityResourceId: null,
        description: null,
      },
    };
    this.add(body);
    return {
      id: body.id,
      name,
      type: body.type,
      subscriptionId: /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1] ?? "",
      resourceGroup: /\/resourceGroups\/([^/]+)/i.exec(scope)?.[1] ?? "",
      location: this.location,
    };
  }

  /** Number of resources added so far. */
  get resourceCount(): number {
    return this.resources.length;
  }

  /**
   * The tenant file, validated against the contract (throws `TenantFileError` naming the first
   * problem, e.g. a resource in a subscription that was never added). Returns a deep copy, so the
   * builder can keep growing and build again without changing what it returned before.
   */
  build(): TenantFile {
    const tenant = structuredClone({
      tenantId: this.tenantId,
      subscriptions: this.subscriptions,
      resources: this.resources,
      keyVaults: this.keyVaults,
      ...(this.deletedVaults.length === 0 ? {} : { deletedVaults: this.deletedVaults }),
    });
    parseTenantFile(tenant, "TenantBuilder");
    // The validated copy would list known fields first; the unparsed one keeps ARM's field order.
    return tenant;
  }
}

/** A disk's or snapshot's `encryption` block (DiskRP `Encryption`). */
function encryptionBody(
  encryption: DiskOptions["encryption"] | NonNullable<SnapshotOptions["encryption"]>,
): Record<string, string> {
  return encryption === "platform"
    ? { type: "EncryptionAtRestWithPlatformKey" }
    : { diskEncryptionSetId: encryption.desId, type: encryption.type ?? "EncryptionAtRestWithCustomerKey" };
}

/**
 * `encryptionSettingsCollection` of a disk encrypted with Azure Disk Encryption, as in
 * Snapshot_GetIncrementalSnapshot.json (secret and key URLs in a vault of the disk's group).
 */
function azureDiskEncryptionSettings(options: DiskOptions, enabled: boolean): Record<string, unknown> {
  const vault = `/subscriptions/${options.subscriptionId}/resourceGroups/${options.resourceGroup}/providers/Microsoft.KeyVault/vaults/ade-${options.name}`;
  return {
    enabled,
    encryptionSettings: [
      {
        diskEncryptionKey: {
          sourceVault: { id: vault },
          secretUrl: `https://ade-${options.name}.vault.azure.net/secrets/disk-secret/0123456789abcdef0123456789abcdef`,
        },
      },
    ],
    encryptionSettingsVersion: "1.1",
  };
}
