import { stringField, type ArmResourceJson } from "../../../arm/armResource.js";
import { sameText } from "../../../arm/armValues.js";
import { chooseMlKey, type KeyChoice } from "./mlKeyChoice.js";
import {
  commandNamesFor,
  mlProgress,
  mlWorkspaceInventory,
  type MlProgressRow,
  type MlWorkspaceInventory,
} from "./mlInventory.js";
import type { MlRecreationFacts } from "./mlRecreationFacts.js";
import { mlRecreationReadme } from "./mlRecreationReadme.js";
import { mlRecreationTemplate, replacementName } from "./mlRecreationTemplate.js";

/** The replacement found by its tag, and how far the move has come. */
export interface MlReplacement {
  readonly id: string;
  readonly name: string;
  readonly encrypted: boolean;
  /** Per kind, against the replacement's own inventory (when it could be read). */
  readonly progress?: readonly MlProgressRow[] | undefined;
}

/** `inventory.json`: what must move, where to, and with which key. */
export interface MlRecreationInventory {
  readonly workspace: {
    readonly id: string;
    readonly name: string;
    readonly kind: string;
    readonly location: string;
  };
  /** The name the template gives the new workspace. */
  readonly newName: string;
  readonly inventory: MlWorkspaceInventory;
  /** For a hub: each project's inventory. */
  readonly projects: readonly MlWorkspaceInventory[];
  readonly unreadableProjects: readonly { readonly id: string; readonly reason: string }[];
  /** The key chosen for the new workspace and every key considered; absent once a replacement exists. */
  readonly key?: KeyChoice | undefined;
  readonly replacements: readonly MlReplacement[];
}

/** The whole kit: `inventory.json`, `template.json` and `README.md`. */
export interface MlRecreationKit {
  readonly inventory: MlRecreationInventory;
  readonly template: Record<string, unknown>;
  readonly readme: string;
}

function encrypted(ws: ArmResourceJson): boolean {
  return sameText(stringField(ws, "properties", "encryption", "status"), "Enabled");
}

/**
 * Makes the re-creation kit of a workspace or hub without customer-managed keys from what was read
 * (see {@link MlRecreationFacts}). Pure: the same facts and time give the same kit, byte for byte.
 */
export function buildMlRecreationKit(facts: MlRecreationFacts, now: Date): MlRecreationKit {
  const old = facts.old.workspace;
  const newName = replacementName(old.name);
  const inventory = mlWorkspaceInventory(facts.old, commandNamesFor(old.id, newName));
  const projects = facts.projects.map((p) =>
    mlWorkspaceInventory(p, commandNamesFor(p.workspace.id, replacementName(p.workspace.name))),
  );
  const key =
    facts.keyCandidates === undefined
      ? undefined
      : chooseMlKey(old, facts.keyCandidates, now, facts.expiryMarginDays);
  const replacements: MlReplacement[] = facts.replacements.map((r) => {
    const reading =
      facts.replacementReading?.workspace.id.toLowerCase() === r.id.toLowerCase()
        ? facts.replacementReading
        : undefined;
    return {
      id: r.id,
      name: r.name,
      encrypted: encrypted(r),
      ...(reading === undefined
        ? {}
        : { progress: mlProgress(inventory, mlWorkspaceInventory(reading, commandNamesFor(r.id, r.name))) }),
    };
  });
  const kitInventory: MlRecreationInventory = {
    workspace: { id: old.id, name: old.name, kind: old.kind ?? "Default", location: old.location ?? "" },
    newName,
    inventory,
    projects,
    unreadableProjects: facts.unreadableProjects,
    ...(key === undefined ? {} : { key }),
    replacements,
  };
  const template = mlRecreationTemplate({
    old,
    projects: facts.projects.map((p) => p.workspace),
    newName,
    key: key?.chosen,
  });
  return { inventory: kitInventory, template, readme: mlRecreationReadme(kitInventory) };
}
