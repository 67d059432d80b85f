import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseRfc3339 } from "../../src/core/events/eventReader.js";
import { KeyListMemo, matchKeys } from "../../src/core/events/keyListMemo.js";
import { parseRfc3339Fast } from "../../src/core/events/parseRfc3339Fast.js";
import type { ResourceDeleteEvent, ResourceWriteEvent } from "../../src/core/events/domainEvents.js";
import {
  inScopeArmOperations,
  inScopeResourceTypes,
  isArmOperationInScope,
} from "../../src/core/events/eventTypes.js";
import {
  triageEvent,
  type TriageDecision,
  type TriageSettings,
  type TriageSkipCode,
} from "../../src/core/findings/triage.js";
import { armSubscriptionId } from "../../src/core/ids/armResourceId.js";
import { armSubscriptionIdFast } from "../../src/core/ids/armSubscriptionIdFast.js";
import { equalsIgnoreCase, startsWithIgnoreCase } from "../../src/core/ids/equalsIgnoreCase.js";
import { trimmed } from "../../src/core/events/trimmed.js";
import { RecentAnswers } from "../../src/core/events/recentAnswers.js";
import { parseResourceIdFast } from "../../src/core/ids/parseResourceIdFast.js";
import { tryParseResourceId } from "../../src/core/ids/resourceId.js";
import { matchesIdPattern } from "../../src/core/findings/exclusions.js";

// The helpers of the triage hot path answer exactly what the general functions answer (issue 17:
// triage at a quarter of JSON.parse's cost, with identical decisions).
const settings = { seed: 1717, numRuns: 3000 };

const pad = (n: number, width: number): string => String(n).padStart(width, "0");

/** RFC 3339 texts around the fast shape: odd dates, other separators and zones, any digits. */
const dateText = fc.oneof(
  fc
    .record({
      year: fc.oneof(fc.integer({ min: 1960, max: 2100 }), fc.integer({ min: 0, max: 9999 })),
      month: fc.integer({ min: 0, max: 13 }),
      day: fc.integer({ min: 0, max: 32 }),
      hour: fc.integer({ min: 0, max: 25 }),
      minute: fc.integer({ min: 0, max: 61 }),
      second: fc.integer({ min: 0, max: 61 }),
      fraction: fc.option(fc.stringMatching(/^[0-9]{0,10}$/), { nil: undefined }),
      t: fc.constantFrom("T", "t", " "),
      zone: fc.constantFrom("Z", "z", "+01:00", "-05:30", ""),
      space: fc.constantFrom("", " "),
    })
    .map(
      (d) =>
        `${d.space}${pad(d.year, 4)}-${pad(d.month, 2)}-${pad(d.day, 2)}${d.t}${pad(d.hour, 2)}:` +
        `${pad(d.minute, 2)}:${pad(d.second, 2)}${d.fraction === undefined ? "" : `.${d.fraction}`}${d.zone}`,
    ),
  fc.date({ min: new Date(-1e14), max: new Date(1e14), noInvalidDate: true }).map((d) => d.toISOString()),
  fc.string({ maxLength: 32 }),
);

const segment = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9-]{1,8}$/), weight: 12 },
  fc.constantFrom(
    "providers",
    "PROVIDERS",
    "Providers",
    "resourceGroups",
    "resourcegroups",
    "subscriptions",
    "Microsoft.Compute",
    "Microsoft.Resources",
    "deployments",
    "disks",
    "",
    ".",
    "..",
    "%2e",
    ".x",
    "a?b",
    "a#b",
    "a\\b",
    "a b",
    "a\tb",
    "a\u0001b",
    "a\u007fb",
    "a\u0085b",
    "a\u00a0b",
    "a\u2028b",
    "\ufeffa",
    "K\u212a",
    "\u0130",
    "é",
  ),
);
/** Mostly the usual spelling, sometimes another. */
const usually = <T>(usual: T, ...others: T[]): fc.Arbitrary<T> =>
  fc.oneof({ arbitrary: fc.constant(usual), weight: 6 }, fc.constantFrom(usual, ...others));

