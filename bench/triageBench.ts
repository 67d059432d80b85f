import { decodeDeliveryText } from "../src/core/events/decodeDelivery.js";
import { triageEvent, type TriageSettings } from "../src/core/findings/triage.js";
import { decodeArmOperationEvent } from "../src/core/events/decodeArmOperationEvent.js";
import { readEnvelope } from "../src/core/events/eventEnvelope.js";
import { EventReader } from "../src/core/events/eventReader.js";
import { subscriptionGuid } from "./benchTenant.js";
import type { Figure } from "./rotationBench.js";

const servicePrincipalId = "9a1b2c3d-0000-4000-8000-00000000aaaa";

/** What ARM writes on a busy subscription look like: the service's types among much noise. */
const writes: readonly { provider: string; type: string; group: string }[] = [
  { provider: "Microsoft.CognitiveServices", type: "accounts", group: "rg-ai" },
  { provider: "Microsoft.Compute", type: "diskEncryptionSets", group: "rg-compute" },
  { provider: "Microsoft.Compute", type: "disks", group: "rg-compute" },
  { provider: "Microsoft.MachineLearningServices", type: "workspaces", group: "rg-ml" },
  { provider: "Microsoft.Storage", type: "storageAccounts", group: "rg-data" },
  { provider: "Microsoft.Compute", type: "virtualMachines", group: "rg-compute" },
  { provider: "Microsoft.Network", type: "networkInterfaces", group: "rg-net" },
  { provider: "Microsoft.Web", type: "sites", group: "rg-web" },
  { provider: "Microsoft.Resources", type: "deployments", group: "rg-ai" },
  { provider: "Microsoft.CognitiveServices", type: "accounts/deployments", group: "rg-ai" },
];

const hex = (n: number, width: number): string => n.toString(16).padStart(width, "0");
const guidOf = (n: number): string => `${hex(n, 8)}-4d3c-4b2a-9f8e-${hex(n * 7919, 12).slice(-12)}`;

/**
 * One `Microsoft.Resources.ResourceWriteSuccess` event in the Event Grid schema, shaped like the
 * subscription system topic's (test/fixtures/events/eventgrid/resource-write-success.json): the
 * authorization evidence, the caller's full claims, the HTTP request and the resource URI.
 */
function armWriteEvent(n: number): unknown {
  const write = writes[n % writes.length] ?? writes[0]!;
  const sub = subscriptionGuid((n % 50) + 1);
  const [type, child] = write.type.split("/");
  const name = `res-${n}`;
  const resourceUri = `/subscriptions/${sub}/resourceGroups/${write.group}/providers/${write.provider}/${type ?? ""}/${name}${child === undefined ? "" : `/${child}/d-${n}`}`;
  const own = n % 13 === 0;
  const caller = own ? servicePrincipalId : guidOf(n % 97);
  return {
    subject: resourceUri,
    eventType: "Microsoft.Resources.ResourceWriteSuccess",
    eventTime: new Date(Date.UTC(2026, 10, 22, 8, 0, n % 60, n % 1000)).toISOString(),
    id: guidOf(n),
    data: {
      authorization: {
        scope: resourceUri,
        action: `${write.provider}/${write.type}/write`,
        evidence: {
          role: "Contributor",
          roleAssignmentScope: `/subscriptions/${sub}`,
          roleAssignmentId: hex(n, 32),
          roleDefinitionId: "b24988ac618042a0ab8820f7382dd24c",
          principalId: caller.replace(/-/g, ""),
          principalType: "ServicePrincipal",
        },
      },
      claims: {
        aud: "https://management.core.windows.net/",
        iss: "https://sts.windows.net/8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b/",
        iat: "1767225600",
        nbf: "1767225600",
        exp: "1767229500",
        aio: "E2RgYJgS0aEXAMPLEONLY",
        appid: guidOf(n % 31),
        appidacr: "2",
        "http://schemas.microsoft.com/identity/claims/identityprovider":
          "https://sts.windows.net/8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b/",
        "http://schemas.microsoft.com/identity/claims/objectidentifier": caller,
        "http://schemas.microsoft.com/identity/claims/tenantid": "8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b",
        uti: "Zm9vYmFyZXhhbXBsZQ",
        ver: "1.0",
      },
      correlationId: guidOf(n + 1),
      httpRequest: {
        clientRequestId: guidOf(n + 2),
        clientIpAddress: "203.0.113.7",
        method: "PUT",
        url: `https://management.azure.com${resourceUri}?api-version=2025-09-01`,
      },
      resourceProvider: write.provider,
      resourceUri,
      operationName: `${write.provider}/${write.type}/write`,
      status: n % 29 === 0 ? "Failed" : "Succeeded",
      subscriptionId: sub,
      tenantId: "8a3e2f10-5c4d-4e6f-9a8b-7c6d5e4f3a2b",
    },
    dataVersion: "2",
    metadataVersion: "1",
    topic: `/subscriptions/${sub}`,
  };
}

