import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { keyRef, type KeyRef } from "../../ids/keyId.js";
import type { ConsumerRule } from "../consumerRule.js";
import { keyUriKql } from "../../queries/keyUriKql.js";
import { aiServicesAccountFacts } from "./aiServicesAccountFacts.js";

/*
 * Preflight sources: learn.microsoft.com/azure/ai-services/openai/encrypt-data-at-rest and
 * .../ai-foundry/concepts/encryption-keys-portal (MicrosoftDocs/azure-ai-docs): "Only RSA and RSA-HSM
 * keys of size 2048", soft delete and purge protection, "Only Azure Key Vault with legacy access
 * policies are supported", trusted Microsoft services through the firewall, system-assigned identity
 * with get/wrap/unwrap, "same region and in the same Microsoft Entra tenant".
 */

const vaultUriColumn = "tostring(properties.encryption.keyVaultProperties.keyVaultUri)";

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

  facts: aiServicesAccountFacts,

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

  keyPredicate: ({ host, name }) =>
    "(type =~ 'microsoft.cognitiveservices/accounts'" +
    " and tostring(properties.encryption.keySource) =~ 'Microsoft.KeyVault'" +
    ` and ${keyUriKql.vaultUri(vaultUriColumn, host)}` +
    ` and tostring(properties.encryption.keyVaultProperties.keyName) =~ '${name}')`,

  vaultPredicate: (host) =>
    "(type =~ 'microsoft.cognitiveservices/accounts'" + ` and ${keyUriKql.vaultUri(vaultUriColumn, host)})`,

  preflight: {
    label: "AI services account",
    keySize: { allowed: (b) => b === 2048, allowedText: "2048 bits only" },
    vaultInSameRegion: true,
    vaultInSameTenant: true,
    accessPoliciesOnly: true,
    sameVaultOnly: false,
    systemIdentityRequiredWhenNoneNamed: true,
    missingIdentityDetail: (consumer) =>
      consumer.identityClientId === undefined
        ? "its system-assigned identity has no principal id. Re-enable the system-assigned identity."
        : `no user-assigned identity with client id ${consumer.identityClientId} (encryption.keyVaultProperties.` +
          `identityClientId) is attached. Attach that identity or correct identityClientId.`,
  },
};
