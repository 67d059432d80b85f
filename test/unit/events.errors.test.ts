import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeDelivery, decodeDeliveryText } from "../../src/core/events/decodeDelivery.js";
import { EventDecodeError } from "../../src/core/events/eventDecodeError.js";
import { locateJsonSyntaxError } from "../../src/core/events/locateJsonSyntaxError.js";

const fixtureJson = (path: string): unknown =>
  JSON.parse(readFileSync(new URL(`../fixtures/events/${path}`, import.meta.url), "utf8")) as unknown;

const egWrite = (fixtureJson("eventgrid/resource-write-success.json") as Record<string, unknown>[])[0]!;
const ceWrite = fixtureJson("cloudevents/resource-write-success.json") as Record<string, unknown>;
const egCreated = (
  fixtureJson("eventgrid/resource-created-or-updated.json") as Record<string, unknown>[]
)[0]!;
const egKey = (fixtureJson("eventgrid/key-new-version-created.json") as Record<string, unknown>[])[0]!;

function without(object: Record<string, unknown>, key: string): Record<string, unknown> {
  return Object.fromEntries(Object.entries(object).filter(([k]) => k !== key));
}

function withData(event: Record<string, unknown>, patch: Record<string, unknown>): Record<string, unknown> {
  return { ...event, data: { ...(event.data as Record<string, unknown>), ...patch } };
}

/** Decodes a batch of [good event, bad event] and returns the one error. */
function singleError(bad: unknown): EventDecodeError {
  const { events, errors } = decodeDelivery([egKey, bad]);
  expect(events).toHaveLength(1);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toBeInstanceOf(EventDecodeError);
  expect(errors[0]!.code).toBe("EventInvalid");
  expect(errors[0]!.eventIndex).toBe(1);
  return errors[0]!;
}