/** Deliveries as Event Grid posts them: JSON arrays of `batchSize` events (those `keep` keeps). */
export function deliveries(
  events: number,
  batchSize: number,
  keep: (n: number) => boolean = () => true,
): string[] {
  const all: unknown[] = [];
  for (let n = 0; all.length < events; n++) if (keep(n)) all.push(armWriteEvent(n));
  const out: string[] = [];
  for (let start = 0; start < events; start += batchSize)
    out.push(JSON.stringify(all.slice(start, start + batchSize)));
  return out;
}

/** In scope of the Event Grid filters (infra/eventFilters.json): the first four write types. */
export const inScope = (n: number): boolean => n % writes.length < 4;

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

/**
 * What triage costs over reading the JSON, on in-scope ARM write events only (the Event Grid
 * subscription filters drop the rest before they reach the service): the events endpoint's work
 * (decode every delivery, `triageEvent` each event) against bare `JSON.parse` of the same
 * deliveries, and today's general decoder (no fast path) for comparison. All three run warm,
 * interleaved round by round so drift in machine load falls on each alike; medians of the rounds.
 */
export function triageExtraCost(events = 20_000, batchSize = 100, rounds = 21): Figure {
  const batches = deliveries(events, batchSize, inScope);
  const settings: TriageSettings = { servicePrincipalId, excludedIdPatterns: ["*/resourceGroups/rg-web/*"] };
  const parse = (): number => {
    let count = 0;
    for (const text of batches) count += (JSON.parse(text) as unknown[]).length;
    return count;
  };
  const service = (): number => {
    let count = 0;
    for (const text of batches) {
      // As the events endpoint decodes (src/runtime/http/eventsWebhookHandler.ts): triage, not the
      // decoder, drops out-of-scope operations, each with its reason in the report.
      const { events: decoded, errors } = decodeDeliveryText(text, { filterByScope: false });
      if (errors.length > 0) throw new Error(`bench events failed to decode: ${errors[0]?.message ?? ""}`);
      for (const event of decoded) {
        if (event.kind !== "ResourceWriteSuccess")
          throw new Error(`an in-scope event decoded as ${event.kind}`);
        triageEvent(event, settings);
        count++;
      }
    }
    return count;
  };
  // The decode alone, so the note can say where the extra cost goes (decoding or triage).
  const decode = (): number => {
    let count = 0;
    for (const text of batches) count += decodeDeliveryText(text, { filterByScope: false }).events.length;
    return count;
  };
  const general = (): number => {
    let count = 0;
    for (const text of batches) {
      const raw = JSON.parse(text) as unknown[];
      raw.forEach((one, index) => {
        const reader = new EventReader([index], index);
        const event = decodeArmOperationEvent(
          readEnvelope(one, reader),
          reader,
          "ResourceWriteSuccess",
          false,
        );
        if (event.kind !== "ResourceWriteSuccess")
          throw new Error(`an in-scope event decoded as ${event.kind}`);
        triageEvent(event, settings);
        count++;
      });
    }
    return count;
  };
  const runs = [parse, service, decode, general];
  const samples: number[][] = runs.map(() => []);
  for (let warm = 0; warm < 3; warm++) for (const run of runs) run();
  for (let r = 0; r < rounds; r++) {
    runs.forEach((run, i) => {
      const start = performance.now();
      const count = run();
      samples[i]?.push(performance.now() - start);
      if (count !== events) throw new Error(`counted ${count} of ${events} events`);
    });
  }
  const [parseMs, serviceMs, decodeMs, generalMs] = samples.map(median) as [number, number, number, number];
  const extra = (serviceMs - parseMs) / parseMs;
  return {
    id: "triage.extraCostRatio",
    name: `Triage cost over JSON.parse, ${events.toLocaleString("en-US")} in-scope ARM write events`,
    value: extra,
    unit: "x JSON.parse",
    baseline: 0.25,
    baselineName: "target",
    ratio: extra / 0.25,
    note:
      `JSON.parse ${parseMs.toFixed(1)} ms, decode + triage ${serviceMs.toFixed(1)} ms ` +
      `(decode alone ${decodeMs.toFixed(1)} ms), the general decoder ` +
      `without the fast path ${generalMs.toFixed(1)} ms (extra ${((generalMs - parseMs) / parseMs).toFixed(2)}x); ` +
      `medians of ${rounds} interleaved rounds after 3 warm-up rounds`,
  };
}

