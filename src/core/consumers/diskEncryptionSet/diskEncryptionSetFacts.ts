import { z } from "zod";
import { parseArmBody } from "../../arm/armFactsError.js";
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

const diskEncryptionSetSchema = baseSchema.extend({
  properties: z
    .looseObject({
      activeKey: z
        .looseObject({
          keyUrl: z.string().min(1),
          sourceVault: z.looseObject({ id: optionalString }).nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

/**
 * Disk encryption set. It uses its system-assigned identity when it has one; otherwise its single
 * user-assigned identity. With several user-assigned identities and no system-assigned one the
 * identity in use cannot be told from the resource, so none is reported.
 */
export function diskEncryptionSetFacts(resource: unknown): ConsumerFacts {
  const r = parseArmBody(diskEncryptionSetSchema, resource);
  const activeKey = r.properties?.activeKey;
  let currentKey: ConsumerKeyReference | undefined;
  if (activeKey !== null && activeKey !== undefined) {
    const ref = parseKeyUrl(activeKey.keyUrl, "properties.activeKey.keyUrl", r.id);
    const vaultArmId = activeKey.sourceVault?.id;
    currentKey = present(vaultArmId) ? { ...ref, vaultArmId } : ref;
  }
  const users = userAssignedEntries(r.identity);
  const identity = systemIdentity(r.identity) ?? (users.length === 1 ? userIdentity(users[0]) : undefined);
  return {
    resourceId: r.id,
    consumerType: "diskEncryptionSet",
    location: r.location,
    tenantId: tenantOf(r.identity),
    identity,
    hasSystemAssignedIdentity: hasSystemAssigned(r.identity),
    currentKey,
  };
}