describe("envelope errors name the field", () => {
  it.each([
    ["id", "[1].id", /missing; expected a non-empty string/],
    ["eventType", "[1]", /not an event/],
    ["eventTime", "[1].eventTime", /missing; expected an RFC 3339 date-time/],
    ["subject", "[1].subject", /missing/],
  ])("Event Grid event without %s", (key, field, message) => {
    const error = singleError(without(egWrite, key));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("Event Grid event without dataVersion or metadataVersion", () => {
    const error = singleError(without(without(egWrite, "dataVersion"), "metadataVersion"));
    expect(error.field).toBe("[1].dataVersion");
  });

  it("Event Grid event without data", () => {
    expect(singleError(without(egWrite, "data")).field).toBe("[1].data");
  });

  it.each([
    ["id", 7, "[1].id", /expected a non-empty string, got a number/],
    ["eventType", ["x"], "[1].eventType", /got an array/],
    ["eventTime", "yesterday", "[1].eventTime", /expected an RFC 3339 date-time .* got "yesterday"/],
    ["eventTime", "2026-02-30T00:00:00", "[1].eventTime", /RFC 3339/],
    ["metadataVersion", "2", "[1].metadataVersion", /expected "1"/],
    ["topic", 12, "[1].topic", /expected a string, got a number/],
    ["data", "text", "[1].data", /expected an object, got a string/],
    ["data", [], "[1].data", /expected an object, got an array/],
  ])("Event Grid event with %s = %j", (key, value, field, message) => {
    const error = singleError({ ...egWrite, [key]: value });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it.each([
    ["specversion", "0.3", "[1].specversion", /expected "1.0"/],
    ["specversion", 1, "[1].specversion", /expected "1.0" \(CloudEvents 1.0\), got a number/],
    ["time", "not a time", "[1].time", /RFC 3339/],
    ["source", "", "[1].source", /got an empty string/],
    ["subject", false, "[1].subject", /expected a string, got a boolean/],
  ])("CloudEvent with %s = %j", (key, value, field, message) => {
    const error = singleError({ ...ceWrite, [key]: value });
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it.each([
    ["id", "[1].id"],
    ["source", "[1].source"],
    ["type", "[1].type"],
    ["time", "[1].time"],
    ["data", "[1].data"],
  ])("CloudEvent without %s", (key, field) => {
    expect(singleError(without(ceWrite, key)).field).toBe(field);
  });

  it("CloudEvent without specversion but with type and source", () => {
    const error = singleError(without(ceWrite, "specversion"));
    expect(error.field).toBe("[1].specversion");
  });

  it("CloudEvent with binary data", () => {
    const error = singleError({ ...without(ceWrite, "data"), data_base64: "AAEC" });
    expect(error.field).toBe("[1].data_base64");
  });

  it.each([
    ["null", null, /got null/],
    ["a string", "event", /got a string/],
    ["a number", 3, /got a number/],
    ["an array", [egKey], /got an array/],
    ["an unrelated object", { hello: "world" }, /not an event/],
  ])("an array element that is %s", (_label, value, message) => {
    const error = singleError(value);
    expect(error.field).toBe("[1]");
    expect(error.message).toMatch(message);
  });

  it("uses paths without an index for a single (non-array) event", () => {
    const { errors } = decodeDelivery(without(egWrite, "id"));
    expect(errors.map((e) => [e.field, e.eventIndex])).toEqual([["id", 0]]);
  });

  it.each([
    ["null", null],
    ["a string", "text"],
    ["a number", 1],
    ["undefined", undefined],
  ])("rejects a delivery that is %s as a whole", (_label, body) => {
    const { events, errors } = decodeDelivery(body);
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("$");
    expect(errors[0]!.eventIndex).toBeUndefined();
  });
});

describe("ARM event data errors", () => {
  it.each([
    ["no operationName", { operationName: undefined }, "[1].data.operationName", /missing/],
    ["a numeric operationName", { operationName: 5 }, "[1].data.operationName", /got a number/],
    [
      "a relative resourceUri",
      { resourceUri: "storageAccounts/x" },
      "[1].data.resourceUri",
      /expected an ARM resource id starting with \/subscriptions\//,
    ],
    [
      "an empty subscription",
      { resourceUri: "/subscriptions//resourceGroups/x" },
      "[1].data.resourceUri",
      /ARM/,
    ],
    ["a numeric status", { status: 1 }, "[1].data.status", /got a number/],
    ["claims as an array", { claims: ["oid"] }, "[1].data.claims", /expected an object of claims/],
    ["claims as non-JSON text", { claims: "{not json" }, "[1].data.claims", /not JSON/],
    ["a string authorization", { authorization: "Owner" }, "[1].data.authorization", /expected an object/],
  ])("data with %s", (_label, patch, field, message) => {
    const error = singleError(withData(egWrite, patch));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("names the subject when neither resourceUri nor a valid subject is given", () => {
    const event = withData({ ...egWrite, subject: "not-an-id" }, { resourceUri: undefined });
    expect(singleError(event).field).toBe("[1].subject");
  });

  it("keeps the first of two claims that differ only in case instead of failing the event", () => {
    const { events, errors } = decodeDelivery(withData(egWrite, { claims: { oid: "first", OID: "second" } }));
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({ caller: { objectId: "first" } });
  });

  it("never echoes claim values into messages", () => {
    const error = singleError(withData(egWrite, { claims: "{secret-token-value" }));
    expect(error.message).not.toContain("secret-token-value");
  });
});

describe("Resource Notifications data errors", () => {
  const info = (egCreated.data as { resourceInfo: Record<string, unknown> }).resourceInfo;
  it.each([
    ["no resourceInfo", { resourceInfo: undefined }, "[1].data.resourceInfo", /missing; expected an object/],
    ["a string resourceInfo", { resourceInfo: "x" }, "[1].data.resourceInfo", /expected an object/],
    ["no type", { resourceInfo: { ...info, type: undefined } }, "[1].data.resourceInfo.type", /missing/],
    ["a bare name as id", { resourceInfo: { ...info, id: "des-prod" } }, "[1].data.resourceInfo.id", /ARM/],
    [
      "array properties",
      { resourceInfo: { ...info, properties: [] } },
      "[1].data.resourceInfo.properties",
      /object/,
    ],
    [
      "numeric tag values",
      { resourceInfo: { ...info, tags: { a: 1 } } },
      "[1].data.resourceInfo.tags",
      /string tags/,
    ],
    [
      "a bad resourceEventTime",
      { operationalInfo: { resourceEventTime: "soon" } },
      "[1].data.operationalInfo.resourceEventTime",
      /RFC 3339/,
    ],
    ["a numeric apiVersion", { apiVersion: 2024 }, "[1].data.apiVersion", /got a number/],
  ])("data with %s", (_label, patch, field, message) => {
    const error = singleError(withData(egCreated, patch));
    expect(error.field).toBe(field);
    expect(error.message).toMatch(message);
  });

  it("falls back to the subject and the id's last segment when resourceInfo lacks id and name", () => {
    const { id: _id, name: _name, ...rest } = info;
    const { events, errors } = decodeDelivery(withData(egCreated, { resourceInfo: rest }));
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({ resourceId: egCreated.subject, resource: { name: "des-prod" } });
  });

  it("accepts null tags as no tags", () => {
    const { events, errors } = decodeDelivery(withData(egCreated, { resourceInfo: { ...info, tags: null } }));
    expect(errors).toEqual([]);
    expect(events[0]).not.toHaveProperty("resource.tags");
  });
});

describe("decodeDeliveryText", () => {
  it("reports non-JSON with line, column and offset, without quoting the text", () => {
    const text = readFileSync(new URL("../fixtures/events/invalid/not-json.txt", import.meta.url), "utf8");
    const { events, errors } = decodeDeliveryText(text);
    expect(events).toEqual([]);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.field).toBe("$");
    expect(errors[0]!.eventIndex).toBeUndefined();
    expect(errors[0]!.message).toBe(
      `$: not valid JSON: unexpected end of input at line 7, column 1 (offset ${text.length})`,
    );
    expect(errors[0]!.message).not.toContain("kv-cmk");
  });

  it("points at a bad character", () => {
    const { errors } = decodeDeliveryText('[{"id": "a",\n  "eventType" "x"}]');
    expect(errors[0]!.message).toBe(
      "$: not valid JSON: expected ':' after a property name, found '\"' at line 2, column 15 (offset 27)",
    );
  });

  it("rejects an empty body", () => {
    expect(decodeDeliveryText("  \n").errors[0]!.message).toBe("$: empty delivery; expected JSON");
  });

  it("accepts a leading byte order mark", () => {
    const { events, errors } = decodeDeliveryText(`\uFEFF${JSON.stringify(egKey)}`);
    expect(errors).toEqual([]);
    expect(events).toHaveLength(1);
  });

  it("serialises errors without a stack", () => {
    const { errors } = decodeDeliveryText("{");
    expect(JSON.parse(JSON.stringify(errors[0]))).toEqual({
      code: "EventInvalid",
      field: "$",
      message: "$: not valid JSON: unexpected end of input at line 1, column 2 (offset 1)",
    });
  });
});

describe("locateJsonSyntaxError agrees with JSON.parse", () => {
  const valid = [
    "0",
    "-0.5e+10",
    '"a\\u00e9\\n"',
    "[]",
    "{}",
    ' { "a" : [ 1 , true , false , null , { } ] } ',
    JSON.stringify(egWrite),
    `${"[".repeat(20000)}${"]".repeat(20000)}`,
  ];
  it.each(valid.map((text) => [text.slice(0, 40), text]))("accepts %s", (_label, text) => {
    expect(() => JSON.parse(text) as unknown).not.toThrow();
    expect(locateJsonSyntaxError(text)).toBeUndefined();
  });

  it.each([
    ["{", 1, "unexpected end of input"],
    ['{"a":1,}', 7, "expected a property name in double quotes, found '}'"],
    ["[1,2,]", 5, "expected a JSON value, found ']'"],
    ["[1 2]", 3, "expected ',' or ']', found '2'"],
    ['{"a" 1}', 5, "expected ':' after a property name, found '1'"],
    ["01", 1, "unexpected text after the JSON value"],
    ["-", 0, "invalid number"],
    ["tru", 0, "expected a JSON value, found 't'"],
    ['"abc', 4, "unterminated string"],
    ['"a\\x"', 2, "invalid escape in string"],
    ['"\\u12G4"', 1, "invalid \\u escape in string"],
    ['"a\tb"', 2, "control character in string (escape it)"],
    ["{'a':1}", 1, "expected a property name in double quotes, found '''"],
    ['{"a":1} x', 8, "unexpected text after the JSON value"],
    ["\u00a0{}", 0, "expected a JSON value, found U+00A0"],
  ])("locates the problem in %j", (text, position, problem) => {
    expect(() => JSON.parse(text) as unknown).toThrow(SyntaxError);
    expect(locateJsonSyntaxError(text)).toMatchObject({ position, problem });
  });
});
