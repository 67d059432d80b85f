import type { ArmCaller, IgnoredEvent, ResourceDeleteEvent, ResourceWriteEvent } from "./domainEvents.js";
import { isJsonObject, parseRfc3339, type JsonObject } from "./eventReader.js";
import { EventTypes, isArmOperationInScope } from "./eventTypes.js";
import { armSubscriptionId } from "../ids/armResourceId.js";

/** The fields of `data` the decoder reads, by the name ARM sends them. */
const dataFields = [
  "operationName",
  "resourceUri",
  "status",
  "subscriptionId",
  "tenantId",
  "correlationId",
  "resourceProvider",
  "claims",
  "authorization",
] as const;
type DataField = (typeof dataFields)[number];
const dataFieldByLower = new Map<string, DataField>(dataFields.map((f) => [f.toLowerCase(), f]));

const objectIdClaims = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"] as const;
const appIdClaims = ["appid", "azp"] as const;
const claimNames = new Set<string>([...objectIdClaims, ...appIdClaims]);

/** Marks "not the common shape": the caller decodes the event the general way. */
const other = undefined;

/** `optionalString` of the envelope: a string, or absent/null; anything else is not the fast shape. */
function envelopeString(raw: JsonObject, name: string): string | undefined | null {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" ? value : null;
}

/** `TolerantObject.optionalString`: absent/null → undefined; a non-empty string trimmed; else null. */
function dataString(value: unknown): string | undefined | null {
  if (value === undefined || value === null) return undefined;
  return typeof value === "string" && value.trim() !== "" ? value.trim() : null;
}

/**
 * The keys of an object matched as `TolerantObject` matches them (trimmed, case-insensitive), with
 * its `onConflict: "fail"` rule: null when two keys name the same field (the general decoder then
 * decides whether their values differ and, if so, fails the event with the right path).
 */
function hasDuplicateKeys(value: JsonObject): boolean {
  const keys = Object.keys(value);
  if (keys.length < 2) return false;
  const seen = new Set<string>();
  for (const key of keys) {
    const normalized = key.trim().toLowerCase();
    if (seen.has(normalized)) return true;
    seen.add(normalized);
  }
  return false;
}

/**
 * Decodes a `Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess` event in the shape
 * Event Grid delivers it (Event Grid schema, ARM's field names as documented, objects for `claims`
 * and `authorization`) without the general decoder's per-object wrappers and path arrays: the hot
 * path of the events endpoint, which sees every ARM write of the subscriptions it watches.
 *
 * It answers only when it can be sure the general path ({@link readEnvelope} then
 * `decodeArmOperationEvent`) would give the same event: anything else (CloudEvents, other event
 * types or casings, a field in another case or with spaces, a field sent twice, JSON text for an
 * object, any value the general path would refuse) returns undefined and the caller takes the
 * general path, which also words every error. A property test holds the two paths equal.
 */
