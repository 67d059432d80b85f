import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ConsumerRule } from "../consumerRule.js";
import { keyRefFromUri, type KeyRef } from "../../ids/keyRef.js";

/**
 * Machine Learning workspaces created with a customer-managed key. `keyIdentifier` can be patched,
 * but only to a key in the original vault, and the service-side encryption preview cannot rotate.
 */
export const mlWorkspaceRule: ConsumerRule = {
  resourceType: "Microsoft.MachineLearningServices/workspaces",
  consumerType: "mlWorkspace",
  displayName: "Machine Learning workspace",
  keyLossConsequence:
    "the workspace's metadata in its Microsoft-managed Cosmos DB, AI Search and Storage becomes unreadable and the workspace stops working",

  currentKey(resource: ArmResourceJson): KeyRef | undefined {
    if (stringField(resource, "properties", "encryption", "status")?.toLowerCase() !== "enabled")
      return undefined;
    const id = stringField(resource, "properties", "encryption", "keyVaultProperties", "keyIdentifier");
    return id === undefined ? undefined : keyRefFromUri(id);
  },

  autoRotates: () => false,

  cannotRotate(resource: ArmResourceJson) {
    if (field(resource, "properties", "enableServiceSideCMKEncryption") === true) {
      return {
        code: "ServiceSideEncryptionNoRotation",
        message:
          "the workspace uses service-side customer-managed key encryption, which does not support key rotation",
      };
    }
    return undefined;
  },

  rotationPatch(_resource: ArmResourceJson, target: KeyRef): Record<string, unknown> {
    return { properties: { encryption: { keyVaultProperties: { keyIdentifier: target.keyId } } } };
  },
};
