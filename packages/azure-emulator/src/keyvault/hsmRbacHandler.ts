import {
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
  type Principal,
} from "../emulatorTypes.js";
import type { TenantHsmRoleAssignment } from "../tenantFile.js";
import type { StoredVault } from "../tenantState.js";
import { hsmBuiltInRoles, hsmRoleDefinitionId } from "./hsmBuiltInRoles.js";
import { KeyVaultRequestError } from "./keyVaultRequestError.js";

const rbacPath =
  /^(\/(?:keys(?:\/[^/]+)?)?)?\/providers\/microsoft\.authorization\/(roleassignments|roledefinitions)(?:\/([^/]+))?\/?$/i;

/** A request for the local RBAC endpoints of a Managed HSM, parsed from its path. */
export interface HsmRbacRoute {
  /** `/`, `/keys` or `/keys/{name}`. */
  readonly scope: string;
  readonly collection: "roleAssignments" | "roleDefinitions";
  readonly name?: string | undefined;
}

/** The local RBAC route of a path (`{scope}/providers/Microsoft.Authorization/...`), or undefined. */
export function hsmRbacRouteOf(pathname: string): HsmRbacRoute | undefined {
  // The SDKs send the scope unencoded after the template's own slash: `//providers/...` for `/`,
  // `//keys/{name}/providers/...` for a key; one slash means the same.
  const match = rbacPath.exec(pathname.replace(/^\/+/, "/"));
  if (match === null) return undefined;
  const scope = match[1] === undefined || match[1] === "" ? "/" : match[1];
  return {
    scope,
    collection: match[2]?.toLowerCase() === "roleassignments" ? "roleAssignments" : "roleDefinitions",
    name: match[3] === undefined ? undefined : decodeURIComponent(match[3]),
  };
}

function normal(scope: string): string {
  const s = scope.replace(/\/+$/, "").toLowerCase();
  return s === "" ? "/" : s;
}

/** True when an assignment at `outer` applies at `inner` (same scope or an ancestor). */
function covers(outer: string, inner: string): boolean {
  const o = normal(outer);
  const i = normal(inner);
  return o === "/" || o === i || i.startsWith(`${o}/`);
}

function guidOf(roleDefinitionId: string): string {
  return (roleDefinitionId.split("/").pop() ?? "").toLowerCase();
}

/** True when `principal` holds, at `scope` or above, a built-in role that permits `dataAction`. */
function permits(vault: StoredVault, principal: Principal, scope: string, dataAction: string): boolean {
  const oid = principal.objectId.toLowerCase();
  return vault.roleAssignments.some((a) => {
    if (a.principalId.toLowerCase() !== oid || !covers(a.scope, scope)) return false;
    const role = hsmBuiltInRoles.find((r) => r.id === guidOf(a.roleDefinitionId));
    return role?.dataActions.some((d) => d.toLowerCase() === dataAction.toLowerCase()) === true;
  });
}

/**
 * Managed HSM answers a caller without the data action with 403 `Forbidden` (inner error
 * `ForbiddenByRbac`), naming the caller, the action and the scope.
 */
function forbidden(principal: Principal, dataAction: string, scope: string): KeyVaultRequestError {
  return new KeyVaultRequestError(
    403,
    "Forbidden",
    `Caller is not authorized to perform action on resource.\r\nIf role assignments were recently changed, please wait several minutes for role assignments to become effective.\r\nCaller: oid=${principal.objectId}\r\nAction: '${dataAction}'\r\nResource: '${scope}'\r\nInner error: ForbiddenByRbac`,
  );
}

function assignmentBody(a: TenantHsmRoleAssignment): Record<string, unknown> {
  const prefix = a.scope === "/" ? "" : a.scope;
  return {
    id: `${prefix}/providers/Microsoft.Authorization/roleAssignments/${a.name}`,
    name: a.name,
    type: "Microsoft.Authorization/roleAssignments",
    properties: { scope: a.scope, roleDefinitionId: a.roleDefinitionId, principalId: a.principalId },
  };
}

function definitionBody(role: (typeof hsmBuiltInRoles)[number]): Record<string, unknown> {
  return {
    id: hsmRoleDefinitionId(role.id),
    name: role.id,
    type: "Microsoft.Authorization/roleDefinitions",
    properties: {
      roleName: role.roleName,
      description: role.description,
      type: "AKVBuiltInRole",
      permissions: [{ actions: [], notActions: [], dataActions: role.dataActions, notDataActions: [] }],
      assignableScopes: ["/"],
    },
  };
}

/**
 * The local RBAC endpoints of a Managed HSM pool (rbac.json 7.6): list role assignments that apply
 * at, above or below a scope (`RoleAssignments_ListForScope`), get one, list and get the built-in
 * role definitions. Reading needs `Microsoft.KeyVault/managedHsm/roleAssignments/read/action` (or
 * `roleDefinitions/read/action`) through one of the caller's own local role assignments; otherwise
 * 403, as Managed HSM answers. Writes answer 501 `NotImplemented`: the tenant file seeds them.
 */
export function handleHsmRbac(
  vault: StoredVault,
  request: EmulatorRequest,
  route: HsmRbacRoute,
  principal: Principal,
): EmulatorResponse {
  if (request.method !== "GET") {
    throw new KeyVaultRequestError(
      501,
      "NotImplemented",
      `The emulator does not implement ${request.method} of Managed HSM ${route.collection}; seed them in the tenant file.`,
    );
  }
  const action =
    route.collection === "roleAssignments"
      ? "Microsoft.KeyVault/managedHsm/roleAssignments/read/action"
      : "Microsoft.KeyVault/managedHsm/roleDefinitions/read/action";
  if (!permits(vault, principal, route.scope, action)) throw forbidden(principal, action, route.scope);
  if (route.collection === "roleDefinitions") {
    if (route.name === undefined)
      return jsonResponse(200, { value: hsmBuiltInRoles.map(definitionBody), nextLink: null });
    const role = hsmBuiltInRoles.find((r) => r.id === route.name?.toLowerCase());
    if (role === undefined)
      throw new KeyVaultRequestError(
        404,
        "RoleDefinitionNotFound",
        `Role definition ${route.name} not found.`,
      );
    return jsonResponse(200, definitionBody(role));
  }
  if (route.name === undefined) {
    const value = vault.roleAssignments
      .filter((a) => covers(a.scope, route.scope) || covers(route.scope, a.scope))
      .map(assignmentBody);
    return jsonResponse(200, { value, nextLink: null });
  }
  const found = vault.roleAssignments.find(
    (a) => a.name.toLowerCase() === route.name?.toLowerCase() && normal(a.scope) === normal(route.scope),
  );
  if (found === undefined)
    throw new KeyVaultRequestError(404, "RoleAssignmentNotFound", `Role assignment ${route.name} not found.`);
  return jsonResponse(200, assignmentBody(found));
}
