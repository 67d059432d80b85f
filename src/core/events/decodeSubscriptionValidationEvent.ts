import type { SubscriptionValidationEvent } from "./domainEvents.js";
import { requireDataObject, requireEventTime, type EventEnvelope } from "./eventEnvelope.js";
import { TolerantObject, type EventReader } from "./eventReader.js";

/**
 * Decodes `Microsoft.EventGrid.SubscriptionValidationEvent` (data: `validationCode`, and `validationUrl`
 * since API version 2018-05-01-preview) so a webhook can answer `{"validationResponse": validationCode}`.
 */
export function decodeSubscriptionValidationEvent(
  envelope: EventEnvelope,
  reader: EventReader,
): SubscriptionValidationEvent {
  const eventTime = requireEventTime(envelope, reader);
  const data = new TolerantObject(requireDataObject(envelope, reader), reader, ["data"]);
  return {
    kind: "SubscriptionValidation",
    eventId: envelope.eventId,
    eventTime,
    schema: envelope.schema,
    validationCode: data.requiredString("validationCode"),
    validationUrl: data.optionalString("validationUrl"),
  };
}
