import type { EventSchema } from "./domainEvents.js";
import { describeType, isJsonObject, quote, readDateTime, type EventReader } from "./eventReader.js";

/** The schema-neutral envelope of one event; `data` is left for the event type's decoder. */
export interface EventEnvelope {
  readonly schema: EventSchema;
  readonly eventId: string;
  readonly eventType: string;
  /** Always set for Event Grid events; CloudEvents may omit `time`. */
  readonly eventTime: Date | undefined;
  readonly subject: string | undefined;
  /** Event Grid `topic` / CloudEvents `source`. */
  readonly source: string | undefined;
  readonly data: unknown;
  /** True when a CloudEvent carries binary `data_base64` instead of JSON `data`. */
  readonly binaryData: boolean;
  /** Field names of this schema, for messages and paths. */
  readonly names: { readonly time: string; readonly subject: string };
}

/**
 * Reads and validates the envelope of one event, detecting its schema: `specversion` means CloudEvents 1.0;
 * `eventType` with `dataVersion` or `metadataVersion` means the Event Grid schema. The checks match those
 * of @azure/eventgrid's `EventGridDeserializer` except that Event Grid `topic` is optional, because captured
 * events replayed by hand often lack it.
 */
export function readEnvelope(raw: unknown, reader: EventReader): EventEnvelope {
  if (!isJsonObject(raw)) reader.fail([], `expected an event object, got ${describeType(raw)}`);
  if ("specversion" in raw) return readCloudEvent(raw, reader);
  if ("eventType" in raw) return readEventGridEvent(raw, reader);
  if ("type" in raw && "source" in raw) {
    // The Event Grid spec's CloudEvents sample `resource_delete_success` spells it `specVersion`;
    // CloudEvents attribute names are lower-case and Event Grid delivers `specversion`, so the
    // camel-case spelling is refused, by name, rather than guessed at.
    const camel = Object.keys(raw).find((k) => k !== "specversion" && k.toLowerCase() === "specversion");
    reader.fail(
      [camel ?? "specversion"],
      camel === undefined
        ? 'missing; a CloudEvents event needs specversion "1.0"'
        : `CloudEvents attribute names are lower-case: expected "specversion", got ${quote(camel)}`,
    );
  }
  return reader.fail(
    [],
    "not an event: expected an Event Grid event (eventType, dataVersion) or a CloudEvents 1.0 event (specversion)",
  );
}

function requiredString(raw: Record<string, unknown>, name: string, reader: EventReader): string {
  const value = raw[name];
  if (value === undefined || value === null) reader.fail([name], "missing; expected a non-empty string");
  if (typeof value !== "string" || value.trim() === "") {
    reader.fail([name], `expected a non-empty string, got ${describeType(value)}`);
  }
  return value;
}

function optionalString(raw: Record<string, unknown>, name: string, reader: EventReader): string | undefined {
  const value = raw[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") reader.fail([name], `expected a string, got ${describeType(value)}`);
  return value;
}

function readEventGridEvent(raw: Record<string, unknown>, reader: EventReader): EventEnvelope {
  const eventId = requiredString(raw, "id", reader);
  const eventType = requiredString(raw, "eventType", reader);
  const dataVersion = optionalString(raw, "dataVersion", reader);
  const metadataVersion = optionalString(raw, "metadataVersion", reader);
  if (dataVersion === undefined && metadataVersion === undefined) {
    reader.fail(["dataVersion"], "missing; an Event Grid event needs dataVersion (or metadataVersion)");
  }
  if (metadataVersion !== undefined && metadataVersion !== "1") {
    reader.fail(["metadataVersion"], `expected "1" (Event Grid schema), got ${quote(metadataVersion)}`);
  }
  const subject = optionalString(raw, "subject", reader);
  if (subject === undefined) reader.fail(["subject"], "missing; expected a string");
  return {
    schema: "EventGrid",
    eventId,
    eventType,
    eventTime: readDateTime(raw.eventTime, reader, ["eventTime"]),
    subject,
    source: optionalString(raw, "topic", reader),
    data: raw.data,
    binaryData: false,
    names: { time: "eventTime", subject: "subject" },
  };
}

function readCloudEvent(raw: Record<string, unknown>, reader: EventReader): EventEnvelope {
  const specversion = raw.specversion;
  if (specversion !== "1.0") {
    reader.fail(
      ["specversion"],
      `expected "1.0" (CloudEvents 1.0), got ${typeof specversion === "string" ? quote(specversion) : describeType(specversion)}`,
    );
  }
  const eventId = requiredString(raw, "id", reader);
  const source = requiredString(raw, "source", reader);
  const eventType = requiredString(raw, "type", reader);
  const time =
    raw.time === undefined || raw.time === null ? undefined : readDateTime(raw.time, reader, ["time"]);
  const binaryData = raw.data_base64 !== undefined && raw.data_base64 !== null;
  if (binaryData && raw.data !== undefined) {
    reader.fail(["data_base64"], "an event carries either data or data_base64, not both");
  }
  return {
    schema: "CloudEvents",
    eventId,
    eventType,
    eventTime: time,
    subject: optionalString(raw, "subject", reader),
    source,
    data: raw.data,
    binaryData,
    names: { time: "time", subject: "subject" },
  };
}

/** The event time, required by every handled event type even though CloudEvents makes `time` optional. */
export function requireEventTime(envelope: EventEnvelope, reader: EventReader): Date {
  if (envelope.eventTime === undefined) {
    reader.fail([envelope.names.time], "missing; expected an RFC 3339 date-time");
  }
  return envelope.eventTime;
}

/** The event's `data` as an object; every handled event type carries JSON object data. */
export function requireDataObject(envelope: EventEnvelope, reader: EventReader): Record<string, unknown> {
  if (envelope.binaryData) {
    reader.fail(["data_base64"], "expected JSON data; this event type carries a JSON object in data");
  }
  if (envelope.data === undefined || envelope.data === null)
    reader.fail(["data"], "missing; expected an object");
  if (!isJsonObject(envelope.data))
    reader.fail(["data"], `expected an object, got ${describeType(envelope.data)}`);
  return envelope.data;
}
