import type { KnownSystemEventTypes } from "@azure/eventgrid";
import filters from "../../../infra/eventFilters.json" with { type: "json" };
import { RecentAnswers } from "./recentAnswers.js";

/**
 * Event type strings, typed against @azure/eventgrid's list of system event names so a typo fails to compile.
 * `infra/eventFilters.json` holds the same handled types for the Event Grid subscription filters that
 * `infra/` deploys; a unit test keeps the two equal.
 */
export const EventTypes = {
  KeyNewVersionCreated: "Microsoft.KeyVault.KeyNewVersionCreated",
  KeyNearExpiry: "Microsoft.KeyVault.KeyNearExpiry",
  KeyExpired: "Microsoft.KeyVault.KeyExpired",
  ResourceWriteSuccess: "Microsoft.Resources.ResourceWriteSuccess",
  ResourceDeleteSuccess: "Microsoft.Resources.ResourceDeleteSuccess",
  ResourceCreatedOrUpdated: "Microsoft.ResourceNotifications.Resources.CreatedOrUpdated",
  ResourceDeleted: "Microsoft.ResourceNotifications.Resources.Deleted",
  SubscriptionValidation: "Microsoft.EventGrid.SubscriptionValidationEvent",
} as const satisfies Record<string, KnownSystemEventTypes>;

/** One of the event type strings above. */
export type HandledEventType = (typeof EventTypes)[keyof typeof EventTypes];

/** Event types per system topic, as the Event Grid subscriptions filter them (from `eventFilters.json`). */
export const handledEventTypes: {
  readonly keyVault: readonly string[];
  readonly armSubscription: readonly string[];
  readonly resourceNotifications: readonly string[];
} = filters.handledEventTypes;

/** ARM operation names the service acts on (`data.operationName` of ResourceWrite/DeleteSuccess). */
export const inScopeArmOperations: { readonly write: readonly string[]; readonly delete: readonly string[] } =
  filters.armOperations;

/** Resource types the service acts on (`data.resourceInfo.type` of Resource Notifications events). */
export const inScopeResourceTypes: readonly string[] = filters.resourceTypes;

// ARM compares operation names and resource types case-insensitively, and events do not always keep the
// casing of the provider's manifest.
const armOperationSet = new Set(
  [...inScopeArmOperations.write, ...inScopeArmOperations.delete].map((op) => op.toLowerCase()),
);
const resourceTypeSet = new Set(inScopeResourceTypes.map((type) => type.toLowerCase()));

// The answer for operation names already seen, as sent: every ARM event asks (the decoder, then
// triage), and a few names make up nearly all of them.
const operationAnswers = new RecentAnswers<boolean>(16, (name) => armOperationSet.has(name.toLowerCase()));

/** True when an ARM operation name (e.g. `Microsoft.Compute/disks/write`) is in scope; case-insensitive. */
export function isArmOperationInScope(operationName: string): boolean {
  return operationAnswers.get(operationName);
}

/** True when a resource type (e.g. `Microsoft.Compute/disks`) is in scope; case-insensitive. */
export function isResourceTypeInScope(resourceType: string): boolean {
  return resourceTypeSet.has(resourceType.toLowerCase());
}
