import { inScopeResourceTypes } from "../events/eventTypes.js";
import type { ArmResourceJson } from "../arm/armResource.js";

/** One resource as the sweep streams it: the ARM shape the rules read, and its subscription. */
export interface SweepResource {
  readonly resource: ArmResourceJson;
  readonly subscriptionId: string;
}

const canonicalTypes = new Map(inScopeResourceTypes.map((t) => [t.toLowerCase(), t]));

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

/**
 * Turns a Resource Graph row into the resource JSON an ARM GET returns, as far as the rules read
 * it: Resource Graph lower-cases `type` (restored to the canonical casing, which tickets show) and
 * writes `""`/`null` for absent fields (left out, as ARM leaves them out). Undefined for a row
 * without id or type.
 */
export function sweepResourceFromRow(row: Record<string, unknown>): SweepResource | undefined {
  const id = text(row.id);
  const rawType = text(row.type);
  if (id === undefined || rawType === undefined) return undefined;
  const kind = text(row.kind);
  const location = text(row.location);
  const managedBy = text(row.managedBy);
  const resource: ArmResourceJson = {
    id,
    name: text(row.name) ?? id.split("/").pop() ?? id,
    type: canonicalTypes.get(rawType.toLowerCase()) ?? rawType,
    ...(kind === undefined ? {} : { kind }),
    ...(location === undefined ? {} : { location }),
    ...(managedBy === undefined ? {} : { managedBy }),
    ...(isObject(row.identity) ? { identity: row.identity } : {}),
    ...(isObject(row.properties) ? { properties: row.properties } : {}),
    ...(isObject(row.tags) ? { tags: row.tags as Record<string, string> } : {}),
  };
  const subscriptionId = text(row.subscriptionId) ?? /^\/subscriptions\/([^/]+)/i.exec(id)?.[1] ?? "";
  return { resource, subscriptionId };
}
