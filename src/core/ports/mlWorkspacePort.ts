import type { ChildList, RoleAssignmentRow } from "../consumers/mlWorkspace/recreation/mlRecreationFacts.js";

/** A list the service may be refused (403): its rows, or why not. */
export type Listing<T> =
  | { readonly status: "ok"; readonly items: readonly T[] }
  | { readonly status: "denied"; readonly message: string }
  | { readonly status: "notFound" };

/**
 * What the Machine Learning re-creation kit reads from Azure besides single resources and Resource
 * Graph: a workspace's child collections, the role assignments on it, and the keys of a vault. Part
 * of the Azure port ({@link RotationPort}).
 */
export interface MlWorkspacePort {
  /**
   * Every item of `{parentId}/{collection}` (e.g. a workspace's `computes`), following ARM's
   * `nextLink` pages up to `limit` items (then `truncated`). `notFound` when the parent is gone,
   * `denied` when the service may not list it.
   */
  listChildResources(
    parentId: string,
    collection: string,
    apiVersion: string,
    limit: number,
  ): Promise<ChildList>;
  /** Role assignments that apply at, above or below a scope, as `{scope}/providers/Microsoft.Authorization/roleAssignments` lists them. */
  listRoleAssignmentsForScope(scope: string): Promise<Listing<RoleAssignmentRow>>;
  /** Names of a vault's keys (data plane), at most `limit`. */
  listKeyNames(vaultUrl: string, limit: number): Promise<Listing<string>>;
}
