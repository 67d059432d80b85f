import { tryParseResourceId } from "../ids/resourceId.js";
import { parseResourceIdFast } from "../ids/parseResourceIdFast.js";
import { equalsIgnoreCase, startsWithIgnoreCase } from "../ids/equalsIgnoreCase.js";
import type {
  ArmCaller,
  InlineArmResource,
  ResourceDeleteEvent,
  ResourceNotificationEvent,
  ResourceWriteEvent,
} from "../events/domainEvents.js";
import { inScopeResourceTypes, isArmOperationInScope, isResourceTypeInScope } from "../events/eventTypes.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import { excludingIdPattern } from "./exclusions.js";
import { trimmed } from "../events/trimmed.js";
import { RecentAnswers } from "../events/recentAnswers.js";

/** Who the service is, so its own writes are not evaluated again (loop guard). */
export interface TriageSettings {
  /** Object id of the service's managed identity, matched against the caller's `oid`. */
  readonly servicePrincipalId?: string | undefined;
  /** Client (application) id of the service's managed identity, matched against the caller's `appid`/`azp`. */
  readonly serviceAppId?: string | undefined;
  /** Resource id patterns excluded by configuration: writes to them are skipped before any read. */
  readonly excludedIdPatterns?: readonly string[] | undefined;
}

/** Stable codes of why an event is skipped, for logs and tests. */
export type TriageSkipCode =
  | "OperationOutOfScope"
  | "TransientDeploymentUri"
  | "NotSucceeded"
  | "OwnWrite"
  | "InvalidResourceId"
  | "ResourceTypeOutOfScope"
  | "ChildResource"
  | "OperationResourceMismatch"
  | "ExcludedByIdPattern";

/** What to do with an event, decided before any I/O. */
export type TriageDecision =
  /** Read (unless `inline` is given) and evaluate the resource. */
  | {
      readonly kind: "evaluate";
      readonly resourceId: string;
      readonly resourceType: string;
      readonly inline?: ArmResourceJson;
    }
  /** The resource is gone: close its tickets. */
  | { readonly kind: "resolve"; readonly resourceId: string; readonly resourceType: string }
  | { readonly kind: "skip"; readonly code: TriageSkipCode; readonly reason: string };

function skip(code: TriageSkipCode, reason: string): TriageDecision {
  return { kind: "skip", code, reason };
}

// The scope list's spelling of each in-scope type, by its lower case (the first spelling wins).
const scopeSpelling = new Map<string, string>();
for (const t of inScopeResourceTypes)
  if (!scopeSpelling.has(t.toLowerCase())) scopeSpelling.set(t.toLowerCase(), t);

/** An ARM operation's resource type, and the scope list's spelling of it when it is in scope. */
interface OperationType {
  readonly operationType: string;
  readonly scopeSpelling: string | undefined;
}

/**
 * `Microsoft.Compute/disks` of `Microsoft.Compute/disks/write`, worked out once per operation name
 * as sent: a few names make up nearly all events.
 */
const operationTypes = new RecentAnswers<OperationType>(16, (operationName) => {
  const operationType = operationName.slice(0, operationName.lastIndexOf("/"));
  return { operationType, scopeSpelling: scopeSpelling.get(operationType.toLowerCase()) };
});

/** The resource type as the service's scope list spells it. */
function canonicalType(type: string): string {
  return scopeSpelling.get(type.toLowerCase()) ?? type;
}

/**
 * `type` (of a resource id in the common shape) is `Microsoft.Resources/deployments` or below it:
 * what {@link isDeploymentUri} says of such an id, whose only `providers` segment is the last one.
 */
function isDeploymentType(type: string): boolean {
  const deployments = "microsoft.resources/deployments";
  if (type.length < deployments.length) return false;
  if (type.length > deployments.length && type.charCodeAt(deployments.length) !== 0x2f /* / */) return false;
  return startsWithIgnoreCase(type, deployments);
}

/**
 * A transient deployment URI: the same write can arrive once with the id of the ARM deployment that
 * made it, either `/providers/Microsoft.Resources/deployments/{name}` or the older
 * `/resourceGroups/{rg}/deployments/{name}` form (MicrosoftDocs/azure-docs#12166).
 */
function isDeploymentUri(resourceId: string): boolean {
  return (
    /\/providers\/microsoft\.resources\/deployments(\/|$)/i.test(resourceId) ||
    /^\/subscriptions\/[^/]+(\/resourcegroups\/[^/]+)?\/deployments(\/|$)/i.test(resourceId)
  );
}

function sameId(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  const id = trimmed(a);
  return id !== "" && equalsIgnoreCase(id, trimmed(b));
}

/** Why the caller is the service itself, or undefined. */
function ownWrite(caller: ArmCaller, settings: TriageSettings): string | undefined {
  if (sameId(caller.objectId, settings.servicePrincipalId)) return `principal id ${caller.objectId ?? ""}`;
  if (sameId(caller.appId, settings.serviceAppId)) return `application id ${caller.appId ?? ""}`;
  return undefined;
}

/**
 * Accepted statuses. ResourceWriteSuccess / ResourceDeleteSuccess are documented as raised when the
 * operation succeeds, and `data.status` is optional, so an absent status counts as `Succeeded`; any
 * other value (`Failed`, `Canceled`, ...) is skipped because the resource may not have changed.
 * A write skipped this way is still caught by the periodic sweep.
 */
function statusProblem(status: string | undefined): string | undefined {
  if (status === undefined || status === "Succeeded") return undefined;
  const text = trimmed(status);
  if (text === "" || equalsIgnoreCase(text, "succeeded")) return undefined;
  return status;
}