/** Resource ids of the common shape, with one segment or the ending changed now and then. */
const resourceIdText = fc
  .record({
    sub: segment,
    groupWord: usually("resourceGroups", "resourcegroups"),
    group: segment,
    providersWord: usually("providers", "Providers"),
    namespace: fc.constantFrom("Microsoft.Compute", "Microsoft.Resources", "microsoft.resources", "NoDot"),
    pairs: fc.array(fc.tuple(segment, segment), { minLength: 0, maxLength: 3 }),
    tail: usually("", "/", "//", "/x"),
    head: usually("/subscriptions/", "/Subscriptions/", "subscriptions/"),
  })
  .map(
    (r) =>
      `${r.head}${r.sub}/${r.groupWord}/${r.group}/${r.providersWord}/${r.namespace}` +
      `${r.pairs.map(([t, n]) => `/${t}/${n}`).join("")}${r.tail}`,
  );

describe("the triage hot path's helpers answer as the general functions", () => {
  it("parseRfc3339Fast equals parseRfc3339 on any text", () => {
    fc.assert(
      fc.property(dateText, (text) => {
        expect(parseRfc3339Fast(text)?.getTime()).toBe(parseRfc3339(text)?.getTime());
      }),
      settings,
    );
    expect(parseRfc3339Fast("2026-11-22T08:00:05.1234567Z")?.toISOString()).toBe("2026-11-22T08:00:05.123Z");
    expect(parseRfc3339Fast("2026-02-28T23:59:59.9Z")?.toISOString()).toBe("2026-02-28T23:59:59.900Z");
  });

  it("parseResourceIdFast gives parseResourceId's id and type wherever it answers", () => {
    let answered = 0;
    fc.assert(
      fc.property(fc.oneof(resourceIdText, fc.string({ maxLength: 40 })), (id) => {
        const fast = parseResourceIdFast(id);
        if (fast === undefined) return;
        answered++;
        const general = tryParseResourceId(id);
        expect(general).toBeDefined();
        expect(fast).toStrictEqual({ id: general?.id, type: general?.type });
        expect(general?.isExtension).toBe(false);
        // The decoder relies on it: an id this answers for holds no whitespace.
        expect(/\s/.test(id)).toBe(false);
      }),
      settings,
    );
    expect(answered).toBeGreaterThan(100);
  });

  it("armSubscriptionIdFast equals armSubscriptionId on ids without whitespace", () => {
    fc.assert(
      fc.property(fc.oneof(resourceIdText, fc.string({ maxLength: 30 })), (id) => {
        if (/\s/.test(id)) return;
        expect(armSubscriptionIdFast(id)).toBe(armSubscriptionId(id));
      }),
      settings,
    );
  });

  it("equalsIgnoreCase equals comparing lower-case copies", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 6 }),
      fc.string({ maxLength: 6, unit: "grapheme" }),
      fc.constantFrom("k", "K", "\u212a", "i", "I", "\u0130", "i\u0307", "ß", "SS", "é", "É"),
    );
    fc.assert(
      fc.property(text, text, (a, b) => {
        expect(equalsIgnoreCase(a, b)).toBe(a.toLowerCase() === b.toLowerCase());
        expect(equalsIgnoreCase(a, a.toUpperCase())).toBe(a.toLowerCase() === a.toUpperCase().toLowerCase());
      }),
      settings,
    );
  });

  it("startsWithIgnoreCase equals comparing a lower-case copy of the start", () => {
    const text = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ maxLength: 8, unit: "grapheme" }),
      fc.constantFrom(
        "Microsoft.Resources/deployments/x",
        "microsoft.resources/deployments",
        "\u212a",
        "\u0130x",
      ),
    );
    const prefix = fc.oneof(
      fc.string({ maxLength: 4 }),
      fc.constantFrom("microsoft.resources/deployments", "k", "i\u0307", "ß"),
    );
    fc.assert(
      fc.property(text, prefix, (t, p) => {
        expect(startsWithIgnoreCase(t, p)).toBe(
          t.length >= p.length && t.slice(0, p.length).toLowerCase() === p.toLowerCase(),
        );
      }),
      settings,
    );
  });

  it("trimmed equals String.prototype.trim on any text", () => {
    const blank = fc.constantFrom(
      " ",
      "\t",
      "\n",
      "\r",
      "\u00a0",
      "\u2028",
      "\ufeff",
      "\u3000",
      "\u0085",
      "\u200b",
    );
    const text = fc.oneof(
      fc.string({ maxLength: 8 }),
      fc.string({ maxLength: 8, unit: "grapheme" }),
      fc
        .tuple(
          fc.array(blank, { maxLength: 2 }),
          fc.string({ maxLength: 5 }),
          fc.array(blank, { maxLength: 2 }),
        )
        .map(([a, b, c]) => `${a.join("")}${b}${c.join("")}`),
    );
    fc.assert(
      fc.property(text, (t) => {
        expect(trimmed(t)).toBe(t.trim());
      }),
      settings,
    );
  });

  it("RecentAnswers works an answer out once per name until it is full, then starts again", () => {
    const asked: string[] = [];
    const answers = new RecentAnswers<number>(2, (name) => {
      asked.push(name);
      return name.length;
    });
    expect([answers.get("ab"), answers.get("abc"), answers.get(["a", "b"].join(""))]).toEqual([2, 3, 2]);
    expect(asked).toEqual(["ab", "abc"]);
    expect(answers.get("x")).toBe(1);
    expect(answers.get("ab")).toBe(2);
    expect(asked).toEqual(["ab", "abc", "x", "ab"]);
  });

  it("matchesIdPattern decides as the whole-id glob it documents", () => {
    const piece = fc.oneof(
      fc.constantFrom("*", "/", "rg-web", "RG-WEB", ".", "\\", "x", "a.b", "(", "$", "/resourceGroups/"),
      fc.string({ maxLength: 3 }),
    );
    const pattern = fc.array(piece, { maxLength: 6 }).map((p) => p.join(""));
    const id = fc.array(piece, { maxLength: 6 }).map((p) => p.join("").replaceAll("*", "x"));
    fc.assert(
      fc.property(id, pattern, (resourceId, glob) => {
        const body = glob
          .trim()
          .replace(/\/+$/, "")
          .split("*")
          .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
          .join(".*");
        const reference = new RegExp(`^${body}$`, "is").test(resourceId.trim().replace(/\/+$/, ""));
        expect(matchesIdPattern(resourceId, glob)).toBe(reference);
      }),
      settings,
    );
  });

  it("isArmOperationInScope answers the same the first time and every time after", () => {
    const names = fc.oneof(
      fc.constantFrom(...inScopeArmOperations.write, ...inScopeArmOperations.delete),
      fc.constantFrom(...inScopeArmOperations.write).map((n) => n.toUpperCase()),
      fc.string({ maxLength: 12 }),
    );
    const inScope = new Set(
      [...inScopeArmOperations.write, ...inScopeArmOperations.delete].map((n) => n.toLowerCase()),
    );
    fc.assert(
      fc.property(fc.array(names, { maxLength: 400 }), (list) => {
        for (const name of [...list, ...list])
          expect(isArmOperationInScope(name)).toBe(inScope.has(name.toLowerCase()));
      }),
      { seed: 1717, numRuns: 50 },
    );
  });
});

