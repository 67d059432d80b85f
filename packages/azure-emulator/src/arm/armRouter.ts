import { resourceView } from "./resourceViews.js";
import { armError } from "../armError.js";
import {
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
  type RequestContext,
} from "../emulatorTypes.js";
import type { TenantState } from "../tenantState.js";
import {
  invalidApiVersion,
  invalidResourceId,
  methodNotAllowed,
  missingApiVersion,
  subscriptionNotFound,
} from "./armErrors.js";
import { classifyArmPath } from "./armRoutes.js";
import { answerDeletedVaults, deletedVaultRoute } from "./deletedVaults.js";
import type { OperationTracker } from "./longRunningOperations.js";
import {
  deleteResource,
  patchResource,
  putResource,
  readResource,
  type ResourceCall,
} from "./resourceOperations.js";
import { listCollection, listResources, page, queryParam } from "./resourceLists.js";
import {
  RoleAssignmentFilterError,
  listRoleAssignments,
  parseRoleAssignmentFilter,
} from "./roleAssignments.js";
import { listResourceGroups, subscriptionBody } from "./tenantScopes.js";

/** What the router needs besides the request. */
export interface ArmRouterDeps {
  readonly state: TenantState;
  readonly operations: OperationTracker;
  readonly pageSize: number;
}

const apiVersionPattern = /^\d{4}-\d{2}-\d{2}(-[A-Za-z0-9.]+)?$/;

function onlyGet(request: EmulatorRequest, answer: () => EmulatorResponse): EmulatorResponse {
  return request.method === "GET" ? answer() : methodNotAllowed(request.method);
}

/** Routes one ARM request (already authenticated and throttled) to its handler. */
export function routeArmRequest(
  deps: ArmRouterDeps,
  request: EmulatorRequest,
  context: RequestContext,
): EmulatorResponse {
  const apiVersion = queryParam(request.url, "api-version");
  if (apiVersion === null || apiVersion.trim() === "") return missingApiVersion();
  if (!apiVersionPattern.test(apiVersion)) return invalidApiVersion(apiVersion);
  const { state } = deps;
  const deletedVaults = deletedVaultRoute(request.url.pathname);
  if (deletedVaults !== undefined) {
    if (state.getSubscription(deletedVaults.subscriptionId) === undefined)
      return subscriptionNotFound(deletedVaults.subscriptionId);
    return onlyGet(request, () => answerDeletedVaults(state, request, deletedVaults, deps.pageSize));
  }
  const route = classifyArmPath(request.url.pathname);
  if (route.kind === "invalid") return invalidResourceId(route.problem);
  const subscriptionId =
    route.kind === "resource"
      ? route.id.subscriptionId
      : "subscriptionId" in route
        ? route.subscriptionId
        : undefined;
  if (subscriptionId !== undefined && state.getSubscription(subscriptionId) === undefined) {
    return subscriptionNotFound(subscriptionId);
  }
  switch (route.kind) {
    case "subscriptions":
      return onlyGet(request, () =>
        jsonResponse(200, { value: state.subscriptions().map((s) => subscriptionBody(s, state.tenantId)) }),
      );
    case "subscription":
      return onlyGet(request, () => {
        const sub = state.getSubscription(route.subscriptionId);
        return sub === undefined
          ? subscriptionNotFound(route.subscriptionId)
          : jsonResponse(200, subscriptionBody(sub, state.tenantId));
      });
    case "resourceGroups":
      return onlyGet(request, () =>
        page(listResourceGroups(state, route.subscriptionId), request, deps.pageSize),
      );
    case "resources":
      return onlyGet(request, () => listResources(state, deps.pageSize, request, route));
    case "collection":
      return onlyGet(
        request,
        () =>
          resourceView(state, route, request, deps.pageSize) ??
          listCollection(state, deps.pageSize, request, route),
      );
    case "roleAssignments":
      return onlyGet(request, () => {
        try {
          const filter = parseRoleAssignmentFilter(queryParam(request.url, "$filter"));
          const managementGroupOf = (sub: string): string | undefined =>
            state.getSubscription(sub)?.managementGroupId;
          return page(
            listRoleAssignments(state.scanResources(), route.scope, filter, managementGroupOf),
            request,
            deps.pageSize,
          );
        } catch (error) {
          if (error instanceof RoleAssignmentFilterError) return armError(400, error.code, error.message);
          throw error;
        }
      });
    case "operation":
      return onlyGet(request, () => {
        const answer = deps.operations.poll(route.operationName, route.which, context.now);
        return (
          answer ??
          armError(404, "OperationNotFound", `The operation '${route.operationName}' was not found.`)
        );
      });
    case "resource": {
      const call: ResourceCall = {
        state,
        operations: deps.operations,
        request,
        id: route.id,
        now: context.now,
        apiVersion,
      };
      switch (request.method) {
        case "GET":
        case "HEAD":
          return readResource(call);
        case "PUT":
          return putResource(call);
        case "PATCH":
          return patchResource(call);
        case "DELETE":
          return deleteResource(call);
        default:
          return methodNotAllowed(request.method);
      }
    }
  }
}
