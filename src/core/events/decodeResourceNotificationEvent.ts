import type { IgnoredEvent, InlineArmResource, ResourceNotificationEvent } from "./domainEvents.js";
import { requireDataObject, requireEventTime, type EventEnvelope } from "./eventEnvelope.js";
import {
  describeType,
  isJsonObject,
  quote,
  readDateTime,
  TolerantObject,
  type EventReader,
  type FoundField,
} from "./eventReader.js";
import { armSubscriptionId } from "../ids/armResourceId.js";
import { isResourceTypeInScope } from "./eventTypes.js";

/**
 * Decodes `Microsoft.ResourceNotifications.Resources.CreatedOrUpdated` / `.Deleted` (data: `resourceInfo`,
 * `operationalInfo`, `apiVersion`, per azure-rest-api-specs
 * specification/eventgrid/data-plane/EventGridSystemEvents/Microsoft.ResourceNotifications).
 * The inline resource is passed on as sent, apart from validating id, name, type, tags and properties.
 * Resource types out of scope become Ignored unless `filterByScope` is false.
 */
export function decodeResourceNotificationEvent(
  envelope: EventEnvelope,
  reader: EventReader,
  kind: "ResourceCreatedOrUpdated" | "ResourceDeleted",
  filterByScope: boolean,
): ResourceNotificationEvent | IgnoredEvent {
  const eventTime = requireEventTime(envelope, reader);
  const rawData = requireDataObject(envelope, reader);
  const data = new TolerantObject(rawData, reader, ["data"]);
  const info = data.requiredObject("resourceInfo");

  const type = info.requiredString("type");
  if (filterByScope && !isResourceTypeInScope(type)) {
    return {
      kind: "Ignored",
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      reason: `resource type ${type} is not in scope`,
    };
  }

  const infoId = info.optionalString("id");
  const resourceId = infoId ?? envelope.subject?.trim() ?? "";
  const idAt = infoId === undefined ? [envelope.names.subject] : info.pathOf("id");
  if (resourceId === "") reader.fail(info.pathOf("id"), "missing; expected an ARM resource id");
  if (/\s/.test(resourceId)) {
    // The spec's own sample has "{subscription-id} /resourceGroups": ARM ids never contain
    // whitespace, and guessing which space to drop could name another resource.
    reader.fail(idAt, `${quote(resourceId)} contains whitespace; an ARM resource id has none`);
  }
  if (armSubscriptionId(resourceId) === undefined) {
    reader.fail(idAt, `expected an ARM resource id starting with /subscriptions/, got ${quote(resourceId)}`);
  }

  const tags = readTags(info.get("tags"), reader);
  const properties = info.optionalObject("properties");
  const location = info.optionalString("location");
  const resource: InlineArmResource = {
    ...withoutKeys(info.value, CANONICAL_KEYS),
    id: resourceId,
    name: info.optionalString("name") ?? resourceId.split("/").at(-1) ?? resourceId,
    type,
    location,
    tags,
    properties: properties?.value,
  };

  const operational = data.optionalObject("operationalInfo");
  const eventTimeField = operational?.get("resourceEventTime");
  return {
    kind,
    eventId: envelope.eventId,
    eventTime,
    schema: envelope.schema,
    resourceId,
    resource: dropUndefined(resource),
    apiVersion: data.optionalString("apiVersion"),
    operationalInfo: {
      resourceEventTime:
        eventTimeField === undefined
          ? undefined
          : readDateTime(eventTimeField.value, reader, eventTimeField.at),
    },
  };
}

const CANONICAL_KEYS = new Set(["id", "name", "type", "location", "tags", "properties"]);

/** The other members of the inline resource (kind, sku, identity, ...), whatever their key casing. */
function withoutKeys(value: Record<string, unknown>, keys: ReadonlySet<string>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !keys.has(key.trim().toLowerCase())));
}

/**
 * `resourceInfo.tags`: an object of strings. The docs' schema table types it as a string, so its JSON
 * text is read too, and an empty string means no tags. Anything else fails the event: the exclusion
 * tag is read from here, and acting on a resource whose tags cannot be read could act on one its
 * owner excluded (the sweep judges it later from Resource Graph).
 */
function readTags(found: FoundField | undefined, reader: EventReader): Record<string, string> | undefined {
  if (found === undefined) return undefined;
  let value = found.value;
  if (typeof value === "string") {
    if (value.trim() === "") return undefined;
    try {
      value = JSON.parse(value) as unknown;
    } catch {
      reader.fail(
        found.at,
        "expected an object of string tags (or its JSON text), got a string that is not JSON",
      );
    }
  }
  if (!isStringRecord(value)) {
    const got = isJsonObject(value) ? "an object with a value that is not a string" : describeType(value);
    reader.fail(found.at, `expected an object of string tags, got ${got}`);
  }
  return value;
}

function isStringRecord(value: unknown): value is Record<string, string> {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/** Keeps the inline resource free of keys the sender did not send (it is compared and logged as JSON). */
function dropUndefined(resource: InlineArmResource): InlineArmResource {
  return Object.fromEntries(
    Object.entries(resource).filter(([, value]) => value !== undefined),
  ) as InlineArmResource;
}
