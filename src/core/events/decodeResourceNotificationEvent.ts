import type { IgnoredEvent, InlineArmResource, ResourceNotificationEvent } from "./domainEvents.js";
import { requireDataObject, requireEventTime, type EventEnvelope } from "./eventEnvelope.js";
import {
  describeType,
  isJsonObject,
  quote,
  readDateTime,
  TolerantObject,
  type EventReader,
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
  if (armSubscriptionId(resourceId) === undefined) {
    reader.fail(idAt, `expected an ARM resource id starting with /subscriptions/, got ${quote(resourceId)}`);
  }

  const tags = info.get("tags");
  if (tags !== undefined && !isStringRecord(tags.value)) {
    const got = isJsonObject(tags.value)
      ? "an object with a value that is not a string"
      : describeType(tags.value);
    reader.fail(tags.at, `expected an object of string tags, got ${got}`);
  }
  const properties = info.optionalObject("properties");
  const location = info.optionalString("location");
  const resource: InlineArmResource = {
    ...withoutKeys(info.value, CANONICAL_KEYS),
    id: resourceId,
    name: info.optionalString("name") ?? resourceId.split("/").at(-1) ?? resourceId,
    type,
    location,
    tags: tags === undefined ? undefined : (tags.value as Record<string, string>),
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

function isStringRecord(value: unknown): value is Record<string, string> {
  return isJsonObject(value) && Object.values(value).every((v) => typeof v === "string");
}

/** Keeps the inline resource free of keys the sender did not send (it is compared and logged as JSON). */
function dropUndefined(resource: InlineArmResource): InlineArmResource {
  return Object.fromEntries(
    Object.entries(resource).filter(([, value]) => value !== undefined),
  ) as InlineArmResource;
}
