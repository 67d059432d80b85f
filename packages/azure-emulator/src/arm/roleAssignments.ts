import { tryParseResourceId } from "../ids/armPath.js";
import type { ArmResource } from "../tenantFile.js";
import { stringField } from "./validation/bodyFields.js";

/** The role-assignment resource type. */
export const roleAssignmentType = "Microsoft.Authorization/roleAssignments";

/** A role-assignment `$filter` ARM does not accept. */
export class RoleAssignmentFilterError extends Error {
  readonly code = "InvalidFilter";
  constructor(
    readonly filter: string,
    readonly problem: string,
  ) {
    super(
      `The filter '${filter}' is not supported: ${problem}. Supported: atScope(), principalId eq '{id}', assignedTo('{id}').`,
    );
    this.name = "RoleAssignmentFilterError";
  }
}

/** What `GET {scope}/providers/Microsoft.Authorization/roleAssignments?$filter=...` asks for. */
export interface RoleAssignmentFilter {
  /** `atScope()`: only assignments at or above the scope (none below it). */
  readonly atScope: boolean;
  /** `principalId eq '{id}'` or `assignedTo('{id}')`. */
  readonly principalId?: string | undefined;
}

/**
 * Parses the role-assignment list filter: `atScope()`, `principalId eq '{id}'` (quotes optional),
 * `assignedTo('{id}')`, joined by `and`. `assignedTo` also covers group membership in Azure; the
 * emulator has no groups, so it equals a principal filter.
 * @throws {@link RoleAssignmentFilterError} for anything else.
 */
export function parseRoleAssignmentFilter(filter: string | null | undefined): RoleAssignmentFilter {
  if (filter === null || filter === undefined || filter.trim() === "") return { atScope: false };
  let atScope = false;
  let principalId: string | undefined;
  for (const clause of filter.trim().split(/\s+and\s+/i)) {
    const text = clause.trim();
    if (/^atScope\(\s*\)$/i.test(text)) {
      atScope = true;
      continue;
    }
    const match =
      /^principalId\s+eq\s+'([^']*)'$/i.exec(text) ??
      /^principalId\s+eq\s+([0-9A-Za-z-]+)$/i.exec(text) ??
      /^assignedTo\(\s*'([^']*)'\s*\)$/i.exec(text);
    const id = match?.[1];
    if (id === undefined) throw new RoleAssignmentFilterError(filter, `unsupported clause '${text}'`);
    if (principalId !== undefined && principalId.toLowerCase() !== id.toLowerCase()) {
      throw new RoleAssignmentFilterError(filter, "more than one principal");
    }
    principalId = id;
  }
  return { atScope, principalId };
}

/** Lower-case, single slashes, no trailing slash; the tenant root is the empty string. */
export function normalizeScope(scope: string): string {
  return `/${scope
    .split("/")
    .filter((s) => s.length > 0)
    .join("/")}`
    .toLowerCase()
    .replace(/^\/$/, "");
}

/** A role assignment's scope: `properties.scope`, else the part of its id before `/providers/Microsoft.Authorization`. */
export function roleAssignmentScope(assignment: Readonly<ArmResource>): string {
  const declared = stringField(assignment, "properties", "scope");
  if (declared !== undefined && declared !== "") return declared;
  const parsed = tryParseResourceId(assignment.id);
  return parsed?.parentScope ?? "/";
}

/** How one scope relates to another. */
export type ScopeRelation = "at" | "above" | "below" | "unrelated";

const managementGroupPrefix = "/providers/microsoft.management/managementgroups/";

function subscriptionOf(scope: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/.exec(scope)?.[1];
}

/**
 * Where `candidate` sits relative to `requested`: at it, above it (an ancestor), below it (a
 * descendant) or unrelated. The tenant root (`/`) is above everything; a management group is above
 * the subscriptions `managementGroupOf` places in it (one level, as the tenant file records).
 */
export function scopeRelation(
  candidate: string,
  requested: string,
  managementGroupOf: (subscriptionId: string) => string | undefined = () => undefined,
): ScopeRelation {
  const c = normalizeScope(candidate);
  const r = normalizeScope(requested);
  if (c === r) return "at";
  if (c === "" || r.startsWith(`${c}/`)) return "above";
  if (r === "" || c.startsWith(`${r}/`)) return "below";
  const inGroup = (group: string, scope: string): boolean => {
    if (!group.startsWith(managementGroupPrefix)) return false;
    const sub = subscriptionOf(scope);
    const mg = sub === undefined ? undefined : managementGroupOf(sub);
    const mgName = mg
      ?.split("/")
      .filter((s) => s.length > 0)
      .pop()
      ?.toLowerCase();
    return mgName !== undefined && group === `${managementGroupPrefix}${mgName}`;
  };
  if (inGroup(c, r)) return "above";
  if (inGroup(r, c)) return "below";
  return "unrelated";
}

