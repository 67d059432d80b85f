import { z } from "zod";
import { parseArmBody } from "../../arm/armFactsError.js";
import type { ConsumerFacts, ConsumerKeyReference } from "../../keyStores/keyFacts.js";
import {
  baseSchema,
  hasSystemAssigned,
  optionalString,
  parseVaultUri,
  present,
  systemIdentity,
  tenantOf,
  userAssignedEntries,
  userIdentity,
} from "../consumerFacts.js";

const aiServicesSchema = baseSchema.extend({
  properties: z
    .looseObject({
      encryption: z
        .looseObject({
          keySource: optionalString,
          keyVaultProperties: z
            .looseObject({
              keyName: optionalString,
              keyVersion: optionalString,
              keyVaultUri: optionalString,
              identityClientId: optionalString,
            })
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/**
 * AI services / Azure OpenAI account. The account reaches the vault with the user-assigned identity
 * whose client id is `encryption.keyVaultProperties.identityClientId` when that is set, otherwise
 * with its system-assigned identity (api-version 2025-09-01 `KeyVaultProperties`).
 */
export function aiServicesAccountFacts(resource: unknown): ConsumerFacts {
  const r = parseArmBody(aiServicesSchema, resource);
  const encryption = r.properties?.encryption;
  const kvp = encryption?.keyVaultProperties;
  let currentKey: ConsumerKeyReference | undefined;
  if (
    encryption?.keySource?.toLowerCase() === "microsoft.keyvault" &&
    present(kvp?.keyVaultUri) &&
    present(kvp.keyName)
  ) {
    currentKey = {
      vaultUrl: parseVaultUri(kvp.keyVaultUri, "properties.encryption.keyVaultProperties.keyVaultUri", r.id),
      keyName: kvp.keyName,
      version: present(kvp.keyVersion) ? kvp.keyVersion : undefined,
    };
  }
  const identityClientId = present(kvp?.identityClientId) ? kvp.identityClientId : undefined;
  const identity =
    identityClientId === undefined
      ? systemIdentity(r.identity)
      : userIdentity(
          userAssignedEntries(r.identity).find(
            (e) => e.clientId?.toLowerCase() === identityClientId.toLowerCase(),
          ),
        );
  return {
    resourceId: r.id,
    consumerType: "aiServices",
    location: r.location,
    tenantId: tenantOf(r.identity),
    identity,
    hasSystemAssignedIdentity: hasSystemAssigned(r.identity),
    identityClientId,
    currentKey,
  };
}
