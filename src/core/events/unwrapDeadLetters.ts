import { locateJsonSyntaxError } from "./locateJsonSyntaxError.js";

/** Why and when Event Grid gave up on an event, as recorded in its dead-letter blob. */
export interface DeadLetterInfo {
  /** `deadLetterReason`, e.g. `MaxDeliveryAttemptsExceeded`, `UndeliverableDueToHttpBadRequest`. */
  readonly reason?: string;
  readonly deliveryAttempts?: number;
  /** `lastDeliveryOutcome` (namespace topics: `deliveryresult`), e.g. `NotFound`, `TimedOut`. */
  readonly lastDeliveryOutcome?: string;
  readonly lastHttpStatusCode?: number;
  /** When Event Grid accepted the event (`publishTime`; namespace topics: `publishutc`). */
  readonly publishTime?: string;
  readonly lastDeliveryAttemptTime?: string;
}

/** One event of a dead-letter blob, with Event Grid's dead-letter properties taken off. */
export interface DeadLetteredEvent {
  /** Position in the blob's array (0 for a blob holding one object). */
  readonly index: number;
  /** The event as it was originally delivered. */
  readonly event: unknown;
  readonly deadLetter: DeadLetterInfo;
}

/** The blob's text is not a JSON event or array of events. */
export class DeadLetterFormatError extends Error {
  readonly code = "DeadLetterBlobMalformed";
  constructor(message: string) {
    super(message);
    this.name = "DeadLetterFormatError";
  }
}

/*
 * Event Grid adds these next to the event's own properties: camelCase for the Event Grid schema,
 * lower case for CloudEvents (extension attributes must be lower case). Matched case-insensitively.
 * Source: learn.microsoft.com/azure/event-grid/delivery-and-retry ("Delivery event formats").
 */
const flatFields: Record<string, keyof DeadLetterInfo> = {
  deadletterreason: "reason",
  deliveryattempts: "deliveryAttempts",
  lastdeliveryoutcome: "lastDeliveryOutcome",
  lasthttpstatuscode: "lastHttpStatusCode",
  publishtime: "publishTime",
  lastdeliveryattempttime: "lastDeliveryAttemptTime",
};

/*
 * Namespace topics wrap the metadata in `deadletterProperties` (and the subscription's custom
 * delivery headers in `customDeliveryProperties`), either beside the event's attributes or beside
 * an `event` object. Source: learn.microsoft.com/azure/event-grid/dead-letter-event-subscriptions-namespace-topics.
 */
const nestedFields: Record<string, keyof DeadLetterInfo> = {
  deadletterreason: "reason",
  deliveryattempts: "deliveryAttempts",
  deliveryresult: "lastDeliveryOutcome",
  publishutc: "publishTime",
  deliveryattemptutc: "lastDeliveryAttemptTime",
};

const numericFields = new Set<keyof DeadLetterInfo>(["deliveryAttempts", "lastHttpStatusCode"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function collect(into: Record<string, unknown>, field: keyof DeadLetterInfo, value: unknown): void {
  if (numericFields.has(field)) {
    const n = typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof n === "number" && Number.isFinite(n)) into[field] = n;
  } else if (typeof value === "string" && value !== "") {
    into[field] = value;
  }
}

function unwrapOne(raw: unknown, index: number): DeadLetteredEvent {
  if (!isRecord(raw)) return { index, event: raw, deadLetter: {} };
  const info: Record<string, unknown> = {};
  const rest: Record<string, unknown> = {};
  let nested: unknown;
  for (const [key, value] of Object.entries(raw)) {
    const lower = key.toLowerCase();
    const field = flatFields[lower];
    if (field !== undefined) collect(info, field, value);
    else if (lower === "deadletterproperties") nested = value;
    // Custom delivery headers of the subscription: not part of the event, possibly sensitive.
    else if (lower !== "customdeliveryproperties") rest[key] = value;
  }
  if (isRecord(nested)) {
    for (const [key, value] of Object.entries(nested)) {
      const field = nestedFields[key.toLowerCase()];
      if (field !== undefined) collect(info, field, value);
    }
  }
  const wrapped = Object.keys(rest).length === 1 && isRecord(rest.event) ? rest.event : undefined;
  return { index, event: wrapped ?? rest, deadLetter: info };
}

/**
 * Reads the text of one Event Grid dead-letter blob: a JSON array of events (or one object), each
 * carrying the dead-letter properties Event Grid adds (Event Grid schema, CloudEvents schema, and
 * namespace topics' `deadletterProperties` form). Returns each event as originally delivered, with
 * those properties moved to `deadLetter`. Throws {@link DeadLetterFormatError} when the text is not
 * JSON (naming the line and column, never quoting the content) or not an event or array.
 */
export function unwrapDeadLetters(text: string): DeadLetteredEvent[] {
  const body = text.replace(/^\uFEFF/, "");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    const where = locateJsonSyntaxError(body);
    throw new DeadLetterFormatError(
      where === undefined
        ? "not JSON"
        : `not JSON: ${where.problem} at line ${where.line}, column ${where.column}`,
    );
  }
  if (Array.isArray(parsed)) return parsed.map((raw, i) => unwrapOne(raw, i));
  if (isRecord(parsed)) return [unwrapOne(parsed, 0)];
  throw new DeadLetterFormatError("expected a JSON array of events or one event object");
}
