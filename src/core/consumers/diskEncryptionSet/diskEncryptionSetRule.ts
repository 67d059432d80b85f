import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { flag } from "../../arm/armValues.js";
import { keyRefFromUri, type KeyRef } from "../../ids/keyId.js";
import type { ConsumerRule } from "../consumerRule.js";
import { desKeyChangeProof, isConfidentialSet } from "./desKeyChangeProof.js";
import { keyUriKql } from "../../queries/keyUriKql.js";
import { diskEncryptionSetFacts } from "./diskEncryptionSetFacts.js";

/*
 * Preflight sources: learn.microsoft.com/azure/virtual-machines/disk-encryption (include
 * virtual-machines-managed-disks-customer-managed-keys-restrictions): "software and HSM RSA keys of
 * sizes 2,048-bit, 3,072-bit and 4,096-bit", and the vault "must be in the same region as your disk
 * encryption set" (key vaults in other tenants are allowed, so no tenant check).
 */

/**
 * Disk encryption sets (Microsoft.Compute/diskEncryptionSets). With
 * `rotationToLatestKeyVersionEnabled` the platform follows new versions within about an hour, so
 * the service only records the expectation; otherwise it patches `activeKey.keyUrl`.
 */
export const diskEncryptionSetRule: ConsumerRule = {
  resourceType: "Microsoft.Compute/diskEncryptionSets",
  consumerType: "diskEncryptionSet",
  displayName: "disk encryption set",
  keyLossConsequence:
    "disk I/O fails within about an hour and the virtual machines using disks encrypted by this set shut down",

  currentKey(resource: ArmResourceJson): KeyRef | undefined {
    const url = stringField(resource, "properties", "activeKey", "keyUrl");
    return url === undefined ? undefined : keyRefFromUri(url);
  },

  facts: diskEncryptionSetFacts,

  keyChangeProof: desKeyChangeProof,

  needsVmStates: isConfidentialSet,

  autoRotates(resource: ArmResourceJson): boolean {
    // Resource Notifications and Resource Graph may send the flag as 1/0 (see `flag`).
    return flag(field(resource, "properties", "rotationToLatestKeyVersionEnabled"));
  },

  cannotRotate: () => undefined,

  rotationPatch(resource: ArmResourceJson, target: KeyRef): Record<string, unknown> {
    const sourceVaultId = stringField(resource, "properties", "activeKey", "sourceVault", "id");
    return {
      properties: {
        activeKey: {
          keyUrl: target.keyId,
          ...(sourceVaultId === undefined ? {} : { sourceVault: { id: sourceVaultId } }),
        },
      },
    };
  },

  keyPredicate: ({ host, name }) =>
    "(type =~ 'microsoft.compute/diskencryptionsets'" +
    ` and ${keyUriKql.ofKey("tostring(properties.activeKey.keyUrl)", host, name)})`,

  vaultPredicate: (host) =>
    "(type =~ 'microsoft.compute/diskencryptionsets'" +
    ` and ${keyUriKql.inVault("tostring(properties.activeKey.keyUrl)", host)})`,

  preflight: {
    label: "disk encryption set",
    keySize: {
      allowed: (b) => b === 2048 || b === 3072 || b === 4096,
      allowedText: "2048, 3072 or 4096 bits",
    },
    vaultInSameRegion: true,
    vaultInSameTenant: false,
    accessPoliciesOnly: false,
    sameVaultOnly: false,
    vaultInSameSubscription: false,
    // "including Managed HSM" (security/fundamentals/encryption-models.md, Managed Disk Storage row).
    managedHsmSupported: true,
    systemIdentityRequiredWhenNoneNamed: false,
    missingIdentityDetail: () =>
      "no managed identity can be determined (none, or several user-assigned identities and no system-assigned one). Give it a system-assigned identity.",
  },
};
