import { readdirSync, readFileSync, statSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeArmOperationEvent } from "../../src/core/events/decodeArmOperationEvent.js";
import { decodeDelivery } from "../../src/core/events/decodeDelivery.js";
import type { DomainEvent } from "../../src/core/events/domainEvents.js";
import { EventDecodeError } from "../../src/core/events/eventDecodeError.js";
import { readEnvelope } from "../../src/core/events/eventEnvelope.js";
import { EventReader } from "../../src/core/events/eventReader.js";
import { fastArmOperationEvent } from "../../src/core/events/fastArmOperationEvent.js";
import { triageEvent, type TriageSettings } from "../../src/core/findings/triage.js";

const settings = { seed: 171717, numRuns: 1500 };
const triageSettings: TriageSettings = {
  servicePrincipalId: "9a1b2c3d-0000-4000-8000-00000000aaaa",
  serviceAppId: "0b1c2d3e-0000-4000-8000-00000000bbbb",
  excludedIdPatterns: ["*/resourceGroups/rg-web/*"],
};

/** Today's general path for one ARM operation event: the envelope, then the type's decoder. */
function generalPath(raw: unknown, filterByScope: boolean): DomainEvent | EventDecodeError {
  try {
    const reader = new EventReader([], 0);
    const envelope = readEnvelope(raw, reader);
    const kind = envelope.eventType.trim().toLowerCase().endsWith("resourcedeletesuccess")
      ? "ResourceDeleteSuccess"
      : "ResourceWriteSuccess";
    return decodeArmOperationEvent(envelope, reader, kind, filterByScope);
  } catch (error) {
    if (error instanceof EventDecodeError) return error;
    throw error;
  }
}

/**
 * The fast path answers only what the general path answers identically: same event, field by field
 * (including absent-but-present keys), and the same triage decision. Returns whether it answered.
 */
function expectSameAsGeneral(raw: unknown): boolean {
  let answered = false;
  for (const filterByScope of [true, false]) {
    const fast = fastArmOperationEvent(structuredClone(raw), filterByScope);
    if (fast === undefined) continue;
    answered = true;
    const general = generalPath(structuredClone(raw), filterByScope);
    expect(general).not.toBeInstanceOf(EventDecodeError);
    expect(fast).toStrictEqual(general);
    if (fast.kind !== "Ignored")
      expect(triageEvent(fast, triageSettings)).toStrictEqual(
        triageEvent(general as typeof fast, triageSettings),
      );
  }
  return answered;
}

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");
const guid = fc
  .tuple(fc.nat(), fc.nat())
  .map(([a, b]) => `${hex(a % 0xffffffff, 8)}-4d3c-4b2a-9f8e-${hex(b, 12).slice(-12)}`);

const operations = [
  ["Microsoft.CognitiveServices", "accounts"],
  ["Microsoft.Compute", "diskEncryptionSets"],
  ["Microsoft.Compute", "disks"],
  ["Microsoft.MachineLearningServices", "workspaces"],
  ["Microsoft.Storage", "storageAccounts"],
  ["Microsoft.Resources", "deployments"],
  ["microsoft.compute", "DISKS"],
] as const;

/** ARM write and delete events in the shape the subscription topic sends, with realistic variety. */
const armEvent: fc.Arbitrary<Record<string, unknown>> = fc
  .record({
    op: fc.constantFrom(...operations),
    verb: fc.constantFrom("write", "delete", "action"),
    sub: guid,
    group: fc.constantFrom("rg-ai", "rg-web", "rg-compute"),
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/),
    caller: fc.oneof(guid, fc.constant(triageSettings.servicePrincipalId ?? "")),
    app: fc.oneof(guid, fc.constant(triageSettings.serviceAppId ?? "")),
    status: fc.option(fc.constantFrom("Succeeded", "Failed", "succeeded", " Succeeded ", "Canceled", ""), {
      nil: undefined,
    }),
    time: fc.constantFrom(
      "2026-11-22T08:00:00.1234567Z",
      "2026-11-22T08:00:00Z",
      "2026-11-22 08:00:00+01:00",
      "2026-11-22T08:00:00",
    ),
    claimsAsText: fc.boolean(),
    oidName: fc.constantFrom("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid", "OID"),
    uriFromSubject: fc.boolean(),
    child: fc.boolean(),
  })
  .map((e) => {
    const provider = e.op[0];
    const type = e.op[1];
    const uri = `/subscriptions/${e.sub}/resourceGroups/${e.group}/providers/${provider}/${type}/${e.name}${e.child ? "/deployments/d1" : ""}`;
    const claims = { aud: "https://management.core.windows.net/", [e.oidName]: e.caller, appid: e.app };
    const data: Record<string, unknown> = {
      authorization: {
        scope: uri,
        action: `${provider}/${type}/${e.verb}`,
        evidence: { role: "Contributor", principalId: e.caller.replace(/-/g, "") },
      },
      claims: e.claimsAsText ? JSON.stringify(claims) : claims,
      correlationId: e.sub,
      resourceProvider: provider,
      operationName: `${provider}/${type}/${e.verb}`,
      subscriptionId: e.sub,
      tenantId: "8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b",
    };
    if (!e.uriFromSubject) data.resourceUri = uri;
    if (e.status !== undefined) data.status = e.status;
    return {
      subject: uri,
      eventType: `Microsoft.Resources.${e.verb === "delete" ? "ResourceDeleteSuccess" : "ResourceWriteSuccess"}`,
      eventTime: e.time,
      id: e.sub,
      data,
      dataVersion: "2",
      metadataVersion: "1",
      topic: `/subscriptions/${e.sub}`,
    };
  });

