import { EventDecodeError } from "./eventDecodeError.js";
import { formatJsonPath, type PathSegment } from "./jsonPath.js";

/** A JSON object (not null, not an array). */
export type JsonObject = Record<string, unknown>;

/** True for a JSON object (not null, not an array). */
export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Names the JSON type of a value for messages, without echoing the value. */
export function describeType(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return value.trim() === "" ? "an empty string" : "a string";
    case "number":
      return "a number";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

/** Quotes a short identifier-like value (URI, version) for a message; long values are cut. */
export function quote(value: string): string {
  return JSON.stringify(value.length > 160 ? `${value.slice(0, 160)}...` : value);
}

/**
 * Reads one event of a delivery. Knows where the event sits in the delivery so every failure names the
 * full JSON path of the bad field, and the index of the event.
 */
export class EventReader {
  constructor(
    private readonly base: readonly PathSegment[],
    readonly eventIndex: number,
  ) {}

  /** JSON path of a field of this event. */
  path(segments: readonly PathSegment[]): string {
    return formatJsonPath([...this.base, ...segments]);
  }

  /** Stops decoding this event. */
  fail(segments: readonly PathSegment[], problem: string): never {
    throw new EventDecodeError(this.path(segments), problem, this.eventIndex);
  }
}

/** One field found in a {@link TolerantObject}: the key as sent and its value. */
export interface FoundField {
  readonly key: string;
  readonly value: unknown;
  /** Path segments of the field as sent. */
  readonly at: readonly PathSegment[];
}

/**
 * An object whose keys are matched ignoring case and surrounding whitespace: Key Vault sends PascalCase
 * keys, some senders camelCase, and a published sample has `"ObjectName "` with a trailing space.
 */
export class TolerantObject {
  private readonly fields = new Map<string, FoundField>();

  /**
   * @param onConflict - what to do when two keys differ only in case or spaces and carry different values:
   *   fail the event (data fields), or keep the first (token claims, which are not ours to police).
   */
  constructor(
    readonly value: JsonObject,
    private readonly reader: EventReader,
    readonly at: readonly PathSegment[],
    onConflict: "fail" | "keepFirst" = "fail",
  ) {
    for (const [key, fieldValue] of Object.entries(value)) {
      const normalized = key.trim().toLowerCase();
      const earlier = this.fields.get(normalized);
      if (
        onConflict === "fail" &&
        earlier !== undefined &&
        JSON.stringify(earlier.value) !== JSON.stringify(fieldValue)
      ) {
        reader.fail([...at, key], `conflicts with ${reader.path(earlier.at)}: the same field sent twice`);
      }
      if (earlier === undefined) this.fields.set(normalized, { key, value: fieldValue, at: [...at, key] });
    }
  }

  /** The field, or undefined when absent. `null` counts as absent: senders use it for "not set". */
  get(name: string): FoundField | undefined {
    const found = this.fields.get(name.toLowerCase());
    return found?.value === undefined || found.value === null ? undefined : found;
  }

  /** Path of a field: as sent when present, under its documented name otherwise. */
  pathOf(name: string): readonly PathSegment[] {
    return this.fields.get(name.toLowerCase())?.at ?? [...this.at, name];
  }

  /** A string field, trimmed; fails when present with another type or empty. */
  optionalString(name: string): string | undefined {
    const found = this.get(name);
    if (found === undefined) return undefined;
    if (typeof found.value !== "string" || found.value.trim() === "") {
      this.reader.fail(found.at, `expected a non-empty string, got ${describeType(found.value)}`);
    }
    return found.value.trim();
  }

  /** A required string field, trimmed. */
  requiredString(name: string): string {
    const value = this.optionalString(name);
    if (value === undefined) this.reader.fail(this.pathOf(name), "missing; expected a non-empty string");
    return value;
  }

  /** A nested object, or undefined when absent or null. */
  optionalObject(name: string): TolerantObject | undefined {
    const found = this.get(name);
    if (found === undefined) return undefined;
    if (!isJsonObject(found.value)) {
      this.reader.fail(found.at, `expected an object, got ${describeType(found.value)}`);
    }
    return new TolerantObject(found.value, this.reader, found.at);
  }

  /**
   * A nested object that some producers send JSON-encoded in a string (older SDK models typed
   * `authorization`, `claims` and `httpRequest` of ARM events as strings, and the Event Grid spec
   * still does); undefined when absent, null or an empty string. A string that is not the JSON text
   * of an object fails the event, naming the field.
   */
  optionalObjectOrJsonText(
    name: string,
    options: { what?: string; onConflict?: "fail" | "keepFirst" } = {},
  ): TolerantObject | undefined {
    const what = options.what ?? "an object";
    const found = this.get(name);
    if (found === undefined) return undefined;
    let value = found.value;
    if (typeof value === "string") {
      if (value.trim() === "") return undefined;
      try {
        value = JSON.parse(value) as unknown;
      } catch {
        this.reader.fail(found.at, `expected ${what} (or its JSON text), got a string that is not JSON`);
      }
    }
    if (!isJsonObject(value)) {
      this.reader.fail(found.at, `expected ${what} (or its JSON text), got ${describeType(value)}`);
    }
    return new TolerantObject(value, this.reader, found.at, options.onConflict ?? "fail");
  }

  /** A required nested object. */
  requiredObject(name: string): TolerantObject {
    const value = this.optionalObject(name);
    if (value === undefined) this.reader.fail(this.pathOf(name), "missing; expected an object");
    return value;
  }
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 date-time (Event Grid sends 7 fractional digits; milliseconds are kept). */
export function parseRfc3339(value: string): Date | undefined {
  const text = value.trim();
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text.replace(" ", "T"));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** Reads a required RFC 3339 date-time string at `at`. */
export function readDateTime(value: unknown, reader: EventReader, at: readonly PathSegment[]): Date {
  if (value === undefined || value === null) reader.fail(at, "missing; expected an RFC 3339 date-time");
  const date = typeof value === "string" ? parseRfc3339(value) : undefined;
  if (date === undefined) {
    reader.fail(
      at,
      `expected an RFC 3339 date-time such as 2026-01-01T00:00:00Z, got ${typeof value === "string" ? quote(value) : describeType(value)}`,
    );
  }
  return date;
}
