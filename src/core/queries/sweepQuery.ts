import { inScopeResourceTypes } from "../events/eventTypes.js";

const safeType = /^[A-Za-z0-9.]+\/[A-Za-z0-9./]+$/;

/**
 * The sweep's Resource Graph query: every resource of the in-scope types (the same list the event
 * filters use), with the columns the detection rules read, in a stable order so `$skipToken`
 * pages neither repeat nor skip rows.
 */
export function sweepResourcesQuery(types: readonly string[] = inScopeResourceTypes): string {
  const list = types.map((t) => {
    if (!safeType.test(t)) throw new Error(`not a resource type: ${t}`);
    return `'${t.toLowerCase()}'`;
  });
  return [
    "resources",
    `| where type in~ (${list.join(", ")})`,
    "| project id, name, type, kind, location, subscriptionId, resourceGroup, managedBy, identity, properties, tags",
    "| order by id asc",
  ].join("\n");
}

/** The subscriptions a scope covers, with their display names. */
export const sweepSubscriptionsQuery = [
  "resourcecontainers",
  "| where type =~ 'microsoft.resources/subscriptions'",
  "| project subscriptionId, name",
  "| order by subscriptionId asc",
].join("\n");
