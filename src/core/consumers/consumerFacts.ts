import { z } from "zod";
import { ArmFactsError } from "../arm/armFactsError.js";
import { KeyIdError, parseKeyId, parseVaultUrl } from "../ids/keyId.js";
import type { ConsumerIdentity, ConsumerKeyReference } from "../keyStores/keyFacts.js";

/*
 * Shared pieces of the consumer modules' ARM-to-facts mappers: the identity block every ARM resource
 * may carry, and key and vault references. Each field is read tolerantly (`null` where ARM or
 * Resource Graph writes one) and a malformed one is an `ArmFactsError` naming it.
 */

/** A string field ARM may omit or write as `null`. */
export const optionalString = z.string().nullish();

/** `identity` as ARM returns it (`type`, `principalId`, `tenantId`, `userAssignedIdentities`). */
export const identitySchema = z
  .looseObject({
    type: optionalString,
    principalId: optionalString,
    tenantId: optionalString,
    userAssignedIdentities: z
      .record(z.string(), z.looseObject({ principalId: optionalString, clientId: optionalString }).nullish())
      .nullish(),
  })
  .nullish();

/** The fields every consumer mapper reads besides its own `properties`. */
export const baseSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  location: z.string().min(1),
  identity: identitySchema,
});

/** The identity block as parsed. */
export type ArmIdentity = z.infer<typeof identitySchema>;

/** True for a non-empty string. */
export function present(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value !== "";
}

/** Splits a key URL with `parseKeyId`, reporting a malformed one as an {@link ArmFactsError} naming `field`. */
export function parseKeyUrl(url: string, field: string, resourceId: string): ConsumerKeyReference {
  try {
    const id = parseKeyId(url);
    return { vaultUrl: id.vaultUrl, keyName: id.name, version: id.version };
  } catch (error) {
    if (error instanceof KeyIdError)
      throw new ArmFactsError("ArmFactsInvalid", field, error.message, resourceId);
    throw error;
  }
}

/**
 * Parses a vault URI such as `https://kv.vault.azure.net/` (any spelling: `:443`, letter case,
 * trailing slash) to `https://{lower-case host}` with `parseVaultUrl`, reporting a malformed one as
 * an {@link ArmFactsError} naming `field`.
 */
export function parseVaultUri(uri: string, field: string, resourceId: string): string {
  try {
    return parseVaultUrl(uri);
  } catch (error) {
    if (error instanceof KeyIdError)
      throw new ArmFactsError("ArmFactsInvalid", field, error.message, resourceId);
    throw error;
  }
}

/** True when the identity includes a system-assigned one with a principal id. */
export function hasSystemAssigned(
  identity: ArmIdentity,
): identity is NonNullable<ArmIdentity> & { principalId: string } {
  if (identity === null || identity === undefined || !present(identity.principalId)) return false;
  // A principalId without a type is only ever the system-assigned identity's.
  if (!present(identity.type)) return true;
  return identity.type
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .includes("systemassigned");
}

/** The system-assigned identity, when there is one. */
export function systemIdentity(identity: ArmIdentity): ConsumerIdentity | undefined {
  return hasSystemAssigned(identity)
    ? { principalId: identity.principalId, kind: "SystemAssigned" }
    : undefined;
}

/** The user-assigned identities: resource id, and principal and client ids where ARM reports them. */
export function userAssignedEntries(
  identity: ArmIdentity,
): { resourceId: string; principalId?: string; clientId?: string }[] {
  const map = identity?.userAssignedIdentities ?? {};
  return Object.entries(map).map(([resourceId, v]) => ({
    resourceId,
    ...(present(v?.principalId) ? { principalId: v.principalId } : {}),
    ...(present(v?.clientId) ? { clientId: v.clientId } : {}),
  }));
}

/** A user-assigned identity as the consumer's identity, when its principal id is known. */
export function userIdentity(
  entry: { resourceId: string; principalId?: string } | undefined,
): ConsumerIdentity | undefined {
  if (entry?.principalId === undefined) return undefined;
  return { principalId: entry.principalId, kind: "UserAssigned", resourceId: entry.resourceId };
}

/** The identity's tenant, when ARM reports one. */
export function tenantOf(identity: ArmIdentity): string | undefined {
  return present(identity?.tenantId) ? identity.tenantId : undefined;
}
