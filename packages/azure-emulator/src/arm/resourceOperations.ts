import { randomUUID } from "node:crypto";
import type { ParsedResourceId } from "../ids/armPath.js";
import { jsonResponse, type EmulatorRequest, type EmulatorResponse } from "../emulatorTypes.js";
import type { ArmResource } from "../tenantFile.js";
import type { StoredResource, TenantState } from "../tenantState.js";
import {
  invalidParameter,
  invalidRequestContent,
  parentResourceNotFound,
  refusal,
  resourceGroupNotFound,
  resourceNotFound,
} from "./armErrors.js";
import { checkPreconditions } from "./conditionalRequests.js";
import { isKeyVault, recordVaultDeletion } from "./deletedVaults.js";
import { applyMergePatch } from "./jsonMergePatch.js";
import type { OperationTracker } from "./longRunningOperations.js";
import {
  acceptedWithoutBody,
  inProgressBody,
  isLongRunningType,
  withAssignedIdentity,
} from "./provisioning.js";
import { checkRoleAssignmentWrite, presentRoleAssignment, roleAssignmentType } from "./roleAssignments.js";
import { deleteResourceTree, isResourceGroupId, resourceGroupBody } from "./tenantScopes.js";
import { withoutInstanceView } from "./resourceViews.js";
import { validateWrite } from "./validation/writeValidation.js";

/** One ARM call on one resource id. */
export interface ResourceCall {
  readonly state: TenantState;
  readonly operations: OperationTracker;
  readonly request: EmulatorRequest;
  readonly id: ParsedResourceId;
  readonly now: number;
  readonly apiVersion: string;
}

function isRoleAssignment(id: ParsedResourceId): boolean {
  return id.type.toLowerCase() === roleAssignmentType.toLowerCase();
}

/** The stored resource; a resource group without an explicit entry is derived from its contents. */
function lookup(call: ResourceCall): StoredResource | undefined {
  const stored = call.state.getResource(call.id.id);
  if (stored !== undefined || !isResourceGroupId(call.id)) return stored;
  const derived = resourceGroupBody(call.state, call.id.subscriptionId, call.id.name);
  return derived === undefined ? undefined : { body: derived, etag: `"${derived.id.toLowerCase()}"` };
}

/** 404 for an absent resource: the missing resource group when that is the cause, else the resource. */
function notFound(call: ResourceCall): EmulatorResponse {
  const rg = call.id.resourceGroup;
  if (
    rg !== undefined &&
    !isResourceGroupId(call.id) &&
    resourceGroupBody(call.state, call.id.subscriptionId, rg) === undefined
  ) {
    return resourceGroupNotFound(rg);
  }
  if (isResourceGroupId(call.id)) return resourceGroupNotFound(call.id.name);
  return resourceNotFound(call.id);
}

function present(call: ResourceCall, body: ArmResource): ArmResource {
  return isRoleAssignment(call.id) ? presentRoleAssignment(body) : withoutInstanceView(body, call.request);
}

function parseObjectBody(request: EmulatorRequest): Record<string, unknown> | EmulatorResponse {
  if (request.body === undefined || request.body.trim() === "")
    return invalidRequestContent("the request body is empty");
  let value: unknown;
  try {
    value = JSON.parse(request.body);
  } catch (error) {
    return invalidRequestContent((error as Error).message);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    return invalidRequestContent("the request body must be a JSON object");
  }
  return value as Record<string, unknown>;
}

function isResponse(value: unknown): value is EmulatorResponse {
  return typeof value === "object" && value !== null && "status" in value && "headers" in value;
}

/** GET and HEAD. */
export function readResource(call: ResourceCall): EmulatorResponse {
  const stored = lookup(call);
  if (stored === undefined)
    return call.request.method === "HEAD" ? { status: 404, headers: {} } : notFound(call);
  const failed = checkPreconditions(call.request, stored);
  if (failed !== undefined) return failed;
  if (call.request.method === "HEAD") return { status: 204, headers: { etag: stored.etag } };
  return jsonResponse(200, present(call, stored.body), { etag: stored.etag });
}

/** Checks that what the resource sits in exists: its resource group, its parent, the resource it extends. */
function containerProblem(call: ResourceCall): EmulatorResponse | undefined {
  const { id, state } = call;
  if (id.resourceGroup !== undefined && !isResourceGroupId(id)) {
    if (resourceGroupBody(state, id.subscriptionId, id.resourceGroup) === undefined) {
      return resourceGroupNotFound(id.resourceGroup);
    }
  }
  if (id.parentId !== undefined && state.getResource(id.parentId) === undefined) {
    const parentName = id.parentId.split("/").slice(-1)[0] ?? id.parentId;
    return parentResourceNotFound(parentName);
  }
  if (id.isExtension && id.parentScope !== undefined && state.getResource(id.parentScope) === undefined) {
    return invalidParameter(
      `The scope '${id.parentScope}' of the extension resource does not exist.`,
      "scope",
    );
  }
  return undefined;
}

