import type { ArmResourceJson } from "../../core/arm/armResource.js";
import {
  deploymentsCollection,
  ML_CHILD_COLLECTIONS,
} from "../../core/consumers/mlWorkspace/recreation/mlInventoryKinds.js";
import type {
  ChildList,
  KeyCandidate,
  MlRecreationFacts,
  MlWorkspaceReading,
} from "../../core/consumers/mlWorkspace/recreation/mlRecreationFacts.js";
import { mlWorkspaceModule } from "../../core/consumers/mlWorkspace/mlWorkspaceModule.js";
import { tryParseResourceId } from "../../core/ids/resourceId.js";
import { newestVersion } from "../../core/keyStores/keyVersionOrder.js";
import type { GraphScope } from "../../core/ports/graphScope.js";
import type { RotationPort } from "../../core/ports/rotationPort.js";
import { mlCandidateVaultsQuery, mlReplacementsQuery } from "../../core/queries/mlRecreationQueries.js";

/** What reading a workspace's re-creation facts needs. */
export interface MlRecreationReadDeps {
  readonly port: RotationPort;
  /** Where replacements are looked for (the service's scope). */
  readonly scope: GraphScope;
  readonly expiryMarginDays: number;
}

/** Bounds of one reading, so a huge workspace or tenant costs a known number of calls. */
export const ML_READ_LIMITS = {
  /** Items per child collection. */
  itemsPerList: 5000,
  /** Endpoints whose deployments are listed, per kind. */
  endpoints: 100,
  /** Vaults of the subscription and region considered for the key. */
  vaults: 5,
  /** Keys per vault considered. */
  keysPerVault: 10,
} as const;

const apiVersion = mlWorkspaceModule.apiVersion;

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Lists a workspace's children, the deployments of its endpoints and the role assignments on it. */
export async function readMlWorkspace(
  port: RotationPort,
  workspace: ArmResourceJson,
): Promise<MlWorkspaceReading> {
  const list = (collection: string) =>
    port.listChildResources(workspace.id, collection, apiVersion, ML_READ_LIMITS.itemsPerList);
  const [lists, roles] = await Promise.all([
    Promise.all(ML_CHILD_COLLECTIONS.map(async (c) => [c, await list(c)] as const)),
    port.listRoleAssignmentsForScope(workspace.id),
  ]);
  const children: Record<string, ChildList> = Object.fromEntries(lists);
  for (const endpoints of ["onlineEndpoints", "batchEndpoints"] as const) {
    const found = children[endpoints];
    if (found?.status !== "ok") continue;
    const names = found.items.slice(0, ML_READ_LIMITS.endpoints).map((e) => e.name);
    const deployments = await Promise.all(
      names.map(
        async (n) =>
          [deploymentsCollection(endpoints, n), await list(deploymentsCollection(endpoints, n))] as const,
      ),
    );
    for (const [path, result] of deployments) children[path] = result;
  }
  return {
    workspace,
    children,
    roleAssignments:
      roles.status === "denied"
        ? { status: "denied", message: roles.message }
        : { status: "ok", items: roles.status === "ok" ? roles.items : [] },
  };
}

/** Newest enabled version of each key of the vaults in the workspace's subscription and region. */
async function readKeyCandidates(
  port: RotationPort,
  workspace: ArmResourceJson,
  scope: GraphScope,
): Promise<KeyCandidate[]> {
  const parsed = tryParseResourceId(workspace.id);
  if (parsed === undefined || workspace.location == null) return [];
  const vaults: { id: string; vaultUri: string }[] = [];
  for await (const rows of port.queryResources(
    mlCandidateVaultsQuery(parsed.subscriptionId, workspace.location),
    { ...scope, subscriptions: [parsed.subscriptionId] },
  )) {
    for (const row of rows) {
      if (typeof row.id === "string" && typeof row.vaultUri === "string" && row.vaultUri !== "")
        vaults.push({ id: row.id, vaultUri: row.vaultUri });
    }
    if (vaults.length >= ML_READ_LIMITS.vaults) break;
  }
  const out: KeyCandidate[] = [];
  for (const v of vaults.slice(0, ML_READ_LIMITS.vaults)) {
    const vaultUrl = v.vaultUri.replace(/\/+$/, "");
    const vault = await port.readVault(vaultUrl, v.id);
    if (vault === undefined) {
      out.push({ readable: false, vaultId: v.id, reason: "the vault could not be read" });
      continue;
    }
    const names = await port.listKeyNames(vaultUrl, ML_READ_LIMITS.keysPerVault);
    if (names.status !== "ok") {
      out.push({
        readable: false,
        vaultId: v.id,
        reason:
          names.status === "denied"
            ? `its keys could not be listed: ${names.message}`
            : "the vault was not found",
      });
      continue;
    }
    for (const keyName of names.items) {
      const versions = await port.listKeyVersions(vaultUrl, keyName);
      const newest = newestVersion((versions ?? []).filter((x) => x.enabled));
      if (newest === undefined) {
        out.push({ readable: false, vaultId: v.id, keyName, reason: "the key has no enabled version" });
        continue;
      }
      const key = await port.getKeyVersion(vaultUrl, keyName, newest.version);
      out.push(
        key === undefined
          ? { readable: false, vaultId: v.id, keyName, reason: `version ${newest.version} could not be read` }
          : { readable: true, vault, key },
      );
    }
  }
  return out;
}

/**
 * Reads everything the re-creation kit of `workspace` (a workspace or hub without a customer-managed
 * key) is made from: its children and role assignments, its projects (a hub), the workspaces tagged
 * as its replacement and, while none exists, the keys a replacement could use. Reads only: nothing is
 * written anywhere.
 */
export async function readMlRecreationFacts(
  workspace: ArmResourceJson,
  deps: MlRecreationReadDeps,
): Promise<MlRecreationFacts> {
  const { port } = deps;
  const old = await readMlWorkspace(port, workspace);
  const projects: MlWorkspaceReading[] = [];
  const unreadableProjects: { id: string; reason: string }[] = [];
  if (workspace.kind?.toLowerCase() === "hub") {
    const ids = workspace.properties?.associatedWorkspaces;
    for (const id of Array.isArray(ids) ? ids.filter((x): x is string => typeof x === "string") : []) {
      try {
        const project = await port.readResource(id);
        if (project === undefined)
          unreadableProjects.push({ id, reason: "ARM answered that it does not exist" });
        else projects.push(await readMlWorkspace(port, project));
      } catch (error) {
        unreadableProjects.push({ id, reason: messageOf(error) });
      }
    }
  }
  const replacements: ArmResourceJson[] = [];
  for await (const rows of port.queryResources(mlReplacementsQuery(workspace.id), deps.scope)) {
    for (const row of rows)
      if (typeof row.id === "string") replacements.push(row as unknown as ArmResourceJson);
  }
  const first = replacements[0];
  return {
    old,
    projects,
    unreadableProjects,
    replacements,
    ...(first === undefined
      ? { keyCandidates: await readKeyCandidates(port, workspace, deps.scope) }
      : { replacementReading: await readMlWorkspace(port, first) }),
    expiryMarginDays: deps.expiryMarginDays,
  };
}
