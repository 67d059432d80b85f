import type { KeyVaultKeyEvent, KeyVaultKeyEventKind } from "./domainEvents.js";
import { requireDataObject, requireEventTime, type EventEnvelope } from "./eventEnvelope.js";
import { describeType, quote, TolerantObject, type EventReader, type FoundField } from "./eventReader.js";
import { KeyIdError, parseKeyId, type KeyId } from "../ids/keyId.js";

const VAULT_ARM_ID =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.KeyVault\/vaults\/[^/]+$/i;
const NUMERIC = /^\d+(\.\d+)?$/;

/**
 * Decodes a Key Vault key event's `data` (documented keys: Id, VaultName, ObjectType, ObjectName, Version,
 * NBF, EXP). Keys are read ignoring case and stray whitespace, and values are trimmed, because senders and
 * samples differ; @azure/eventgrid's camelCase typings do not match the PascalCase wire keys.
 * `Id` must be a versioned key identifier (parsed by `parseKeyId`); Version, ObjectName and ObjectType
 * must agree with it when sent.
 */
export function decodeKeyVaultKeyEvent(
  envelope: EventEnvelope,
  reader: EventReader,
  kind: KeyVaultKeyEventKind,
): KeyVaultKeyEvent {
  const eventTime = requireEventTime(envelope, reader);
  const data = new TolerantObject(requireDataObject(envelope, reader), reader, ["data"]);

  const key = readVersionedKeyId(data, reader);

  const objectType = data.optionalString("ObjectType");
  if (objectType !== undefined && objectType.toLowerCase() !== "key") {
    reader.fail(data.pathOf("ObjectType"), `expected "Key" for a key event, got ${quote(objectType)}`);
  }
  // Key Vault names and versions are case-insensitive.
  const objectName = data.optionalString("ObjectName");
  if (objectName !== undefined && objectName.toLowerCase() !== key.name.toLowerCase()) {
    reader.fail(
      data.pathOf("ObjectName"),
      `${quote(objectName)} does not match the key name ${quote(key.name)} in ${reader.path(data.pathOf("Id"))}`,
    );
  }
  const version = data.optionalString("Version");
  if (version !== undefined && version.toLowerCase() !== key.version.toLowerCase()) {
    reader.fail(
      data.pathOf("Version"),
      `${quote(version)} does not match the version ${quote(key.version)} in ${reader.path(data.pathOf("Id"))}`,
    );
  }
  const vaultName = data.optionalString("VaultName") ?? key.vaultHost.split(".")[0] ?? key.vaultHost;

  const source = envelope.source?.trim();
  return {
    kind,
    eventId: envelope.eventId,
    eventTime,
    schema: envelope.schema,
    vaultArmId: source !== undefined && VAULT_ARM_ID.test(source) ? source : undefined,
    vaultName,
    vaultUrl: key.vaultUrl,
    keyName: key.name,
    version: key.version,
    keyId: `${key.vaultUrl}/keys/${key.name}/${key.version}`,
    notBefore: readEpochSeconds(data.get("NBF"), reader),
    expiresOn: readEpochSeconds(data.get("EXP"), reader),
    subject: envelope.subject ?? key.name,
  };
}

/** `data.Id`, which must be a versioned key identifier: the event is about one version. */
function readVersionedKeyId(data: TolerantObject, reader: EventReader): KeyId & { readonly version: string } {
  const text = data.requiredString("Id");
  let key: KeyId;
  try {
    key = parseKeyId(text);
  } catch (error) {
    if (!(error instanceof KeyIdError)) throw error;
    return reader.fail(data.pathOf("Id"), error.message);
  }
  const { version } = key;
  if (version === undefined) {
    reader.fail(
      data.pathOf("Id"),
      `${quote(text)} has no key version (expected https://{vault}/keys/{name}/{version})`,
    );
  }
  return { ...key, version };
}

/**
 * NBF/EXP: epoch seconds as a number or a numeric string (both are seen); absent, null or "" mean not set.
 */
function readEpochSeconds(field: FoundField | undefined, reader: EventReader): Date | undefined {
  if (field === undefined) return undefined;
  let seconds: number;
  if (typeof field.value === "number") {
    seconds = field.value;
  } else if (typeof field.value === "string") {
    const text = field.value.trim();
    if (text === "") return undefined;
    if (!NUMERIC.test(text)) {
      reader.fail(field.at, `expected epoch seconds (a number or numeric string), got ${quote(text)}`);
    }
    seconds = Number(text);
  } else {
    return reader.fail(
      field.at,
      `expected epoch seconds (a number or numeric string), got ${describeType(field.value)}`,
    );
  }
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(seconds) || seconds < 0 || Number.isNaN(date.getTime())) {
    reader.fail(field.at, "expected epoch seconds between 1970 and 275760");
  }
  return date;
}