/** The assignment as ARM returns it: type and `properties.scope` always present. */
export function presentRoleAssignment(assignment: Readonly<ArmResource>): ArmResource {
  const copy = structuredClone(assignment) as ArmResource;
  copy.type = roleAssignmentType;
  copy.properties = { ...(copy.properties ?? {}), scope: roleAssignmentScope(assignment) };
  return copy;
}

/**
 * The role assignments `GET {scope}/providers/Microsoft.Authorization/roleAssignments` returns:
 * those at, above or below the scope (at or above only with `atScope()`), for one principal when
 * the filter names one.
 */
export function listRoleAssignments(
  resources: Iterable<Readonly<ArmResource>>,
  scope: string,
  filter: RoleAssignmentFilter,
  managementGroupOf?: (subscriptionId: string) => string | undefined,
): ArmResource[] {
  const wantedPrincipal = filter.principalId?.toLowerCase();
  const result: ArmResource[] = [];
  for (const r of resources) {
    if (r.type.toLowerCase() !== roleAssignmentType.toLowerCase()) continue;
    if (
      wantedPrincipal !== undefined &&
      stringField(r, "properties", "principalId")?.toLowerCase() !== wantedPrincipal
    ) {
      continue;
    }
    const relation = scopeRelation(roleAssignmentScope(r), scope, managementGroupOf);
    if (relation === "unrelated" || (filter.atScope && relation === "below")) continue;
    result.push(presentRoleAssignment(r));
  }
  return result;
}

/** Why ARM refuses a role-assignment PUT. */
export interface RoleAssignmentRefusal {
  readonly status: 400 | 409;
  readonly code: string;
  readonly message: string;
}

/**
 * Checks a role-assignment PUT the way Microsoft.Authorization does: roleDefinitionId and
 * principalId are required; an existing assignment cannot change principal, role or scope; the
 * same principal, role and scope cannot be assigned twice under different names.
 */
export function checkRoleAssignmentWrite(
  next: Readonly<ArmResource>,
  stored: Readonly<ArmResource> | undefined,
  resources: Iterable<Readonly<ArmResource>>,
): RoleAssignmentRefusal | undefined {
  const roleDefinitionId = stringField(next, "properties", "roleDefinitionId");
  const principalId = stringField(next, "properties", "principalId");
  if (roleDefinitionId === undefined || roleDefinitionId === "") {
    return {
      status: 400,
      code: "InvalidRoleAssignmentRequest",
      message: "The 'properties.roleDefinitionId' is required.",
    };
  }
  if (principalId === undefined || principalId === "") {
    return {
      status: 400,
      code: "InvalidPrincipalId",
      message: "A valid 'properties.principalId' is required.",
    };
  }
  const same = (a: string | undefined, b: string | undefined): boolean =>
    (a ?? "").toLowerCase() === (b ?? "").toLowerCase();
  // Role definitions are named by guid; the scope prefix of their id varies between callers.
  const sameRole = (a: string | undefined, b: string | undefined): boolean =>
    same(a?.split("/").pop(), b?.split("/").pop());
  const scope = normalizeScope(roleAssignmentScope(next));
  if (stored !== undefined) {
    if (
      !same(stringField(stored, "properties", "principalId"), principalId) ||
      !sameRole(stringField(stored, "properties", "roleDefinitionId"), roleDefinitionId) ||
      normalizeScope(roleAssignmentScope(stored)) !== scope
    ) {
      return {
        status: 409,
        code: "RoleAssignmentUpdateNotPermitted",
        message: "Tenant ID, application ID, principal ID, and scope are not allowed to be updated.",
      };
    }
    return undefined;
  }
  for (const r of resources) {
    if (r.type.toLowerCase() !== roleAssignmentType.toLowerCase() || same(r.id, next.id)) continue;
    if (
      same(stringField(r, "properties", "principalId"), principalId) &&
      sameRole(stringField(r, "properties", "roleDefinitionId"), roleDefinitionId) &&
      normalizeScope(roleAssignmentScope(r)) === scope
    ) {
      return { status: 409, code: "RoleAssignmentExists", message: "The role assignment already exists." };
    }
  }
  return undefined;
}
