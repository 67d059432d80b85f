import { decodeArmOperationEvent } from "./decodeArmOperationEvent.js";
import { decodeKeyVaultKeyEvent } from "./decodeKeyVaultKeyEvent.js";
import { decodeResourceNotificationEvent } from "./decodeResourceNotificationEvent.js";
import { decodeSubscriptionValidationEvent } from "./decodeSubscriptionValidationEvent.js";
import type { DomainEvent } from "./domainEvents.js";
import { EventDecodeError } from "./eventDecodeError.js";
import { readEnvelope, type EventEnvelope } from "./eventEnvelope.js";
import { describeType, EventReader } from "./eventReader.js";
import { EventTypes } from "./eventTypes.js";
import { fastArmOperationEvent } from "./fastArmOperationEvent.js";
import { locateJsonSyntaxError } from "./locateJsonSyntaxError.js";

/** What a delivery decoded to: the events that decoded, and one error per event that did not. */
export interface DecodeResult {
  readonly events: DomainEvent[];
  readonly errors: EventDecodeError[];
}

/** Options for {@link decodeDelivery}. */
export interface DecodeOptions {
  /**
   * When true (the default), ARM operation events whose operation is out of scope and Resource Notifications
   * events whose resource type is out of scope decode to `Ignored`. Set false to decode them all.
   */
  readonly filterByScope?: boolean | undefined;
}

type Decoder = (envelope: EventEnvelope, reader: EventReader, filterByScope: boolean) => DomainEvent;

// Event Grid treats event types case-insensitively (filters, routing), so lookup does too.
const decoders = new Map<string, Decoder>(
  (
    [
      [EventTypes.KeyNewVersionCreated, (e, r) => decodeKeyVaultKeyEvent(e, r, "KeyNewVersionCreated")],
      [EventTypes.KeyNearExpiry, (e, r) => decodeKeyVaultKeyEvent(e, r, "KeyNearExpiry")],
      [EventTypes.KeyExpired, (e, r) => decodeKeyVaultKeyEvent(e, r, "KeyExpired")],
      [
        EventTypes.ResourceWriteSuccess,
        (e, r, f) => decodeArmOperationEvent(e, r, "ResourceWriteSuccess", f),
      ],
      [
        EventTypes.ResourceDeleteSuccess,
        (e, r, f) => decodeArmOperationEvent(e, r, "ResourceDeleteSuccess", f),
      ],
      [
        EventTypes.ResourceCreatedOrUpdated,
        (e, r, f) => decodeResourceNotificationEvent(e, r, "ResourceCreatedOrUpdated", f),
      ],
      [EventTypes.ResourceDeleted, (e, r, f) => decodeResourceNotificationEvent(e, r, "ResourceDeleted", f)],
      [EventTypes.SubscriptionValidation, (e, r) => decodeSubscriptionValidationEvent(e, r)],
    ] satisfies [string, Decoder][]
  ).map(([type, decoder]) => [type.toLowerCase(), decoder]),
);

/**
 * Decodes an Event Grid delivery that is already parsed JSON: one event or an array of events (a batch),
 * in the Event Grid schema or CloudEvents 1.0, detected per event. An event that fails to decode yields an error and
 * leaves the other events of its batch alone. Well-formed events of other types decode to `Ignored`.
 */
export function decodeDelivery(body: unknown, options: DecodeOptions = {}): DecodeResult {
  const filterByScope = options.filterByScope ?? true;
  const events: DomainEvent[] = [];
  const errors: EventDecodeError[] = [];
  const decodeOne = (raw: unknown, inBatch: boolean, index: number): void => {
    // ARM write events are most of the traffic: the common shape is read without the general wrappers.
    const fast = fastArmOperationEvent(raw, filterByScope);
    if (fast !== undefined) {
      events.push(fast);
      return;
    }
    const reader = new EventReader(inBatch ? [index] : [], index);
    try {
      const envelope = readEnvelope(raw, reader);
      const decoder = decoders.get(envelope.eventType.trim().toLowerCase());
      events.push(
        decoder === undefined
          ? {
              kind: "Ignored",
              eventId: envelope.eventId,
              eventType: envelope.eventType,
              reason: `event type ${envelope.eventType} is not handled`,
            }
          : decoder(envelope, reader, filterByScope),
      );
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      errors.push(error);
    }
  };

  if (Array.isArray(body)) {
    for (let index = 0; index < body.length; index++) if (index in body) decodeOne(body[index], true, index);
  } else if (typeof body === "object" && body !== null) {
    decodeOne(body, false, 0);
  } else {
    errors.push(
      new EventDecodeError("$", `expected an event object or an array of events, got ${describeType(body)}`),
    );
  }
  return { events, errors };
}

/**
 * Decodes a delivery from its text (an HTTP body, a replay file). Text that is not JSON yields one error
 * giving the line, column and offset of the first syntax problem, without quoting the text.
 */
export function decodeDeliveryText(text: string, options: DecodeOptions = {}): DecodeResult {
  // Files saved by some Windows editors start with a byte order mark, which JSON.parse rejects.
  const json = text.startsWith("\uFEFF") ? text.slice(1) : text;
  if (json.trim() === "") {
    return { events: [], errors: [new EventDecodeError("$", "empty delivery; expected JSON")] };
  }
  let body: unknown;
  try {
    body = JSON.parse(json) as unknown;
  } catch {
    const where = locateJsonSyntaxError(json);
    const problem =
      where === undefined
        ? "not valid JSON"
        : `not valid JSON: ${where.problem} at line ${where.line}, column ${where.column} (offset ${where.position})`;
    return { events: [], errors: [new EventDecodeError("$", problem)] };
  }
  return decodeDelivery(body, options);
}