describe("KeyListMemo", () => {
  it("finds a key list by the object's keys, in order, and forgets the oldest when full", () => {
    const memo = new KeyListMemo<{ n: number }>(2);
    memo.set(["a", "b"], { n: 1 });
    memo.set(["b", "a"], { n: 2 });
    expect(memo.lookup({ a: 1, b: 2 })).toEqual({ n: 1 });
    expect(memo.lookup({ b: 1, a: 2 })).toEqual({ n: 2 });
    expect(memo.get(["b", "a"])).toEqual({ n: 2 });
    expect(memo.lookup({ a: 1 })).toBeUndefined();
    expect(memo.lookup({ a: 1, b: 2, c: 3 })).toBeUndefined();
    memo.set(["c"], { n: 3 });
    expect(memo.lookup({ a: 1, b: 2 })).toBeUndefined();
    expect(memo.lookup({ b: 1, a: 2 })).toEqual({ n: 2 });
    expect(memo.lookup({ c: 1 })).toEqual({ n: 3 });
    const keys = ["x"];
    memo.set(keys, { n: 4 });
    keys.push("y");
    expect(memo.lookup({ x: 1 })).toEqual({ n: 4 });
  });

  it("matchKeys finds twins and the first key naming each wanted field", () => {
    expect(matchKeys(["OperationName", " operationname", "x"], ["operationname", "y"])).toStrictEqual({
      twins: true,
      keyOf: ["OperationName", undefined],
    });
    expect(matchKeys(["a", "B"], ["b"])).toStrictEqual({ twins: false, keyOf: ["B"] });
  });
});

