import type { ArmCaller, IgnoredEvent, ResourceDeleteEvent, ResourceWriteEvent } from "./domainEvents.js";
import { requireDataObject, requireEventTime, type EventEnvelope } from "./eventEnvelope.js";
import { quote, TolerantObject, type EventReader } from "./eventReader.js";
import { isArmOperationInScope } from "./eventTypes.js";
import { armSubscriptionId } from "../ids/armResourceId.js";
import { parseResourceIdFast } from "../ids/parseResourceIdFast.js";

const OBJECT_ID_CLAIMS = ["http://schemas.microsoft.com/identity/claims/objectidentifier", "oid"];
const APP_ID_CLAIMS = ["appid", "azp"];

/**
 * Decodes `Microsoft.Resources.ResourceWriteSuccess` / `ResourceDeleteSuccess` from the Azure subscription
 * system topic. ARM operations outside the service's scope (see `infra/eventFilters.json`) become Ignored unless
 * `filterByScope` is false, so a webhook subscribed without filters does not act on them.
 */
export function decodeArmOperationEvent(
  envelope: EventEnvelope,
  reader: EventReader,
  kind: "ResourceWriteSuccess" | "ResourceDeleteSuccess",
  filterByScope: boolean,
): ResourceWriteEvent | ResourceDeleteEvent | IgnoredEvent {
  const eventTime = requireEventTime(envelope, reader);
  const data = new TolerantObject(requireDataObject(envelope, reader), reader, ["data"]);

  const operationName = data.requiredString("operationName");
  if (filterByScope && !isArmOperationInScope(operationName)) {
    return {
      kind: "Ignored",
      eventId: envelope.eventId,
      eventType: envelope.eventType,
      reason: `ARM operation ${operationName} is not in scope`,
    };
  }

  // The resource URI is documented as optional; the subject carries the same id.
  const resourceUri = data.optionalString("resourceUri");
  const resourceId = resourceUri ?? envelope.subject?.trim();
  const resourceIdAt = resourceUri === undefined ? [envelope.names.subject] : data.pathOf("resourceUri");
  if (resourceId === undefined || resourceId === "") {
    reader.fail(data.pathOf("resourceUri"), "missing; expected an ARM resource id (or an event subject)");
  }
  if (/\s/.test(resourceId)) {
    reader.fail(resourceIdAt, `${quote(resourceId)} contains whitespace; an ARM resource id has none`);
  }
  const subscriptionFromId = armSubscriptionId(resourceId);
  if (subscriptionFromId === undefined) {
    reader.fail(
      resourceIdAt,
      `expected an ARM resource id starting with /subscriptions/, got ${quote(resourceId)}`,
    );
  }

  return {
    kind,
    eventId: envelope.eventId,
    eventTime,
    schema: envelope.schema,
    resourceId,
    parsedResourceId: parseResourceIdFast(resourceId),
    operationName,
    status: data.optionalString("status"),
    subscriptionId: data.optionalString("subscriptionId") ?? subscriptionFromId,
    tenantId: data.optionalString("tenantId"),
    correlationId: data.optionalString("correlationId"),
    caller: readCaller(data),
    resourceProvider: data.optionalString("resourceProvider") ?? operationName.split("/")[0] ?? operationName,
  };
}

/**
 * The caller's ids from `data.claims` and `data.authorization` (JSON objects; older producers sent
 * them JSON-encoded in strings, and the Event Grid spec `Microsoft.Resources` still types them as
 * strings). Other claims are never copied: they include token fragments.
 */
function readCaller(data: TolerantObject): ArmCaller {
  const claims = data.optionalObjectOrJsonText("claims", {
    what: "an object of claims",
    onConflict: "keepFirst",
  });
  const evidence = data
    .optionalObjectOrJsonText("authorization", { onConflict: "keepFirst" })
    ?.optionalObject("evidence");
  const principalId = evidence?.get("principalId")?.value;
  return {
    objectId:
      firstClaim(claims, OBJECT_ID_CLAIMS) ?? (typeof principalId === "string" ? principalId : undefined),
    appId: firstClaim(claims, APP_ID_CLAIMS),
  };
}

function firstClaim(claims: TolerantObject | undefined, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = claims?.get(name)?.value;
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  return undefined;
}
