import { ResourceIdError, parseResourceId, type ParsedResourceId } from "../ids/armPath.js";

/** What an ARM request path addresses. */
export type ArmRoute =
  | { readonly kind: "subscriptions" }
  | { readonly kind: "subscription"; readonly subscriptionId: string }
  | { readonly kind: "resourceGroups"; readonly subscriptionId: string }
  /** `/subscriptions/{s}[/resourceGroups/{rg}]/resources`. */
  | {
      readonly kind: "resources";
      readonly subscriptionId: string;
      readonly resourceGroup?: string | undefined;
    }
  /** `{scope}/providers/Microsoft.Authorization/roleAssignments`; scope `/` is the tenant root. */
  | { readonly kind: "roleAssignments"; readonly scope: string; readonly subscriptionId?: string | undefined }
  /** A long-running operation's status (`operationStatuses`) or result (`operationResults`) URL. */
  | {
      readonly kind: "operation";
      readonly subscriptionId: string;
      readonly operationName: string;
      readonly which: "status" | "result";
    }
  /**
   * A collection of one type: `{parent}/{type}` where parent is a resource (child collections) or
   * `{scope}/providers/{ns}` (top-level types under a subscription or resource group).
   */
  | {
      readonly kind: "collection";
      readonly subscriptionId: string;
      readonly resourceGroup?: string | undefined;
      /** The resource or scope the collection hangs from. */
      readonly parentId: string;
      /** True when `parentId` is a resource (a child collection), false for a scope. */
      readonly parentIsResource: boolean;
      /** Full type, e.g. `Microsoft.Compute/disks`. */
      readonly type: string;
      /** The collection path itself. */
      readonly path: string;
    }
  | { readonly kind: "resource"; readonly id: ParsedResourceId }
  | { readonly kind: "invalid"; readonly problem: string };

/** Splits a URL path into decoded segments, ignoring repeated and trailing slashes (ARM tolerates both). */
export function pathSegments(pathname: string): string[] {
  return pathname
    .split("/")
    .filter((s) => s.length > 0)
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
}

const is = (segment: string | undefined, word: string): boolean =>
  segment?.toLowerCase() === word.toLowerCase();

function lastProvidersIndex(segments: readonly string[]): number {
  for (let i = segments.length - 2; i >= 0; i--) if (is(segments[i], "providers")) return i;
  return -1;
}

/** Classifies an ARM request path. Pure. */
export function classifyArmPath(pathname: string): ArmRoute {
  const s = pathSegments(pathname);
  const path = `/${s.join("/")}`;
  const roleAssignmentList = /^(.*)\/providers\/Microsoft\.Authorization\/roleAssignments$/i.exec(path);
  if (roleAssignmentList !== null) {
    const scope =
      roleAssignmentList[1] === "" || roleAssignmentList[1] === undefined ? "/" : roleAssignmentList[1];
    const subscriptionId = is(s[0], "subscriptions") ? s[1] : undefined;
    return { kind: "roleAssignments", scope, subscriptionId };
  }
  if (!is(s[0], "subscriptions")) {
    return { kind: "invalid", problem: `The path '${path}' is not an Azure Resource Manager resource path.` };
  }
  const subscriptionId = s[1];
  if (subscriptionId === undefined) return { kind: "subscriptions" };
  if (s.length === 2) return { kind: "subscription", subscriptionId };
  if (s.length === 3 && is(s[2], "resources")) return { kind: "resources", subscriptionId };
  if (s.length === 3 && is(s[2], "resourceGroups")) return { kind: "resourceGroups", subscriptionId };
  if (s.length === 5 && is(s[2], "resourceGroups") && is(s[4], "resources")) {
    return { kind: "resources", subscriptionId, resourceGroup: s[3] };
  }
  if (
    s.length === 8 &&
    is(s[2], "providers") &&
    is(s[4], "locations") &&
    (is(s[6], "operationStatuses") || is(s[6], "operationResults"))
  ) {
    return {
      kind: "operation",
      subscriptionId,
      operationName: s[7] ?? "",
      which: is(s[6], "operationStatuses") ? "status" : "result",
    };
  }
  const providers = lastProvidersIndex(s);
  // After the last `providers/{ns}` an odd number of segments means the path ends in a type: a collection.
  if (providers >= 0 && (s.length - providers - 2) % 2 === 1) {
    const parentSegments = s.slice(0, -1);
    // A child collection hangs from a resource; so does an extension collection whose scope is one.
    const parentIsResource =
      parentSegments.length > providers + 2 || s.slice(0, providers).some((x) => is(x, "providers"));
    const parentId =
      parentSegments.length > providers + 2
        ? `/${parentSegments.join("/")}`
        : `/${s.slice(0, providers).join("/")}`;
    const namespace = s[providers + 1] ?? "";
    const types = s.slice(providers + 2).filter((_, i) => i % 2 === 0);
    try {
      const parent = parseResourceId(parentIsResource ? parentId : `/${s.slice(0, 2).join("/")}`);
      return {
        kind: "collection",
        subscriptionId: parent.subscriptionId,
        resourceGroup: is(s[2], "resourceGroups") ? s[3] : undefined,
        parentId,
        parentIsResource,
        type: [namespace, ...types].join("/"),
        path,
      };
    } catch (error) {
      if (error instanceof ResourceIdError) return { kind: "invalid", problem: error.message };
      throw error;
    }
  }
  try {
    return { kind: "resource", id: parseResourceId(path) };
  } catch (error) {
    if (error instanceof ResourceIdError) return { kind: "invalid", problem: error.message };
    throw error;
  }
}
