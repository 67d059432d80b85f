import type { TenantFile } from "../tenantFile.js";
import {
  TenantBuilder,
  type CmkConsumerKind,
  type KeyRef,
  type KeyVaultRoleName,
  type KeyVersionSpec,
  type ResourceRef,
  type VaultOptions,
  type VaultRef,
} from "./tenantBuilder.js";

const hex12 = (n: number): string => n.toString(16).padStart(12, "0");
const subscriptionIdOf = (n: number): string => `5e3c6f0a-0000-4000-8000-${hex12(n)}`;
const VAULT_URL = "https://kv-cmk.vault.azure.net";

/**
 * The fixed names and ids of the {@link SingleKeyTenant} preset, so tests can name them in events,
 * settings and assertions without reading them back from the tenant.
 */
export const SINGLE_KEY = {
  /** The tenant id Azure's documentation samples use. */
  tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
  location: "westeurope",
  /** Subscription `n` (1-based) of the preset; the vault lives in subscription 1. */
  subscriptionId: subscriptionIdOf,
  vaultName: "kv-cmk",
  vaultResourceGroup: "rg-keys",
  vaultHost: "kv-cmk.vault.azure.net",
  vaultUrl: VAULT_URL,
  vaultId: `/subscriptions/${subscriptionIdOf(1)}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk`,
  keyName: "cmk",
  /** Versioned key URI of `version` of the preset's key (or of another key of its vault). */
  keyId: (version: string, keyName = "cmk"): string => `${VAULT_URL}/keys/${keyName}/${version}`,
  /** Three key versions, oldest first by convention; consumers start on `v1` unless told otherwise. */
  versions: {
    v1: (0xa1).toString(16).padStart(32, "0"),
    v2: (0xb2).toString(16).padStart(32, "0"),
    v3: (0xc3).toString(16).padStart(32, "0"),
  },
  /**
   * Expiry of every version that names none: 2028-01-01, the `EXP` of the Key Vault events tests
   * deliver for the preset's key, so the tenant and the events agree.
   */
  expiresOn: "2028-01-01T00:00:00Z",
  /** Resource group of each consumer type. */
  resourceGroups: {
    diskEncryptionSet: "rg-compute",
    openAI: "rg-ai",
    aiServices: "rg-ai",
    mlWorkspace: "rg-ml",
  } satisfies Record<CmkConsumerKind, string>,
} as const;

/** Options of {@link SingleKeyTenant}. */
export interface SingleKeyTenantOptions {
  /**
   * The key's versions (default: `v1`, created 2026-01-01). A version without `expiresOn` expires on
   * {@link SINGLE_KEY.expiresOn}; give `expiresOn: null` for none.
   */
  versions?: readonly KeyVersionSpec[];
  /** The vault's settings (default: the builder's: soft delete, purge protection, access policies). */
  vault?: Omit<VaultOptions, "subscriptionId" | "resourceGroup" | "name">;
  /** Seed of generated ids (principal ids, role assignment names...); default `single-key`. */
  seed?: string;
}

/** Options of one consumer of a {@link SingleKeyTenant}. */
export interface SingleKeyConsumerOptions {
  /** Subscription number (see {@link SINGLE_KEY.subscriptionId}); added to the tenant on first use. Default 1. */
  sub?: number;
  /** The version it starts on; default {@link SINGLE_KEY.versions}.v1. */
  version?: string;
  /** What its identity gets on the vault (see `CmkConsumerOptions.access`); default `auto`. */
  access?: "auto" | "none" | readonly string[];
  /** Object id of its system-assigned identity; generated when absent. */
  principalId?: string;
  /** Disk encryption sets only: automatic key rotation (default false). */
  autoRotation?: boolean;
  /** How the consumer spells its key or vault URI (see `CmkConsumerOptions.spelling`). */
  spelling?: (uri: string) => string;
}

