import type { ArmResourceJson } from "../../../arm/armResource.js";
import { tryParseResourceId } from "../../../ids/resourceId.js";
import { roleDefinitionGuid } from "../../../keyStores/keyVaultRoles.js";
import type { ChildList, MlWorkspaceReading, RoleAssignmentRow } from "./mlRecreationFacts.js";
import { ML_INVENTORY_SPECS, type CommandNames, type MlInventoryKind } from "./mlInventoryKinds.js";

/** One thing in a workspace. */
export interface MlInventoryItem {
  readonly name: string;
  readonly id: string;
  /** Type, target, version... (see each kind). */
  readonly detail?: string;
  /** Created by the new workspace itself: listed, not to move. */
  readonly automatic?: boolean;
}

/** Everything of one kind in a workspace, and how to move it. */
export interface MlInventoryGroup {
  readonly kind: MlInventoryKind;
  readonly label: string;
  /** Items to move (automatic ones not counted). */
  readonly count: number;
  readonly items: readonly MlInventoryItem[];
  readonly commands: readonly string[];
  readonly note?: string;
  /** Why the list could not be read (then `count` is 0 and means nothing). */
  readonly unreadable?: string;
  /** ARM stopped being paged through at the service's limit: more items exist. */
  readonly truncated?: boolean;
}

/** What one workspace holds that must move. */
export interface MlWorkspaceInventory {
  readonly workspaceId: string;
  readonly name: string;
  readonly kind: string;
  readonly location: string;
  readonly groups: readonly MlInventoryGroup[];
  /** Items to move, all kinds together. */
  readonly total: number;
  /** Kinds whose list could not be read. */
  readonly unreadableKinds: readonly MlInventoryKind[];
}

/** The items of one collection, or why there are none. */
function itemsOf(
  reading: MlWorkspaceReading,
  collection: string,
): { items: ArmResourceJson[]; unreadable?: string; truncated: boolean } {
  const lists: [string, ChildList][] = collection.includes("*")
    ? Object.entries(reading.children).filter(([path]) => matchesPattern(path, collection))
    : [[collection, reading.children[collection] ?? { status: "notFound" }]];
  const items: ArmResourceJson[] = [];
  let truncated = false;
  for (const [path, list] of lists) {
    if (list.status === "denied") return { items: [], unreadable: `${path}: ${list.message}`, truncated };
    if (list.status === "ok") {
      items.push(...list.items);
      truncated ||= list.truncated === true;
    }
  }
  return { items, truncated };
}

function matchesPattern(path: string, pattern: string): boolean {
  const a = path.split("/");
  const b = pattern.split("/");
  return (
    a.length === b.length && b.every((seg, i) => seg === "*" || seg.toLowerCase() === a[i]?.toLowerCase())
  );
}

/** Name of a deployment with its endpoint (`endpoint/deployment`), read from its id. */
function itemName(item: ArmResourceJson): string {
  const parsed = tryParseResourceId(item.id);
  // names: [workspace, endpoint, deployment] for a deployment.
  if (parsed !== undefined && parsed.names.length >= 3) return parsed.names.slice(1).join("/");
  return item.name;
}

