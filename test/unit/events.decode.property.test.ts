import { readdirSync, readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  decodeDelivery,
  decodeDeliveryText,
  type DecodeResult,
} from "../../src/core/events/decodeDelivery.js";
import { EventDecodeError } from "../../src/core/events/eventDecodeError.js";

const settings = { seed: 424242, numRuns: 400 };

const fixtureDir = new URL("../fixtures/events/", import.meta.url);
/** Every well-formed fixture delivery (both schemas, tolerant variants), parsed. */
const fixtures: { name: string; body: unknown }[] = ["eventgrid", "cloudevents", "tolerant"].flatMap((dir) =>
  readdirSync(new URL(`${dir}/`, fixtureDir))
    .filter((f) => f.endsWith(".json"))
    .map((f) => ({
      name: `${dir}/${f}`,
      body: JSON.parse(readFileSync(new URL(`${dir}/${f}`, fixtureDir), "utf8")) as unknown,
    })),
);

/** Every input decodes or fails with the typed error: nothing else escapes, and the shape holds. */
function expectTyped(result: DecodeResult): void {
  expect(Array.isArray(result.events)).toBe(true);
  for (const error of result.errors) {
    expect(error).toBeInstanceOf(EventDecodeError);
    expect(error.code).toBe("EventInvalid");
    expect(typeof error.field).toBe("string");
    expect(error.toJSON().code).toBe("EventInvalid");
  }
  for (const event of result.events) expect(typeof event.kind).toBe("string");
}

/** One event or one error per event of a batch; one of either for a single event. */
function expectOnePerEvent(body: unknown, result: DecodeResult): void {
  const count = Array.isArray(body) ? body.length : 1;
  expect(result.events.length + result.errors.length).toBe(count);
}

type Path = (string | number)[];

/** Paths of every member of a JSON value. */
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...at, i], ...pathsOf(v, [...at, i])]);
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...pathsOf(v, [...at, k])]);
  return [];
}

type Mutation =
  | { kind: "set"; value: unknown }
  | { kind: "delete" }
  | { kind: "rename"; to: string }
  | { kind: "stringify" };

/** Applies a mutation at `path` in a deep copy. */
function mutate(body: unknown, path: Path, mutation: Mutation): unknown {
  const copy = structuredClone(body);
  if (path.length === 0) return mutation.kind === "set" ? mutation.value : copy;
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1]!;
  const holder = parent as Record<string | number, unknown>;
  switch (mutation.kind) {
    case "set":
      holder[last] = mutation.value;
      break;
    case "delete":
      if (Array.isArray(holder)) holder.splice(Number(last), 1);
      else Reflect.deleteProperty(holder, last);
      break;
    case "rename":
      if (!Array.isArray(holder)) {
        const value = holder[last];
        Reflect.deleteProperty(holder, last);
        holder[mutation.to] = value;
      }
      break;
    case "stringify":
      holder[last] = JSON.stringify(holder[last]);
      break;
  }
  return copy;
}

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), value: fc.jsonValue({ maxDepth: 2 }) }),
  fc.record({
    kind: fc.constant("set" as const),
    value: fc.constantFrom(
      "",
      " ",
      null,
      0,
      -1,
      1e308,
      true,
      [],
      {},
      "not a date",
      "2026-13-45T99:99:99Z",
      "/subscriptions/",
      "/subscriptions//x",
      "https://kv.vault.azure.net/keys/",
      "\u0000",
      "\ud800",
    ),
  }),
  fc.constant({ kind: "delete" as const }),
  fc.record({
    kind: fc.constant("rename" as const),
    to: fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom("ID", " id ", "Data", "DATA", "__proto__")),
  }),
  fc.constant({ kind: "stringify" as const }),
);

describe("event decoding (property-based): every input decodes or fails with EventDecodeError", () => {
  it("arbitrary text, including near-JSON, never throws", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.string({ unit: "binary", maxLength: 200 }),
      fc.json({ maxDepth: 3 }),
      fc.json({ maxDepth: 3 }).map((j) => `\uFEFF${j}`),
      fc.json({ maxDepth: 3 }).chain((j) => fc.nat({ max: j.length }).map((cut) => j.slice(0, cut))),
    );
    fc.assert(
      fc.property(text, (t) => {
        const result = decodeDeliveryText(t);
        expectTyped(result);
        if (result.events.length === 0 && result.errors.length === 0) {
          // Only an empty batch decodes to nothing.
          expect(JSON.parse(t.replace(/^\uFEFF/, ""))).toEqual([]);
        }
      }),
      settings,
    );
  });

  it("arbitrary JSON values and arbitrary batches never throw; one result per event", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.jsonValue({ maxDepth: 4 }), fc.array(fc.jsonValue({ maxDepth: 3 }))),
        (body) => {
          const result = decodeDelivery(body);
          expectTyped(result);
          if (Array.isArray(body) || (typeof body === "object" && body !== null))
            expectOnePerEvent(body, result);
          else expect(result.errors).toHaveLength(1);
        },
      ),
      settings,
    );
  });

  it("every fixture decodes cleanly, with and without scope filtering", () => {
    for (const { body } of fixtures) {
      for (const filterByScope of [true, false]) {
        const result = decodeDelivery(body, { filterByScope });
        expect(result.errors).toEqual([]);
        expectOnePerEvent(body, result);
      }
    }
  });

  it("valid events with one field changed, dropped, renamed or stringified decode or fail typed", () => {
    const mutated = fc
      .constantFrom(...fixtures)
      .chain(({ body }) =>
        fc
          .tuple(fc.constantFrom(...pathsOf(body)), mutationArb, fc.boolean())
          .map(([path, mutation, asText]) => ({ body: mutate(body, path, mutation), asText })),
      );
    fc.assert(
      fc.property(mutated, fc.boolean(), ({ body, asText }, filterByScope) => {
        const result = asText
          ? decodeDeliveryText(JSON.stringify(body), { filterByScope })
          : decodeDelivery(body, { filterByScope });
        expectTyped(result);
        if (!asText && (Array.isArray(body) || (typeof body === "object" && body !== null)))
          expectOnePerEvent(body, result);
      }),
      settings,
    );
  });

  it("several mutations at once, in batches mixing both schemas", () => {
    const batch = fc.array(
      fc.constantFrom(...fixtures).chain(({ body }) => {
        const first: unknown = Array.isArray(body) ? body[0] : body;
        return fc
          .array(fc.tuple(fc.constantFrom(...pathsOf(first)), mutationArb), { maxLength: 4 })
          .map((steps) =>
            steps.reduce<unknown>((acc, [path, m]) => {
              try {
                return mutate(acc, path, m);
              } catch {
                // An earlier mutation removed this path's parent; keep the event as it is.
                return acc;
              }
            }, first),
          );
      }),
      { maxLength: 6 },
    );
    fc.assert(
      fc.property(batch, (events) => {
        const result = decodeDelivery(events);
        expectTyped(result);
        expectOnePerEvent(events, result);
      }),
      { ...settings, numRuns: 200 },
    );
  });

  it("a decode error never echoes the event body", () => {
    const secret = "SECRET-CLAIM-VALUE-0123456789";
    fc.assert(
      fc.property(
        fc.constantFrom(...fixtures),
        fc.constantFrom("eventTime", "time", "data"),
        ({ body }, field) => {
          const first = (Array.isArray(body) ? body[0] : body) as Record<string, unknown>;
          const event = { ...first, [field]: { token: secret } };
          const result = decodeDelivery([event]);
          for (const error of result.errors) expect(error.message).not.toContain(secret);
        },
      ),
      { ...settings, numRuns: 60 },
    );
  });
});
