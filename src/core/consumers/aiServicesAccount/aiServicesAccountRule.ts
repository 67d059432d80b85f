import { stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { keyRef, type KeyRef } from "../../ids/keyId.js";
import type { ConsumerRule } from "../consumerRule.js";
import { provisioningStateProof } from "../../writes/provisioningStateProof.js";
import { keyUriKql } from "../../queries/keyUriKql.js";
import { aiServicesAccountFacts } from "./aiServicesAccountFacts.js";

/*
 * Preflight sources (docs/restrictions.md §4): MicrosoftDocs/azure-ai-docs
 * articles/ai-foundry/openai/encrypt-data-at-rest.md, ms.date 11/26/2025 (S16): "Only RSA and RSA-HSM
 * keys of size 2048 are supported"; "You must enable both the Soft Delete and Do Not Purge
 * properties"; "must be in the same region and in the same Microsoft Entra tenant, but they can be in
 * different subscriptions"; trusted Microsoft services through the vault firewall; "If you're using
 * Azure RBAC, assign Key Vault Crypto Service Encryption User role to the managed identity. ... If
 * you're using Vault Access Policies, grant ... get, unwrap key and wrap key, to the system-assigned or
 * user-assigned managed identity". That page supersedes the April 2025 one (S17), which allowed only
 * system-assigned identities and legacy access policies. "You must use Azure Key Vault to store your
 * customer-managed keys": no Managed HSM support is documented.
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

  keyChangeProof: ({ resource }) => provisioningStateProof(resource, "account"),

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
    accessPoliciesOnly: false,
    sameVaultOnly: false,
    vaultInSameSubscription: false,
    managedHsmSupported: false,
    systemIdentityRequiredWhenNoneNamed: true,
    missingIdentityDetail: (consumer) =>
      consumer.identityClientId === undefined
        ? "its system-assigned identity has no principal id. Re-enable the system-assigned identity."
        : `no user-assigned identity with client id ${consumer.identityClientId} (encryption.keyVaultProperties.` +
          `identityClientId) is attached. Attach that identity or correct identityClientId.`,
  },
};