/** triageEvent for ARM writes and deletes as it was before the hot path (the reference). */
function referenceTriage(event: ResourceWriteEvent | ResourceDeleteEvent, s: TriageSettings): TriageDecision {
  const skip = (code: TriageSkipCode, reason: string): TriageDecision => ({ kind: "skip", code, reason });
  const sameId = (a: string | undefined, b: string | undefined): boolean =>
    a !== undefined &&
    b !== undefined &&
    a.trim() !== "" &&
    a.trim().toLowerCase() === b.trim().toLowerCase();
  const what = event.kind === "ResourceWriteSuccess" ? "write" : "delete";
  if (!inScope.has(event.operationName.toLowerCase()))
    return skip("OperationOutOfScope", `ARM operation ${event.operationName} is not in scope`);
  if (
    /\/providers\/microsoft\.resources\/deployments(\/|$)/i.test(event.resourceId) ||
    /^\/subscriptions\/[^/]+(\/resourcegroups\/[^/]+)?\/deployments(\/|$)/i.test(event.resourceId)
  )
    return skip(
      "TransientDeploymentUri",
      `transient deployment URI ${event.resourceId}: the resource's own event follows`,
    );
  const status = event.status;
  if (!(status === undefined || status.trim() === "" || status.trim().toLowerCase() === "succeeded"))
    return skip("NotSucceeded", `the ${what} did not succeed (status ${status})`);
  if (event.kind === "ResourceWriteSuccess") {
    if (sameId(event.caller.objectId, s.servicePrincipalId))
      return skip(
        "OwnWrite",
        `written by the service's own identity (principal id ${event.caller.objectId ?? ""})`,
      );
    if (sameId(event.caller.appId, s.serviceAppId))
      return skip(
        "OwnWrite",
        `written by the service's own identity (application id ${event.caller.appId ?? ""})`,
      );
  }
  const parsed = tryParseResourceId(event.resourceId);
  if (parsed === undefined)
    return skip("InvalidResourceId", `${event.resourceId} is not a valid resource id`);
  const operationType = event.operationName.slice(0, event.operationName.lastIndexOf("/"));
  if (parsed.type.toLowerCase() !== operationType.toLowerCase()) {
    if (parsed.type.toLowerCase().startsWith(`${operationType.toLowerCase()}/`))
      return skip(
        "ChildResource",
        `${parsed.type} is a child of ${operationType}: only the parent's own writes are evaluated`,
      );
    return skip(
      "OperationResourceMismatch",
      `operation ${event.operationName} does not match resource type ${parsed.type}`,
    );
  }
  if (!inScopeResourceTypes.some((t) => t.toLowerCase() === parsed.type.toLowerCase()))
    return skip("ResourceTypeOutOfScope", `resource type ${parsed.type} is not in scope`);
  const resourceType =
    inScopeResourceTypes.find((t) => t.toLowerCase() === parsed.type.toLowerCase()) ?? parsed.type;
  if (event.kind === "ResourceDeleteSuccess") return { kind: "resolve", resourceId: parsed.id, resourceType };
  const pattern = (s.excludedIdPatterns ?? []).find((p) => matchesIdPattern(parsed.id, p));
  if (pattern !== undefined) return skip("ExcludedByIdPattern", `excluded by id pattern ${pattern}`);
  return { kind: "evaluate", resourceId: parsed.id, resourceType };
}

