import type { ArmCaller, IgnoredEvent, ResourceDeleteEvent, ResourceWriteEvent } from "./domainEvents.js";
import { isJsonObject, type JsonObject } from "./eventReader.js";
import { parseRfc3339Fast } from "./parseRfc3339Fast.js";
import { trimmed } from "./trimmed.js";
import { EventTypes, isArmOperationInScope } from "./eventTypes.js";
import { armSubscriptionIdFast } from "../ids/armSubscriptionIdFast.js";
import { parseResourceIdFast } from "../ids/parseResourceIdFast.js";
import { KeyListMemo, matchKeys } from "./keyListMemo.js";

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
const dataFieldsLower = dataFields.map((f) => f.toLowerCase());

const objectIdClaims = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"] as const;
const appIdClaims = ["appid", "azp"] as const;
const claimNames = [...objectIdClaims, ...appIdClaims];

// What each key list of `data`, `claims`, `authorization` and `evidence` means, worked out once
// per list: events of one sender carry the same keys in the same order.
const memoCapacity = 32;
/** `data`: whether every field the decoder reads is sent once, under its documented name. */
const dataKeys = new KeyListMemo<{ readonly common: boolean }>(memoCapacity);
/** `claims`: the key each claim name is read from (keep-first). */
const claimKeys = new KeyListMemo<readonly (string | undefined)[]>(memoCapacity);
/** `authorization`: the key `evidence` is read from (keep-first). */
const authorizationKeys = new KeyListMemo<{ readonly key: string | undefined }>(memoCapacity);
/** `evidence`: the key `principalId` is read from; null when two keys name one field. */
const evidenceKeys = new KeyListMemo<{ readonly key: string | undefined | null }>(memoCapacity);

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
  if (typeof value !== "string") return null;
  const text = trimmed(value);
  return text === "" ? null : text;
}

/** True when `data`'s keys name each field the decoder reads at most once, as documented. */
function dataInCommonShape(data: JsonObject): boolean {
  const known = dataKeys.lookup(data);
  if (known !== undefined) return known.common;
  const keys = Object.keys(data);
  const { twins, keyOf } = matchKeys(keys, dataFieldsLower);
  const common = !twins && keyOf.every((key, i) => key === undefined || key === dataFields[i]);
  return dataKeys.set(keys, { common }).common;
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
  if (typeof eventId !== "string" || trimmed(eventId) === "") return other;
  const dataVersion = envelopeString(raw, "dataVersion");
  const metadataVersion = envelopeString(raw, "metadataVersion");
  if (dataVersion === null || metadataVersion === null) return other;
  if (dataVersion === undefined && metadataVersion === undefined) return other;
  if (metadataVersion !== undefined && metadataVersion !== "1") return other;
  const subject = envelopeString(raw, "subject");
  if (subject === undefined || subject === null) return other;
  if (envelopeString(raw, "topic") === null) return other;
  const time = raw.eventTime;
  const eventTime = typeof time === "string" ? parseRfc3339Fast(time) : undefined;
  if (eventTime === undefined) return other;
  const data = raw.data;
  if (!isJsonObject(data)) return other;

  // The fields are read by name once the key list is known to hold no twins or other spellings.
  if (!dataInCommonShape(data)) return other;

  const operationName = dataString(data.operationName);
  if (operationName === undefined || operationName === null) return other;
  if (filterByScope && !isArmOperationInScope(operationName)) {
    return {
      kind: "Ignored",
      eventId,
      eventType: EventTypes[kind],
      reason: `ARM operation ${operationName} is not in scope`,
    };
  }
  const resourceUri = dataString(data.resourceUri);
  if (resourceUri === null) return other;
  const resourceId = resourceUri ?? trimmed(subject);
  // An id of the common shape (so no whitespace, and a subscription segment) is read once here and
  // handed to triage; any other id is checked as the general path checks it.
  const parsedResourceId = parseResourceIdFast(resourceId);
  if (
    parsedResourceId === undefined &&
    (resourceId === "" || /\s/.test(resourceId) || armSubscriptionIdFast(resourceId) === undefined)
  )
    return other;
  const status = dataString(data.status);
  const subscriptionId = dataString(data.subscriptionId);
  const tenantId = dataString(data.tenantId);
  const correlationId = dataString(data.correlationId);
  const resourceProvider = dataString(data.resourceProvider);
  if (
    status === null ||
    subscriptionId === null ||
    tenantId === null ||
    correlationId === null ||
    resourceProvider === null
  )
    return other;
  const caller = readCaller(data.claims, data.authorization);
  if (caller === undefined) return other;
  // The id's subscription is sliced out only when `data` does not name one.
  const subscription = subscriptionId ?? armSubscriptionIdFast(resourceId);
  if (subscription === undefined) return other;

  return {
    kind,
    eventId,
    eventTime,
    schema: "EventGrid",
    resourceId,
    parsedResourceId,
    operationName,
    status,
    subscriptionId: subscription,
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

  let objectId: string | undefined;
  let appId: string | undefined;
  if (claims !== undefined && claims !== null) {
    const keyOf = claimKeys.lookup(claims) ?? rememberClaimKeys(claims);
    // Keep-first: the first key naming a claim wins, even when its value is null.
    objectId = claimValue(claims, keyOf[0]) ?? claimValue(claims, keyOf[1]);
    appId = claimValue(claims, keyOf[2]) ?? claimValue(claims, keyOf[3]);
  }

  let principalId: unknown;
  if (authorization !== undefined && authorization !== null) {
    const evidenceKey = (authorizationKeys.lookup(authorization) ?? rememberAuthorizationKeys(authorization))
      .key;
    const evidence = evidenceKey === undefined ? undefined : authorization[evidenceKey];
    if (evidence !== undefined && evidence !== null) {
      if (!isJsonObject(evidence)) return undefined;
      const principalKey = (evidenceKeys.lookup(evidence) ?? rememberEvidenceKeys(evidence)).key;
      if (principalKey === null) return undefined;
      if (principalKey !== undefined) principalId = evidence[principalKey];
    }
  }
  return {
    objectId: objectId ?? (typeof principalId === "string" ? principalId : undefined),
    appId,
  };
}

function rememberClaimKeys(claims: JsonObject): readonly (string | undefined)[] {
  const keys = Object.keys(claims);
  return claimKeys.set(keys, matchKeys(keys, claimNames).keyOf);
}

function rememberAuthorizationKeys(authorization: JsonObject): { readonly key: string | undefined } {
  const keys = Object.keys(authorization);
  return authorizationKeys.set(keys, { key: matchKeys(keys, ["evidence"]).keyOf[0] });
}

function rememberEvidenceKeys(evidence: JsonObject): { readonly key: string | undefined | null } {
  const keys = Object.keys(evidence);
  const match = matchKeys(keys, ["principalid"]);
  return evidenceKeys.set(keys, { key: match.twins ? null : match.keyOf[0] });
}

/** A claim's value as `firstClaim` takes it: a non-empty string, trimmed. */
function claimValue(claims: JsonObject, key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  const value = claims[key];
  if (typeof value !== "string") return undefined;
  const text = trimmed(value);
  return text === "" ? undefined : text;
}
