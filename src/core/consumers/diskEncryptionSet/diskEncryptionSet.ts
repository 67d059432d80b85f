import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ConsumerRule } from "../consumerRule.js";
import { keyRefFromUri, type KeyRef } from "../../ids/keyRef.js";

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

  autoRotates(resource: ArmResourceJson): boolean {
    return field(resource, "properties", "rotationToLatestKeyVersionEnabled") === true;
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
};
