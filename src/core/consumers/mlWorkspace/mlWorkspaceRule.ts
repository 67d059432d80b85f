import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { flag } from "../../arm/armValues.js";
import { keyRefFromUri, type KeyRef } from "../../ids/keyId.js";
import type { ConsumerRule } from "../consumerRule.js";
import { provisioningStateProof } from "../../writes/provisioningStateProof.js";
import { keyUriKql } from "../../queries/keyUriKql.js";
import { mlWorkspaceFacts } from "./mlWorkspaceFacts.js";

/*
 * Preflight sources: learn.microsoft.com/azure/machine-learning/concept-customer-managed-keys: soft
 * delete and purge protection, get/wrapKey/unwrapKey for the workspace identity; "The customer-managed
 * key for encryption can only be updated to keys in the same Azure Key Vault instance"; the
 * service-side encryption preview: "key rotation and user-assigned identity capabilities are not
 * supported". Size guidance (3072 recommended) is reported as a warning only.
 */

const keyIdentifierColumn = "tostring(properties.encryption.keyVaultProperties.keyIdentifier)";

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

  facts: mlWorkspaceFacts,

  keyChangeProof: ({ resource }) => provisioningStateProof(resource, "workspace"),

  autoRotates: () => false,

  cannotRotate(resource: ArmResourceJson) {
    if (flag(field(resource, "properties", "enableServiceSideCMKEncryption"))) {
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

  keyPredicate: ({ host, name }) =>
    "(type =~ 'microsoft.machinelearningservices/workspaces'" +
    ` and ${keyUriKql.ofKey(keyIdentifierColumn, host, name)})`,

  vaultPredicate: (host) =>
    "(type =~ 'microsoft.machinelearningservices/workspaces'" +
    ` and ${keyUriKql.inVault(keyIdentifierColumn, host)})`,

  preflight: {
    label: "Machine Learning workspace",
    keySize: { allowed: (b) => b >= 2048, allowedText: "at least 2048 bits", recommendedMin: 3072 },
    vaultInSameRegion: false,
    vaultInSameTenant: false,
    accessPoliciesOnly: false,
    sameVaultOnly: true,
    // "The key vault that contains your customer-managed key must be in the same Azure subscription as
    // the Azure Machine Learning workspace." (how-to-setup-customer-managed-keys.md, S24)
    vaultInSameSubscription: true,
    // No Microsoft page documents Managed HSM keys for Machine Learning (docs/restrictions.md §6).
    managedHsmSupported: false,
    systemIdentityRequiredWhenNoneNamed: false,
    missingIdentityDetail: () =>
      "the identity named by encryption.identity.userAssignedIdentity is not attached, or there is no system-assigned identity. Attach the identity the workspace's encryption names.",
  },
};