function roleItems(rows: readonly RoleAssignmentRow[], workspaceId: string): MlInventoryItem[] {
  const ws = workspaceId.toLowerCase().replace(/\/+$/, "");
  return rows
    .filter((r) => {
      const scope = r.scope.toLowerCase().replace(/\/+$/, "");
      return scope === ws || scope.startsWith(`${ws}/`);
    })
    .map((r) => ({
      name: r.id.split("/").pop() ?? r.id,
      id: r.id,
      detail: `principal ${r.principalId}${r.principalType === undefined ? "" : ` (${r.principalType})`}, role ${roleDefinitionGuid(r.roleDefinitionId) ?? r.roleDefinitionId}`,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** Names the commands of a workspace's inventory are written with. */
export function commandNamesFor(oldId: string, newName: string): CommandNames {
  const parsed = tryParseResourceId(oldId);
  const resourceGroup = parsed?.resourceGroup ?? "<resource group>";
  const subscription = parsed?.subscriptionId ?? "<subscription>";
  return {
    oldName: parsed?.name ?? oldId,
    newName,
    resourceGroup,
    newId: `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.MachineLearningServices/workspaces/${newName}`,
  };
}

/**
 * The inventory of one workspace: every kind, in migration order, with its items (sorted by name),
 * the count of those to move and the commands that move them, with the names filled in. Pure.
 */
export function mlWorkspaceInventory(reading: MlWorkspaceReading, names: CommandNames): MlWorkspaceInventory {
  const ws = reading.workspace;
  const groups: MlInventoryGroup[] = [];
  for (const spec of ML_INVENTORY_SPECS) {
    let items: MlInventoryItem[];
    let unreadable: string | undefined;
    let truncated = false;
    if (spec.kind === "roleAssignments") {
      const ra = reading.roleAssignments;
      if (ra.status === "denied") {
        items = [];
        unreadable = ra.message;
      } else items = roleItems(ra.items, ws.id);
    } else {
      const read = itemsOf(reading, spec.collection);
      unreadable = read.unreadable;
      truncated = read.truncated;
      items = read.items
        .filter((i) => spec.accepts?.(i) ?? true)
        .map((i) => {
          const detail = spec.detail?.(i);
          return {
            name: itemName(i),
            id: i.id,
            ...(detail === undefined ? {} : { detail }),
            ...(spec.automatic?.(i) === true ? { automatic: true } : {}),
          };
        })
        .sort((a, b) => a.name.localeCompare(b.name));
    }
    groups.push({
      kind: spec.kind,
      label: spec.label,
      count: items.filter((i) => i.automatic !== true).length,
      items,
      commands: spec.commands(names),
      ...(spec.note === undefined ? {} : { note: spec.note }),
      ...(unreadable === undefined ? {} : { unreadable }),
      ...(truncated ? { truncated: true } : {}),
    });
  }
  return {
    workspaceId: ws.id,
    name: ws.name,
    kind: ws.kind ?? "Default",
    location: ws.location ?? "",
    groups,
    total: groups.reduce((sum, g) => sum + g.count, 0),
    unreadableKinds: groups.filter((g) => g.unreadable !== undefined).map((g) => g.kind),
  };
}

/** Per kind: how many of the old workspace's items the replacement already holds (by name), and which remain. */
export interface MlProgressRow {
  readonly kind: MlInventoryKind;
  readonly label: string;
  readonly inOld: number;
  readonly inNew: number;
  /** Items of the old workspace with no item of the same name (role: same principal and role) in the new one. */
  readonly remaining: readonly string[];
  readonly unreadable?: string;
}

function matchKey(kind: MlInventoryKind, item: MlInventoryItem): string {
  if (kind === "roleAssignments") return (item.detail ?? item.name).toLowerCase();
  return item.name.toLowerCase();
}

/**
 * Compares the old workspace's inventory with its replacement's. Private endpoints cannot be matched
 * by name (the new ones are new resources), so they count as moved once the new workspace has as
 * many. Pure.
 */
export function mlProgress(old: MlWorkspaceInventory, replacement: MlWorkspaceInventory): MlProgressRow[] {
  return old.groups.map((g) => {
    const other = replacement.groups.find((r) => r.kind === g.kind);
    const toMove = g.items.filter((i) => i.automatic !== true);
    const inNew = other?.items.filter((i) => i.automatic !== true) ?? [];
    let remaining: string[];
    if (g.kind === "privateEndpoints") {
      remaining = toMove.slice(inNew.length).map((i) => i.name);
    } else {
      const have = new Set(inNew.map((i) => matchKey(g.kind, i)));
      remaining = toMove.filter((i) => !have.has(matchKey(g.kind, i))).map((i) => i.name);
    }
    const unreadable = g.unreadable ?? other?.unreadable;
    return {
      kind: g.kind,
      label: g.label,
      inOld: g.count,
      inNew: inNew.length,
      remaining,
      ...(unreadable === undefined ? {} : { unreadable }),
    };
  });
}