function triageArmOperation(
  event: ResourceWriteEvent | ResourceDeleteEvent,
  settings: TriageSettings,
): TriageDecision {
  const what = event.kind === "ResourceWriteSuccess" ? "write" : "delete";
  if (!isArmOperationInScope(event.operationName)) {
    return skip("OperationOutOfScope", `ARM operation ${event.operationName} is not in scope`);
  }
  // Ids in the common shape are read once, by the decoder, which hands them over (used only when
  // read from this very id); others the general way.
  const read = event.parsedResourceId;
  const common = read?.id === event.resourceId ? read : parseResourceIdFast(event.resourceId);
  if (common === undefined ? isDeploymentUri(event.resourceId) : isDeploymentType(common.type)) {
    return skip(
      "TransientDeploymentUri",
      `transient deployment URI ${event.resourceId}: the resource's own event follows`,
    );
  }
  const status = statusProblem(event.status);
  if (status !== undefined) return skip("NotSucceeded", `the ${what} did not succeed (status ${status})`);
  // Deletes are resolved whoever made them; only writes can loop back into the service.
  if (event.kind === "ResourceWriteSuccess") {
    const own = ownWrite(event.caller, settings);
    if (own !== undefined) return skip("OwnWrite", `written by the service's own identity (${own})`);
  }
  const parsed = common ?? tryParseResourceId(event.resourceId);
  if (parsed === undefined)
    return skip("InvalidResourceId", `${event.resourceId} is not a valid resource id`);
  const { operationType, scopeSpelling: resourceType } = operationTypes.get(event.operationName);
  if (!equalsIgnoreCase(parsed.type, operationType)) {
    // A child (e.g. .../accounts/{a}/deployments/{d}) never changes its parent's encryption; the
    // parent is evaluated on its own writes and by the sweep.
    if (parsed.type.toLowerCase().startsWith(`${operationType.toLowerCase()}/`)) {
      return skip(
        "ChildResource",
        `${parsed.type} is a child of ${operationType}: only the parent's own writes are evaluated`,
      );
    }
    return skip(
      "OperationResourceMismatch",
      `operation ${event.operationName} does not match resource type ${parsed.type}`,
    );
  }
  // The scope list's spelling is found only for in-scope types (isResourceTypeInScope); the
  // resource's type and the operation's are one type here, so the operation's spelling answers.
  if (resourceType === undefined) {
    return skip("ResourceTypeOutOfScope", `resource type ${parsed.type} is not in scope`);
  }
  if (event.kind === "ResourceDeleteSuccess") return { kind: "resolve", resourceId: parsed.id, resourceType };
  const patterns = settings.excludedIdPatterns;
  const pattern =
    patterns === undefined || patterns.length === 0 ? undefined : excludingIdPattern(parsed.id, patterns);
  if (pattern !== undefined) return skip("ExcludedByIdPattern", `excluded by id pattern ${pattern}`);
  return { kind: "evaluate", resourceId: parsed.id, resourceType };
}

/** The inline resource as rule input; identity only when it is an object, as rules expect. */
function inlineResource(resourceId: string, inline: InlineArmResource): ArmResourceJson {
  const { identity, ...rest } = inline;
  const out: ArmResourceJson = {
    ...rest,
    id: resourceId,
    name: inline.name,
    type: canonicalType(inline.type),
    ...(inline.tags === undefined ? {} : { tags: { ...inline.tags } }),
    ...(inline.properties === undefined ? {} : { properties: { ...inline.properties } }),
  };
  if (identity !== null && typeof identity === "object") out.identity = identity;
  return out;
}

function triageNotification(event: ResourceNotificationEvent, settings: TriageSettings): TriageDecision {
  const type = event.resource.type;
  if (!isResourceTypeInScope(type))
    return skip("ResourceTypeOutOfScope", `resource type ${type} is not in scope`);
  const parsed = tryParseResourceId(event.resourceId);
  if (parsed === undefined)
    return skip("InvalidResourceId", `${event.resourceId} is not a valid resource id`);
  const resourceType = canonicalType(type);
  if (event.kind === "ResourceDeleted") return { kind: "resolve", resourceId: parsed.id, resourceType };
  const pattern = excludingIdPattern(parsed.id, settings.excludedIdPatterns ?? []);
  if (pattern !== undefined) return skip("ExcludedByIdPattern", `excluded by id pattern ${pattern}`);
  // Without properties there is nothing to judge inline: let the caller read the resource.
  if (event.resource.properties === undefined)
    return { kind: "evaluate", resourceId: parsed.id, resourceType };
  return {
    kind: "evaluate",
    resourceId: parsed.id,
    resourceType,
    inline: inlineResource(parsed.id, event.resource),
  };
}

/**
 * Decides, before any I/O, what an ARM or Resource Notifications event asks of the service.
 *
 * - Only in-scope operations and resource types; transient deployment URIs, unsuccessful operations
 *   and writes by the service's own identity (object id against `caller.objectId`, application id
 *   against `caller.appId`, case-insensitive) are skipped, each with a reason.
 * - A child resource write (`.../accounts/{a}/deployments/{d}`) is skipped, not escalated to its
 *   parent: children do not carry the parent's encryption settings.
 * - A delete resolves (closes the resource's tickets), whoever made it.
 * - Resource Notifications carry the resource inline (no read needed) but no caller, so the
 *   own-write guard cannot apply to them; re-evaluating a resource the service just fixed finds it
 *   compliant, so the loop ends there.
 */
export function triageEvent(
  event: ResourceWriteEvent | ResourceDeleteEvent | ResourceNotificationEvent,
  settings: TriageSettings,
): TriageDecision {
  return event.kind === "ResourceWriteSuccess" || event.kind === "ResourceDeleteSuccess"
    ? triageArmOperation(event, settings)
    : triageNotification(event, settings);
}