type Path = (string | number)[];
function pathsOf(value: unknown, at: Path = []): Path[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => [[...at, i], ...pathsOf(v, [...at, i])]);
  if (typeof value === "object" && value !== null)
    return Object.entries(value).flatMap(([k, v]) => [[...at, k], ...pathsOf(v, [...at, k])]);
  return [];
}

/** One change at one path: a new value, a removal, a renamed key (case, spaces, a twin), JSON text. */
function mutate(body: unknown, path: Path, change: number, value: unknown, name: string): unknown {
  const copy = structuredClone(body);
  if (path.length === 0) return copy;
  let parent: unknown = copy;
  for (const step of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[step];
  const last = path[path.length - 1]!;
  const holder = parent as Record<string | number, unknown>;
  const key = String(last);
  switch (change % 6) {
    case 0:
      holder[last] = value;
      break;
    case 1:
      Reflect.deleteProperty(holder, last);
      break;
    case 2: {
      const v = holder[last];
      Reflect.deleteProperty(holder, last);
      holder[[key.toUpperCase(), ` ${key}`, `${key} `, key.toLowerCase(), name][change % 5] ?? key] = v;
      break;
    }
    case 3:
      // A twin differing only in case: the same value (kept) or another (a conflict).
      holder[key.toUpperCase() === key ? key.toLowerCase() : key.toUpperCase()] =
        change % 2 === 0 ? holder[last] : value;
      break;
    case 4:
      holder[last] = JSON.stringify(holder[last]);
      break;
    default:
      holder[last] = null;
  }
  return copy;
}

const oddValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom(
    "",
    " ",
    null,
    0,
    true,
    [],
    {},
    "not a date",
    "/subscriptions/",
    "/subscriptions//x",
    " x y ",
  ),
);

/** Event objects in the recorded and documented samples (Event Grid and CloudEvents, any nesting). */
function sampleEvents(): unknown[] {
  const roots = [
    new URL("../fixtures/events/", import.meta.url),
    new URL("../conformance/material/event-samples/", import.meta.url),
    new URL("../conformance/material/rest-api-specs/", import.meta.url),
  ];
  const files: URL[] = [];
  const walk = (dir: URL): void => {
    for (const entry of readdirSync(dir)) {
      const url = new URL(entry, dir);
      if (statSync(url).isDirectory()) walk(new URL(`${entry}/`, dir));
      else if (entry.endsWith(".json")) files.push(url);
    }
  };
  roots.forEach(walk);
  const events: unknown[] = [];
  const collect = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(collect);
    else if (typeof value === "object" && value !== null) {
      if ("eventType" in value || "specversion" in value) events.push(value);
      else Object.values(value).forEach(collect);
    }
  };
  for (const file of files) {
    try {
      collect(JSON.parse(readFileSync(file, "utf8")) as unknown);
    } catch {
      // Not JSON (a deliberately broken fixture): nothing to compare.
    }
  }
  return events;
}

describe("the ARM event fast path decides exactly as the general decoder", () => {
  const samples = sampleEvents();

  it("on every recorded and documented sample, and takes the fast path for the ARM ones", () => {
    let fast = 0;
    for (const sample of samples) if (expectSameAsGeneral(sample)) fast++;
    expect(samples.length).toBeGreaterThan(20);
    expect(fast).toBeGreaterThanOrEqual(4);
  });

  it("on every sample with one field changed anywhere", () => {
    const armSamples = samples.filter((s) => JSON.stringify(s).includes("Microsoft.Resources.Resource"));
    fc.assert(
      fc.property(
        fc.constantFrom(...armSamples),
        fc.nat(),
        fc.nat(),
        oddValue,
        fc.string({ maxLength: 8 }),
        (sample, at, change, value, name) => {
          const paths = pathsOf(sample);
          expectSameAsGeneral(mutate(sample, paths[at % paths.length] ?? [], change, value, name));
        },
      ),
      settings,
    );
  });

  it("on arbitrary ARM write and delete events, also with one field changed", () => {
    let answered = 0;
    fc.assert(
      fc.property(
        armEvent,
        fc.nat(),
        fc.nat(),
        oddValue,
        fc.string({ maxLength: 8 }),
        (event, at, change, value, name) => {
          if (expectSameAsGeneral(event)) answered++;
          const paths = pathsOf(event);
          expectSameAsGeneral(mutate(event, paths[at % paths.length] ?? [], change, value, name));
        },
      ),
      settings,
    );
    // Most well-formed events take the fast path (those with claims as JSON text do not).
    expect(answered).toBeGreaterThan(settings.numRuns / 3);
  });

  it("on arbitrary JSON it never throws, and whole deliveries decode the same through decodeDelivery", () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 4 }), (value) => {
        for (const f of [true, false]) expect(() => fastArmOperationEvent(value, f)).not.toThrow();
        expectSameAsGeneral(value);
      }),
      settings,
    );
    // A batch mixes fast and general events in order, and their errors keep their positions.
    const batch = [...samples, { eventType: "Microsoft.Resources.ResourceWriteSuccess", id: "bad" }];
    const { events, errors } = decodeDelivery(batch);
    expect(events.length + errors.length).toBe(batch.length);
    expect(errors.at(-1)?.field).toBe(`[${batch.length - 1}].dataVersion`);
  });
});
