import { z } from "zod";
import { ArmFactsError, parseArmBody } from "../arm/armFactsError.js";
import type { ConsumerFacts, ConsumerIdentity, ConsumerKeyReference } from "../keyStores/keyFacts.js";
import { KeyIdError, parseKeyId } from "../ids/keyId.js";

const optionalString = z.string().nullish();

const identitySchema = z
  .looseObject({
    type: optionalString,
    principalId: optionalString,
    tenantId: optionalString,
    userAssignedIdentities: z
      .record(z.string(), z.looseObject({ principalId: optionalString, clientId: optionalString }).nullish())
      .nullish(),
  })
  .nullish();

const baseSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  location: z.string().min(1),
  identity: identitySchema,
});

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

const mlWorkspaceSchema = baseSchema.extend({
  properties: z
    .looseObject({
      tenantId: optionalString,
      enableServiceSideCMKEncryption: z.boolean().nullish(),
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

type ArmIdentity = z.infer<typeof identitySchema>;

function present(value: string | null | undefined): value is string {
  return value !== null && value !== undefined && value !== "";
}

/** Splits a key URL with `parseKeyId`, reporting a malformed one as an {@link ArmFactsError} naming `field`. */
function parseKeyUrl(url: string, field: string, resourceId: string): ConsumerKeyReference {
  try {
    const id = parseKeyId(url);
    return { vaultUrl: id.vaultUrl, keyName: id.name, version: id.version };
  } catch (error) {
    if (error instanceof KeyIdError)
      throw new ArmFactsError("ArmFactsInvalid", field, error.message, resourceId);
    throw error;
  }
}

/** Parses a vault URI such as `https://kv.vault.azure.net/` to its origin. */
function parseVaultUri(uri: string, field: string, resourceId: string): string {
  try {
    const parsed = new URL(uri);
    if (parsed.protocol === "https:") return parsed.origin;
  } catch {
    // reported below
  }
  throw new ArmFactsError("ArmFactsInvalid", field, "expected https://{vault-host}/", resourceId);
}

function hasSystemAssigned(
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

function systemIdentity(identity: ArmIdentity): ConsumerIdentity | undefined {
  return hasSystemAssigned(identity)
    ? { principalId: identity.principalId, kind: "SystemAssigned" }
    : undefined;
}

function userAssignedEntries(
  identity: ArmIdentity,
): { resourceId: string; principalId?: string; clientId?: string }[] {
  const map = identity?.userAssignedIdentities ?? {};
  return Object.entries(map).map(([resourceId, v]) => ({
    resourceId,
    ...(present(v?.principalId) ? { principalId: v.principalId } : {}),
    ...(present(v?.clientId) ? { clientId: v.clientId } : {}),
  }));
}

function userIdentity(
  entry: { resourceId: string; principalId?: string } | undefined,
): ConsumerIdentity | undefined {
  if (entry?.principalId === undefined) return undefined;
  return { principalId: entry.principalId, kind: "UserAssigned", resourceId: entry.resourceId };
}

function tenantOf(identity: ArmIdentity): string | undefined {
  return present(identity?.tenantId) ? identity.tenantId : undefined;
}

/**
 * AI services / Azure OpenAI account. The account reaches the vault with the user-assigned identity
 * whose client id is `encryption.keyVaultProperties.identityClientId` when that is set, otherwise
 * with its system-assigned identity (api-version 2025-09-01 `KeyVaultProperties`).
 */
function aiServicesFacts(resource: unknown): ConsumerFacts {
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

/**
 * Disk encryption set. It uses its system-assigned identity when it has one; otherwise its single
 * user-assigned identity. With several user-assigned identities and no system-assigned one the
 * identity in use cannot be told from the resource, so none is reported.
 */
function diskEncryptionSetFacts(resource: unknown): ConsumerFacts {
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

/**
 * Machine Learning workspace. `encryption.identity.userAssignedIdentity` names the user-assigned
 * identity used for the key; without it the workspace uses its system-assigned identity.
 */
function mlWorkspaceFacts(resource: unknown): ConsumerFacts {
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
    mlServiceSideEncryption: props?.enableServiceSideCMKEncryption === true,
  };
}

const mappers: Readonly<Record<string, (resource: unknown) => ConsumerFacts>> = {
  "microsoft.cognitiveservices/accounts": aiServicesFacts,
  "microsoft.compute/diskencryptionsets": diskEncryptionSetFacts,
  "microsoft.machinelearningservices/workspaces": mlWorkspaceFacts,
};

/**
 * Maps the GET body of an AI services account, disk encryption set or Machine Learning workspace
 * to {@link ConsumerFacts}. Throws {@link ArmFactsError} (`ArmFactsUnsupportedType`) for any other
 * type, and (`ArmFactsInvalid`) naming the field when a field the service relies on is malformed.
 */
export function consumerFactsFromArm(resource: unknown): ConsumerFacts {
  const head = parseArmBody(z.looseObject({ id: z.string().min(1), type: z.string().min(1) }), resource);
  const mapper = mappers[head.type.toLowerCase()];
  if (mapper === undefined) {
    throw new ArmFactsError(
      "ArmFactsUnsupportedType",
      "type",
      `${head.type} does not consume Key Vault keys in a way this service rotates`,
      head.id,
    );
  }
  return mapper(resource);
}
