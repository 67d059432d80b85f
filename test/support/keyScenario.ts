import type { AzureEmulator, TenantFile } from "@cmkr/azure-emulator";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import type { KeyVaultKeyEvent, KeyVaultKeyEventKind } from "../../src/core/events/domainEvents.js";
import {
  TenantBuilder,
  type KeyRef,
  type KeyVersionSpec,
  type ResourceRef,
  type VaultOptions,
  type VaultRef,
} from "@cmkr/azure-emulator/tenant-builder";

/** The kinds of key consumer the service rotates. */
export type ScenarioConsumer = "des" | "openai" | "aiservices" | "ml";

/** One key, its vault and one consumer of it: the tenant of an engine test case. */
export interface KeyScenarioOptions {
  consumer: ScenarioConsumer;
  /** The key's versions, oldest first. Default: one from January 2026 and one from two days before the tests' "now". */
  versions?: readonly KeyVersionSpec[];
  /** Index of the version the consumer uses today. Default 0. */
  current?: number;
  /** Vault settings (purge protection, RBAC, firewall...). */
  vault?: Partial<Omit<VaultOptions, "subscriptionId" | "resourceGroup" | "name">>;
  /**
   * How the consumer's identity reaches the key: an access policy (default), an RBAC role
   * assignment on the vault (give the vault `rbac: true`), or not at all.
   */
  access?: "policy" | "role" | "none";
  /** Disk encryption set with automatic key rotation. */
  autoRotation?: boolean;
  /** ML workspace with service-side encryption (cannot rotate). */
  serviceSideEncryption?: boolean;
  /** AI services account naming the key without a version (it follows the latest by itself). */
  versionless?: boolean;
  /** Region of the consumer (default the vault's, westeurope). */
  location?: string;
}

/** The tenant built for a case, with what the case refers to. */
export interface KeyScenario {
  tenant: TenantFile;
  subscriptionId: string;
  vault: VaultRef;
  key: KeyRef;
  consumer: ResourceRef;
  /** The consumer's current versioned key URI. */
  currentKeyId: string;
}

/** Versions a rotation case starts from: the consumer's, and a newer usable one. */
export const twoVersions: readonly KeyVersionSpec[] = [
  { createdOn: "2026-01-01T00:00:00Z", expiresOn: "2028-01-01T00:00:00Z" },
  { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2028-06-01T00:00:00Z" },
];

/**
 * Builds the tenant of one engine case with the emulator's {@link TenantBuilder}: a vault with
 * one key and one consumer of that key, in shapes ARM returns.
 */
export function keyScenario(options: KeyScenarioOptions): KeyScenario {
  const b = new TenantBuilder({ seed: `scenario-${options.consumer}` });
  const subscriptionId = b.subscription(b.ids.guid("subscription"), "prod");
  const vault = b.vault({
    subscriptionId,
    resourceGroup: "rg-keys",
    name: "kv-engine",
    ...options.vault,
  });
  const key = b.key(vault, "cmk", options.versions ?? twoVersions);
  const currentKeyId = key.versionIds[options.current ?? 0] ?? "";
  const currentVersion = key.versions[options.current ?? 0] ?? "";
  const place = {
    subscriptionId,
    ...(options.location === undefined ? {} : { location: options.location }),
  };
  let consumer: ResourceRef;
  switch (options.consumer) {
    case "des":
      consumer = b.diskEncryptionSet({
        ...place,
        resourceGroup: "rg-compute",
        name: "des-engine",
        keyUrl: currentKeyId,
        sourceVaultId: vault.id,
        autoRotation: options.autoRotation ?? false,
      });
      break;
    case "openai":
    case "aiservices":
      consumer = b.aiServicesAccount({
        ...place,
        resourceGroup: "rg-ai",
        name: `${options.consumer}-engine`,
        kind: options.consumer === "openai" ? "OpenAI" : "AIServices",
        cmk: {
          vaultUrl: vault.url,
          keyName: key.name,
          ...(options.versionless === true ? {} : { keyVersion: currentVersion }),
        },
      });
      break;
    case "ml":
      consumer = b.mlWorkspace({
        ...place,
        resourceGroup: "rg-ml",
        name: "mlw-engine",
        cmk: { vaultId: vault.id, keyId: currentKeyId },
        ...(options.serviceSideEncryption === undefined
          ? {}
          : { serviceSideEncryption: options.serviceSideEncryption }),
      });
      break;
  }
  const principalId = consumer.principalId ?? "";
  if (options.access === "role") {
    b.roleAssignment({
      scope: vault.id,
      principalId,
      roleDefinitionName: "Key Vault Crypto Service Encryption User",
    });
  } else if (options.access !== "none") {
    b.grantKeyAccess(vault, principalId);
  }
  return { tenant: b.build(), subscriptionId, vault, key, consumer, currentKeyId };
}

/** The key event Key Vault sends about version `index` of the scenario's key (default: the newest). */
export function scenarioKeyEvent(
  s: KeyScenario,
  kind: KeyVaultKeyEventKind = "KeyNewVersionCreated",
  options: { index?: number; eventId?: string } = {},
): KeyVaultKeyEvent {
  const index = options.index ?? s.key.versions.length - 1;
  const version = s.key.versions[index] ?? "";
  return {
    kind,
    eventId: options.eventId ?? `evt-${kind}-${version.slice(-6)}`,
    eventTime: new Date("2026-11-22T11:59:00Z"),
    schema: "EventGrid",
    vaultArmId: s.vault.id,
    vaultName: s.vault.name,
    vaultUrl: s.key.vaultUrl,
    keyName: s.key.name,
    version,
    keyId: `${s.key.id}/${version}`,
    subject: s.key.name,
  };
}

/**
 * Index in the scenario's versions of the version the consumer uses now, read from the emulator's
 * state (what ARM would return); -1 when it names another or none.
 */
export function versionIndexNow(emulator: AzureEmulator, s: KeyScenario): number {
  const body = emulator.state.getResource(s.consumer.id)?.body;
  if (body === undefined) throw new Error(`the emulator has no ${s.consumer.id}`);
  const version = consumerRuleFor(body.type)?.currentKey(body)?.version?.toLowerCase();
  return s.key.versions.findIndex((v) => v.toLowerCase() === version);
}