/** Stores a written body, starting a long-running operation for the types that have one. */
function commitWrite(
  call: ResourceCall,
  previous: StoredResource | undefined,
  next: ArmResource,
  successStatus: number,
): EmulatorResponse {
  const { state, id } = call;
  if (!isLongRunningType(next.type)) {
    const { etag } = state.putResource(next);
    return jsonResponse(successStatus, present(call, next), { etag });
  }
  const provisioning = previous === undefined ? "Creating" : "Updating";
  const body = inProgressBody(previous?.body, next, provisioning);
  const { etag } = state.putResource(body);
  const headers = call.operations.start({
    method: call.request.method as "PUT" | "PATCH",
    resourceId: body.id,
    previous: previous?.body,
    subscriptionId: id.subscriptionId,
    provider: id.provider,
    location: body.location ?? undefined,
    origin: call.request.url.origin,
    apiVersion: call.apiVersion,
    now: call.now,
  });
  const answered = successStatus === 202 && acceptedWithoutBody(body.type) ? undefined : body;
  return jsonResponse(successStatus, answered, { ...headers, etag });
}

function refuse(r: {
  status: number;
  code: string;
  message: string;
  target?: string | undefined;
}): EmulatorResponse {
  return refusal(r.status, r.code, r.message, r.target);
}

/** PUT: create (201) or replace (200). */
export function putResource(call: ResourceCall): EmulatorResponse {
  const { state, id, request } = call;
  const parsed = parseObjectBody(request);
  if (isResponse(parsed)) return parsed;
  if (typeof parsed.name === "string" && parsed.name.toLowerCase() !== id.name.toLowerCase()) {
    return invalidParameter(
      `The resource name '${parsed.name}' in the body does not match '${id.name}' in the URL.`,
      "name",
    );
  }
  if (typeof parsed.type === "string" && parsed.type.toLowerCase() !== id.type.toLowerCase()) {
    return invalidParameter(
      `The resource type '${parsed.type}' in the body does not match '${id.type}' in the URL.`,
      "type",
    );
  }
  const container = containerProblem(call);
  if (container !== undefined) return container;
  call.operations.settle(id.id, call.now);
  const stored = state.getResource(id.id);
  const failed = checkPreconditions(request, stored);
  if (failed !== undefined) return failed;
  let next: ArmResource = {
    ...parsed,
    id: stored?.body.id ?? id.id,
    name: stored?.body.name ?? id.name,
    type: stored?.body.type ?? (typeof parsed.type === "string" ? parsed.type : id.type),
  };
  if (isResourceGroupId(id)) {
    next = { ...next, properties: { ...(next.properties ?? {}), provisioningState: "Succeeded" } };
  }
  next = withAssignedIdentity(next, stored?.body, state.tenantId, randomUUID);
  if (isRoleAssignment(id)) {
    next = presentRoleAssignment(next);
    const problem = checkRoleAssignmentWrite(next, stored?.body, state.scanResources());
    if (problem !== undefined) return refuse(problem);
  }
  const refused = validateWrite({
    state,
    method: "PUT",
    stored: stored?.body,
    next,
    request: parsed,
    now: call.now,
  });
  if (refused !== undefined) return refuse(refused);
  return commitWrite(call, stored, next, stored === undefined ? 201 : 200);
}

/** PATCH: RFC 7386 merge of the body into the stored resource. */
export function patchResource(call: ResourceCall): EmulatorResponse {
  const { state, id, request } = call;
  const parsed = parseObjectBody(request);
  if (isResponse(parsed)) return parsed;
  call.operations.settle(id.id, call.now);
  const stored = lookup(call);
  if (stored === undefined) return notFound(call);
  const failed = checkPreconditions(request, stored);
  if (failed !== undefined) return failed;
  const merged = applyMergePatch(stored.body, parsed) as Record<string, unknown>;
  let next: ArmResource = { ...merged, id: stored.body.id, name: stored.body.name, type: stored.body.type };
  next = withAssignedIdentity(next, stored.body, state.tenantId, randomUUID);
  if (isRoleAssignment(id)) {
    next = presentRoleAssignment(next);
    const problem = checkRoleAssignmentWrite(next, stored.body, state.scanResources());
    if (problem !== undefined) return refuse(problem);
  }
  const refused = validateWrite({
    state,
    method: "PATCH",
    stored: stored.body,
    next,
    request: parsed,
    now: call.now,
  });
  if (refused !== undefined) return refuse(refused);
  return commitWrite(call, stored, next, isLongRunningType(next.type) ? 202 : 200);
}

/** DELETE: 200 (202 for long-running types), 204 when there is nothing to delete. */
export function deleteResource(call: ResourceCall): EmulatorResponse {
  const { state, id, request } = call;
  call.operations.settle(id.id, call.now);
  const stored = lookup(call);
  if (stored === undefined) {
    if (id.resourceGroup !== undefined && !isResourceGroupId(id)) {
      if (resourceGroupBody(state, id.subscriptionId, id.resourceGroup) === undefined) {
        return resourceGroupNotFound(id.resourceGroup);
      }
    }
    return { status: 204, headers: {} };
  }
  const failed = checkPreconditions(request, stored);
  if (failed !== undefined) return failed;
  if (!isLongRunningType(stored.body.type)) {
    if (isKeyVault(stored.body)) recordVaultDeletion(state, stored.body, call.now);
    deleteResourceTree(state, stored.body.id);
    return { status: 200, headers: {} };
  }
  state.putResource(inProgressBody(stored.body, stored.body, "Deleting"));
  const headers = call.operations.start({
    method: "DELETE",
    resourceId: stored.body.id,
    previous: stored.body,
    subscriptionId: id.subscriptionId,
    provider: id.provider,
    location: stored.body.location ?? undefined,
    origin: request.url.origin,
    apiVersion: call.apiVersion,
    now: call.now,
  });
  return { status: 202, headers };
}
