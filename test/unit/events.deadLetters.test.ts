import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import { DeadLetterFormatError, unwrapDeadLetters } from "../../src/core/events/unwrapDeadLetters.js";

const egEvent = JSON.parse(
  await readFile("examples/events/01-key-new-version-prod.eventgrid.json", "utf8"),
) as Record<string, unknown>[];
const ceEvent = JSON.parse(
  await readFile("examples/events/03-key-new-version-dev-vault.cloudevents.json", "utf8"),
) as Record<string, unknown>;

describe("unwrapDeadLetters (Event Grid dead-letter blob formats)", () => {
  it("takes the Event Grid schema's camelCase dead-letter properties off each event of the array", () => {
    const blob = JSON.stringify([
      {
        ...egEvent[0],
        deadLetterReason: "MaxDeliveryAttemptsExceeded",
        deliveryAttempts: 30,
        lastDeliveryOutcome: "TimedOut",
        lastHttpStatusCode: 408,
        publishTime: "2026-11-20T08:30:06.0265758Z",
        lastDeliveryAttemptTime: "2026-11-21T08:29:14.0465788Z",
      },
      { ...egEvent[0], id: "second", deadLetterReason: "UndeliverableDueToHttpBadRequest" },
    ]);
    const out = unwrapDeadLetters(blob);
    expect(out).toHaveLength(2);
    expect(out[0]?.event).toEqual(egEvent[0]);
    expect(out[0]?.deadLetter).toEqual({
      reason: "MaxDeliveryAttemptsExceeded",
      deliveryAttempts: 30,
      lastDeliveryOutcome: "TimedOut",
      lastHttpStatusCode: 408,
      publishTime: "2026-11-20T08:30:06.0265758Z",
      lastDeliveryAttemptTime: "2026-11-21T08:29:14.0465788Z",
    });
    expect(out[1]).toMatchObject({ index: 1, deadLetter: { reason: "UndeliverableDueToHttpBadRequest" } });
    // What remains decodes exactly as the original delivery did.
    expect(decodeDelivery([out[0]?.event]).events).toEqual(decodeDelivery(egEvent).events);
  });

  it("takes the CloudEvents schema's lower-case extension attributes off", () => {
    const blob = JSON.stringify([
      {
        ...ceEvent,
        deadletterreason: "MaxDeliveryAttemptsExceeded",
        deliveryattempts: "3",
        lastdeliveryoutcome: "NotFound",
        publishtime: "2026-11-21T13:00:04Z",
      },
    ]);
    const [one] = unwrapDeadLetters(blob);
    expect(one?.event).toEqual(ceEvent);
    expect(one?.deadLetter).toEqual({
      reason: "MaxDeliveryAttemptsExceeded",
      deliveryAttempts: 3,
      lastDeliveryOutcome: "NotFound",
      publishTime: "2026-11-21T13:00:04Z",
    });
  });

  it.each([
    ["beside an event object", (meta: object) => ({ event: ceEvent, ...meta })],
    ["beside the event's attributes", (meta: object) => ({ ...ceEvent, ...meta })],
  ])("reads namespace topics' deadletterProperties %s and drops customDeliveryProperties", (_, shape) => {
    const blob = JSON.stringify(
      shape({
        customDeliveryProperties: { "custom-header-1": "value1" },
        deadletterProperties: {
          deadletterreason: "Undeliverable due to client error",
          deliveryattempts: 3,
          deliveryresult: "Unauthorized",
          publishutc: "2026-06-19T23:28:08.3063899Z",
          deliveryattemptutc: "2026-06-19T23:29:08.3220145Z",
        },
      }),
    );
    const out = unwrapDeadLetters(`\uFEFF${blob}`);
    expect(out).toEqual([
      {
        index: 0,
        event: ceEvent,
        deadLetter: {
          reason: "Undeliverable due to client error",
          deliveryAttempts: 3,
          lastDeliveryOutcome: "Unauthorized",
          publishTime: "2026-06-19T23:28:08.3063899Z",
          lastDeliveryAttemptTime: "2026-06-19T23:29:08.3220145Z",
        },
      },
    ]);
  });

  it("passes events through untouched when they carry no dead-letter properties", () => {
    expect(unwrapDeadLetters(JSON.stringify(egEvent))).toEqual([
      { index: 0, event: egEvent[0], deadLetter: {} },
    ]);
    // A non-object entry is left for the decoder to report against its position.
    expect(unwrapDeadLetters("[1]")).toEqual([{ index: 0, event: 1, deadLetter: {} }]);
  });

  it.each([
    ['[{"id": "x", "secret": tru', /not JSON: .* at line 1, column \d+/],
    ["42", /expected a JSON array of events or one event object/],
  ])("rejects a blob that is not events: %j", (text, message) => {
    const error = (() => {
      try {
        unwrapDeadLetters(text);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(DeadLetterFormatError);
    expect((error as DeadLetterFormatError).code).toBe("DeadLetterBlobMalformed");
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("secret");
  });
});
