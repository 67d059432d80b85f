import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import type { ConsumerRule } from "../consumerRule.js";
import { keyRef, type KeyRef } from "../../ids/keyRef.js";

/**
 * Azure OpenAI and AI services accounts (Microsoft.CognitiveServices/accounts). Rotation is not
 * automatic: the account keeps its key version until `keyVaultProperties.keyVersion` is patched.
 */
export const aiServicesAccountRule: ConsumerRule = {
  resourceType: "Microsoft.CognitiveServices/accounts",
  consumerType: "aiServices",
  displayName: "Azure OpenAI / AI services account",
  keyLossConsequence:
    "the account cannot decrypt its data: fine-tuning, data download and new deployments stop until access to the key is restored",

  currentKey(resource: ArmResourceJson): KeyRef | undefined {
    const source = stringField(resource, "properties", "encryption", "keySource");
    if (source?.toLowerCase() !== "microsoft.keyvault") return undefined;
    const uri = stringField(resource, "properties", "encryption", "keyVaultProperties", "keyVaultUri");
    const name = stringField(resource, "properties", "encryption", "keyVaultProperties", "keyName");
    if (uri === undefined || name === undefined || name === "") return undefined;
    try {
      return keyRef(
        uri,
        name,
        stringField(resource, "properties", "encryption", "keyVaultProperties", "keyVersion"),
      );
    } catch {
      return undefined;
    }
  },

  autoRotates: () => false,

  cannotRotate: () => undefined,

  rotationPatch(resource: ArmResourceJson, target: KeyRef): Record<string, unknown> {
    const identityClientId = stringField(
      resource,
      "properties",
      "encryption",
      "keyVaultProperties",
      "identityClientId",
    );
    // The whole encryption block is sent: the resource provider replaces it rather than merging.
    return {
      properties: {
        encryption: {
          keySource: "Microsoft.KeyVault",
          keyVaultProperties: {
            keyVaultUri: `${target.vaultUrl}/`,
            keyName: target.keyName,
            keyVersion: target.version ?? "",
            ...(identityClientId === undefined ? {} : { identityClientId }),
          },
        },
      },
    };
  },
};