/**
 * A named preset of {@link TenantBuilder}: one Key Vault (`kv-cmk`, access policies, purge
 * protection) holding one key (`cmk`), used by consumers of every type the service rotates, each in
 * the resource group of its type and given what it needs on the vault. For rotation and detection
 * tests: the ids are fixed ({@link SINGLE_KEY}), and `builder` is there for anything else the test
 * needs (more resources, access policies, role assignments).
 *
 * @example
 * const t = new SingleKeyTenant({ versions: [{ version: V1, createdOn: "2026-01-01T00:00:00Z" },
 *   { version: V2, createdOn: "2026-11-20T00:00:00Z" }] });
 * const des = t.diskEncryptionSet("des-1").id;
 * const tenant = t.build();
 */
export class SingleKeyTenant {
  readonly builder: TenantBuilder;
  readonly vault: VaultRef;
  readonly key: KeyRef;
  private readonly subscriptions = new Set<number>();

  constructor(options: SingleKeyTenantOptions = {}) {
    this.builder = new TenantBuilder({
      tenantId: SINGLE_KEY.tenantId,
      seed: options.seed ?? "single-key",
      location: SINGLE_KEY.location,
    });
    this.subscription(1);
    this.vault = this.builder.vault({
      ...options.vault,
      subscriptionId: SINGLE_KEY.subscriptionId(1),
      resourceGroup: SINGLE_KEY.vaultResourceGroup,
      name: SINGLE_KEY.vaultName,
    });
    const versions = options.versions ?? [
      { version: SINGLE_KEY.versions.v1, createdOn: "2026-01-01T00:00:00Z" },
    ];
    this.key = this.builder.key(
      this.vault,
      SINGLE_KEY.keyName,
      versions.map((v) => (v.expiresOn === undefined ? { ...v, expiresOn: SINGLE_KEY.expiresOn } : v)),
    );
  }

  /** Subscription `n` of the preset (`sub-{n}`), added on first use; returns its id. */
  subscription(n: number): string {
    const id = SINGLE_KEY.subscriptionId(n);
    if (!this.subscriptions.has(n)) {
      this.subscriptions.add(n);
      this.builder.subscription(id, `sub-${n}`);
    }
    return id;
  }

  /** A consumer of the key of any type (see {@link TenantBuilder.cmkConsumer}). */
  consumer(kind: CmkConsumerKind, name: string, options: SingleKeyConsumerOptions = {}): ResourceRef {
    return this.builder.cmkConsumer({
      kind,
      subscriptionId: this.subscription(options.sub ?? 1),
      resourceGroup: SINGLE_KEY.resourceGroups[kind],
      name,
      key: {
        vault: this.vault,
        keyName: SINGLE_KEY.keyName,
        version: options.version ?? SINGLE_KEY.versions.v1,
      },
      ...(options.access === undefined ? {} : { access: options.access }),
      ...(options.principalId === undefined ? {} : { principalId: options.principalId }),
      ...(options.autoRotation === undefined ? {} : { autoRotation: options.autoRotation }),
      ...(options.spelling === undefined ? {} : { spelling: options.spelling }),
    });
  }

  /** A disk encryption set on the key (automatic key rotation off unless asked). */
  diskEncryptionSet(name: string, options: SingleKeyConsumerOptions = {}): ResourceRef {
    return this.consumer("diskEncryptionSet", name, options);
  }

  /** An OpenAI or AI services account on the key. */
  aiServicesAccount(
    name: string,
    kind: "OpenAI" | "AIServices",
    options: SingleKeyConsumerOptions = {},
  ): ResourceRef {
    return this.consumer(kind === "OpenAI" ? "openAI" : "aiServices", name, options);
  }

  /** A Machine Learning workspace (kind Default) on the key. */
  mlWorkspace(name: string, options: SingleKeyConsumerOptions = {}): ResourceRef {
    return this.consumer("mlWorkspace", name, options);
  }

  /** A Key Vault data-plane role on the vault (default Key Vault Crypto Service Encryption User). */
  roleAssignment(
    principalId: string,
    roleDefinitionName: KeyVaultRoleName = "Key Vault Crypto Service Encryption User",
  ): ResourceRef {
    return this.builder.roleAssignment({ scope: this.vault.id, principalId, roleDefinitionName });
  }

  /** The tenant file (see {@link TenantBuilder.build}). */
  build(): TenantFile {
    return this.builder.build();
  }
}
