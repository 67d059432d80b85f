import { z } from "zod";
import { parseArmBody } from "../../arm/armFactsError.js";
import { flag } from "../../arm/armValues.js";
import type { ConsumerFacts, ConsumerKeyReference } from "../../keyStores/keyFacts.js";
import {
  baseSchema,
  hasSystemAssigned,
  optionalString,
  parseKeyUrl,
  present,
  systemIdentity,
  tenantOf,
  userAssignedEntries,
  userIdentity,
} from "../consumerFacts.js";

const mlWorkspaceSchema = baseSchema.extend({
  properties: z
    .looseObject({
      tenantId: optionalString,
      // Any JSON: read with `flag`, as Resource Notifications may send 1/0 for a boolean.
      enableServiceSideCMKEncryption: z.unknown().optional(),
      encryption: z
        .looseObject({
          status: optionalString,
          identity: z.looseObject({ userAssignedIdentity: optionalString }).nullish(),
          keyVaultProperties: z
            .looseObject({
              keyVaultArmId: optionalString,
              keyIdentifier: optionalString,
              identityClientId: optionalString,
            })
            .nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/**
 * Machine Learning workspace. `encryption.identity.userAssignedIdentity` names the user-assigned
 * identity used for the key; without it the workspace uses its system-assigned identity.
 */
export function mlWorkspaceFacts(resource: unknown): ConsumerFacts {
  const r = parseArmBody(mlWorkspaceSchema, resource);
  const props = r.properties;
  const encryption = props?.encryption;
  const kvp = encryption?.keyVaultProperties;
  let currentKey: ConsumerKeyReference | undefined;
  if (encryption?.status?.toLowerCase() === "enabled" && present(kvp?.keyIdentifier)) {
    const ref = parseKeyUrl(
      kvp.keyIdentifier,
      "properties.encryption.keyVaultProperties.keyIdentifier",
      r.id,
    );
    currentKey = present(kvp.keyVaultArmId) ? { ...ref, vaultArmId: kvp.keyVaultArmId } : ref;
  }
  const uaiId = encryption?.identity?.userAssignedIdentity;
  const identity = present(uaiId)
    ? userIdentity(
        userAssignedEntries(r.identity).find((e) => e.resourceId.toLowerCase() === uaiId.toLowerCase()),
      )
    : systemIdentity(r.identity);
  return {
    resourceId: r.id,
    consumerType: "mlWorkspace",
    location: r.location,
    tenantId: tenantOf(r.identity) ?? (present(props?.tenantId) ? props.tenantId : undefined),
    identity,
    hasSystemAssignedIdentity: hasSystemAssigned(r.identity),
    currentKey,
    mlServiceSideEncryption: flag(props?.enableServiceSideCMKEncryption),
  };
}
