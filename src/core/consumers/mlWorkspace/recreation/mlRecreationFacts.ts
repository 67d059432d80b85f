import type { ArmResourceJson } from "../../../arm/armResource.js";
import type { KeyVersionFacts, VaultFacts } from "../../../keyStores/keyFacts.js";

/**
 * What ARM answered for one list the inventory reads: its items (every page), or why it could not
 * be read. A list the service may not read (403) is reported in the inventory, never guessed.
 */
export type ChildList =
  | { readonly status: "ok"; readonly items: readonly ArmResourceJson[]; readonly truncated?: boolean }
  | { readonly status: "denied"; readonly message: string }
  | { readonly status: "notFound" };

/** One role assignment as `{scope}/providers/Microsoft.Authorization/roleAssignments` lists it. */
export interface RoleAssignmentRow {
  readonly id: string;
  readonly scope: string;
  readonly principalId: string;
  readonly principalType?: string | undefined;
  readonly roleDefinitionId: string;
}

/** Everything read about one workspace (or one project of a hub) for its inventory. */
export interface MlWorkspaceReading {
  readonly workspace: ArmResourceJson;
  /** By child collection path relative to the workspace (`computes`, `onlineEndpoints/{e}/deployments`...). */
  readonly children: Readonly<Record<string, ChildList>>;
  readonly roleAssignments:
    | { readonly status: "ok"; readonly items: readonly RoleAssignmentRow[] }
    | { readonly status: "denied"; readonly message: string };
}

/** One key the service considered for the new workspace, with the facts the preflight needs. */
export type KeyCandidate =
  | { readonly readable: true; readonly vault: VaultFacts; readonly key: KeyVersionFacts }
  /** A vault or key the service could not read: shown, never chosen. */
  | {
      readonly readable: false;
      readonly vaultId: string;
      readonly keyName?: string;
      readonly reason: string;
    };

/**
 * Everything the re-creation kit is made from, read through ARM and Key Vault by the caller (the
 * CLI or the worker). The kit itself ({@link buildMlRecreationKit}) is a pure function of it.
 */
export interface MlRecreationFacts {
  readonly old: MlWorkspaceReading;
  /** For a hub: each of its projects, read the same way. */
  readonly projects: readonly MlWorkspaceReading[];
  /** Projects named by the hub that could not be read (id and why). */
  readonly unreadableProjects: readonly { readonly id: string; readonly reason: string }[];
  /** Workspaces tagged `cmk-remediation-replaces=<old id>`, as Resource Graph returns them. */
  readonly replacements: readonly ArmResourceJson[];
  /** The first replacement, read like the old workspace, to tell what has moved already. */
  readonly replacementReading?: MlWorkspaceReading | undefined;
  /**
   * Keys of vaults in the workspace's subscription and region, newest enabled version each.
   * Undefined when the service did not look (a replacement is already linked).
   */
  readonly keyCandidates?: readonly KeyCandidate[] | undefined;
  /** A key expiring within this many days is refused (the service's setting). */
  readonly expiryMarginDays: number;
}

/** The tag a replacement workspace carries, its value the old workspace's ARM id. */
export const REPLACES_TAG = "cmk-remediation-replaces";