/** Best of `rounds` timings of `run` over the batch, in milliseconds (after one warm-up). */
function bestMs(rounds: number, run: () => number): { ms: number; result: number } {
  let result = run();
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < rounds; r++) {
    const start = performance.now();
    result = run();
    best = Math.min(best, performance.now() - start);
  }
  return { ms: best, result };
}

/**
 * Triage throughput of ARM write events (decode every delivery, then `triageEvent` each resource
 * event, as the events endpoint does before any I/O) against bare `JSON.parse` of the same
 * deliveries: how much the service's reading and deciding costs over the floor of reading JSON.
 */
export function triageThroughput(events = 20_000, batchSize = 100): Figure {
  const batches = deliveries(events, batchSize);
  const settings: TriageSettings = { servicePrincipalId, excludedIdPatterns: ["*/resourceGroups/rg-web/*"] };

  const parse = bestMs(5, () => {
    let count = 0;
    for (const text of batches) count += (JSON.parse(text) as unknown[]).length;
    return count;
  });
  let evaluate = 0;
  const triage = bestMs(5, () => {
    let count = 0;
    evaluate = 0;
    for (const text of batches) {
      const { events: decoded, errors } = decodeDeliveryText(text);
      if (errors.length > 0) throw new Error(`bench events failed to decode: ${errors[0]?.message ?? ""}`);
      for (const event of decoded) {
        count++;
        if (event.kind !== "ResourceWriteSuccess") continue;
        if (triageEvent(event, settings).kind === "evaluate") evaluate++;
      }
    }
    return count;
  });
  if (parse.result !== events || triage.result !== events)
    throw new Error(`parsed ${parse.result} and triaged ${triage.result} of ${events} events`);
  const triagePerSecond = (events / triage.ms) * 1000;
  const parsePerSecond = (events / parse.ms) * 1000;
  const bytes = batches.reduce((sum, b) => sum + b.length, 0);
  return {
    name: `Triage of ${events.toLocaleString("en-US")} ARM write events (${batches.length} deliveries of ${batchSize})`,
    value: Math.round(triagePerSecond),
    unit: "events/s",
    baseline: Math.round(parsePerSecond),
    baselineName: "bare JSON.parse of the same deliveries",
    ratio: triagePerSecond / parsePerSecond,
    note: `${evaluate} of ${events} events pass triage to evaluation; ${(bytes / 1024 / 1024).toFixed(1)} MiB of JSON; best of 5 rounds`,
  };
}