const inScope = new Set(
  [...inScopeArmOperations.write, ...inScopeArmOperations.delete].map((n) => n.toLowerCase()),
);

describe("triageEvent on ARM events", () => {
  it("decides as before the hot path, on arbitrary ids, operations, statuses and callers", () => {
    const settingsOf: TriageSettings = {
      servicePrincipalId: "9a1b2c3d-0000-4000-8000-00000000aaaa",
      serviceAppId: "0b1c2d3e-0000-4000-8000-00000000bbbb",
      excludedIdPatterns: ["*/resourceGroups/rg-web/*", "*/DISKS/x*"],
    };
    const types = [
      ...inScopeResourceTypes,
      "Microsoft.Resources/deployments",
      "Microsoft.Storage/storageAccounts",
    ];
    const event = fc
      .record({
        id: fc.oneof(
          { arbitrary: resourceIdText, weight: 2 },
          fc
            .tuple(fc.constantFrom(...types), segment, fc.constantFrom("rg-web", "rg-ai"), fc.boolean())
            .map(
              ([t, name, group, child]) =>
                `/subscriptions/s1/resourceGroups/${group}/providers/${t}/${name}${child ? "/deployments/d" : ""}`,
            ),
          fc.constantFrom(
            "/subscriptions/s1/resourceGroups/g/deployments/d",
            "/subscriptions/s1/providers/Microsoft.Resources/deployments/d",
          ),
        ),
        type: fc.oneof(
          fc.constantFrom(...types),
          fc.constantFrom(...types).map((t) => t.toUpperCase()),
        ),
        verb: fc.constantFrom("write", "delete", "action"),
        kind: fc.constantFrom("ResourceWriteSuccess" as const, "ResourceDeleteSuccess" as const),
        status: fc.option(fc.constantFrom("Succeeded", "succeeded", " Succeeded ", "Failed", "", " "), {
          nil: undefined,
        }),
        objectId: fc.option(fc.constantFrom("9A1B2C3D-0000-4000-8000-00000000AAAA", " x ", ""), {
          nil: undefined,
        }),
        appId: fc.option(fc.constantFrom("0b1c2d3e-0000-4000-8000-00000000bbbb", "other"), {
          nil: undefined,
        }),
        // As the decoders hand it over, left out (events made by hand), or read from another id.
        parsed: fc.constantFrom("decoded", "absent", "other id"),
      })
      .map((e): ResourceWriteEvent | ResourceDeleteEvent => ({
        kind: e.kind,
        eventId: "e",
        eventTime: new Date(0),
        schema: "EventGrid",
        resourceId: e.id,
        ...(e.parsed === "absent"
          ? {}
          : {
              parsedResourceId: parseResourceIdFast(
                e.parsed === "decoded"
                  ? e.id
                  : "/subscriptions/s2/resourceGroups/rg-other/providers/Microsoft.Storage/storageAccounts/x",
              ),
            }),
        operationName: `${e.type}/${e.verb}`,
        status: e.status,
        subscriptionId: "s1",
        tenantId: undefined,
        correlationId: undefined,
        caller: { objectId: e.objectId, appId: e.appId },
        resourceProvider: "p",
      }));
    const kinds = new Set<string>();
    fc.assert(
      fc.property(event, (e) => {
        const decision = triageEvent(e, settingsOf);
        kinds.add(decision.kind === "skip" ? decision.code : decision.kind);
        expect(decision).toStrictEqual(referenceTriage(e, settingsOf));
      }),
      settings,
    );
    expect(kinds.size).toBeGreaterThanOrEqual(8);
  });
});