export function fastArmOperationEvent(
  raw: unknown,
  filterByScope: boolean,
): ResourceWriteEvent | ResourceDeleteEvent | IgnoredEvent | undefined {
  if (!isJsonObject(raw) || "specversion" in raw || !("eventType" in raw)) return other;
  const eventType = raw.eventType;
  const kind =
    eventType === EventTypes.ResourceWriteSuccess
      ? "ResourceWriteSuccess"
      : eventType === EventTypes.ResourceDeleteSuccess
        ? "ResourceDeleteSuccess"
        : undefined;
  if (kind === undefined) return other;
  const eventId = raw.id;
  if (typeof eventId !== "string" || eventId.trim() === "") return other;
  const dataVersion = envelopeString(raw, "dataVersion");
  const metadataVersion = envelopeString(raw, "metadataVersion");
  if (dataVersion === null || metadataVersion === null) return other;
  if (dataVersion === undefined && metadataVersion === undefined) return other;
  if (metadataVersion !== undefined && metadataVersion !== "1") return other;
  const subject = envelopeString(raw, "subject");
  if (subject === undefined || subject === null) return other;
  if (envelopeString(raw, "topic") === null) return other;
  const time = raw.eventTime;
  const eventTime = typeof time === "string" ? parseRfc3339(time) : undefined;
  if (eventTime === undefined) return other;
  const data = raw.data;
  if (!isJsonObject(data)) return other;

  // One pass over data's keys: each field the decoder reads must be sent under its documented name.
  const fields: Partial<Record<DataField, unknown>> = {};
  const seen = new Set<string>();
  for (const key of Object.keys(data)) {
    const lower = key.toLowerCase();
    const normalized = key === lower ? key : lower;
    const trimmed = normalized.trim();
    if (seen.has(trimmed)) return other;
    seen.add(trimmed);
    const field = dataFieldByLower.get(trimmed);
    if (field === undefined) continue;
    if (key !== field) return other;
    fields[field] = data[key];
  }

  const operationName = dataString(fields.operationName);
  if (operationName === undefined || operationName === null) return other;
  if (filterByScope && !isArmOperationInScope(operationName)) {
    return {
      kind: "Ignored",
      eventId,
      eventType: EventTypes[kind],
      reason: `ARM operation ${operationName} is not in scope`,
    };
  }
  const resourceUri = dataString(fields.resourceUri);
  if (resourceUri === null) return other;
  const resourceId = resourceUri ?? subject.trim();
  if (resourceId === "" || /\s/.test(resourceId)) return other;
  const subscriptionFromId = armSubscriptionId(resourceId);
  if (subscriptionFromId === undefined) return other;
  const status = dataString(fields.status);
  const subscriptionId = dataString(fields.subscriptionId);
  const tenantId = dataString(fields.tenantId);
  const correlationId = dataString(fields.correlationId);
  const resourceProvider = dataString(fields.resourceProvider);
  if (
    status === null ||
    subscriptionId === null ||
    tenantId === null ||
    correlationId === null ||
    resourceProvider === null
  )
    return other;
  const caller = readCaller(fields.claims, fields.authorization);
  if (caller === undefined) return other;

  return {
    kind,
    eventId,
    eventTime,
    schema: "EventGrid",
    resourceId,
    operationName,
    status,
    subscriptionId: subscriptionId ?? subscriptionFromId,
    tenantId,
    correlationId,
    caller,
    resourceProvider: resourceProvider ?? operationName.split("/")[0] ?? operationName,
  };
}

/**
 * The caller as `decodeArmOperationEvent`'s `readCaller` reads it: claims and the authorization
 * object matched keep-first, the evidence object with the fail-on-conflict rule. Undefined when
 * the shape is not the common one (JSON text, a non-object, a duplicated evidence field).
 */
function readCaller(claims: unknown, authorization: unknown): ArmCaller | undefined {
  if (typeof claims === "string" || typeof authorization === "string") return undefined;
  if (claims !== undefined && claims !== null && !isJsonObject(claims)) return undefined;
  if (authorization !== undefined && authorization !== null && !isJsonObject(authorization)) return undefined;

  // Keep-first: the first key naming a claim wins, even when its value is null.
  const firstByName = new Map<string, unknown>();
  if (claims !== undefined && claims !== null) {
    for (const key of Object.keys(claims)) {
      const name = key.trim().toLowerCase();
      if (claimNames.has(name) && !firstByName.has(name)) firstByName.set(name, claims[key]);
    }
  }
  const claim = (names: readonly string[]): string | undefined => {
    for (const name of names) {
      const value = firstByName.get(name);
      if (typeof value === "string" && value.trim() !== "") return value.trim();
    }
    return undefined;
  };

  let principalId: unknown;
  if (authorization !== undefined && authorization !== null) {
    let evidence: unknown;
    let found = false;
    for (const key of Object.keys(authorization)) {
      if (key.trim().toLowerCase() === "evidence") {
        evidence = authorization[key];
        found = true;
        break;
      }
    }
    if (found && evidence !== undefined && evidence !== null) {
      if (!isJsonObject(evidence) || hasDuplicateKeys(evidence)) return undefined;
      for (const key of Object.keys(evidence)) {
        if (key.trim().toLowerCase() === "principalid") {
          principalId = evidence[key];
          break;
        }
      }
    }
  }
  return {
    objectId: claim(objectIdClaims) ?? (typeof principalId === "string" ? principalId : undefined),
    appId: claim(appIdClaims),
  };
}
