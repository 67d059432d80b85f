import type { KeyVersionFacts, VaultFacts } from "../keyStores/keyFacts.js";
import type { KeyStoreState } from "../keyStores/keyStoreState.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { DetectionSettings } from "./detectionSettings.js";
import type { MlRecreationKit } from "../consumers/mlWorkspace/recreation/mlRecreationKit.js";

/**
 * What a rule needs besides the resource itself. The caller reads everything beforehand, so the
 * rules stay pure; a missing optional input makes the rule say what it could not check.
 */
export interface RuleContext {
  readonly settings: DetectionSettings;
  /** The vault holding the resource's customer-managed key, when it has one. */
  readonly vault?: VaultFacts | undefined;
  /** The key version the resource is encrypted with now (or the newest, for a versionless reference). */
  readonly currentKey?: KeyVersionFacts | undefined;
  /**
   * What the reads say about the key store of the resource's key: present (then `vault` and
   * `currentKey` hold its facts), deleted key or vault, or unreadable. Absent when the caller did
   * not judge it; the checks then rely on `vault` alone.
   */
  readonly keyStore?: KeyStoreState | undefined;
  /** For a Machine Learning Project: its Hub, read from `properties.hubResourceId`. */
  readonly hub?: ArmResourceJson | undefined;
  /**
   * For a Key Vault: true when the vault holds a key some resource is encrypted with. Vaults that
   * hold none are out of scope.
   */
  readonly holdsCmkKeys?: boolean | undefined;
  /**
   * For a Machine Learning workspace or hub without a customer-managed key (worker only): its
   * re-creation kit (what it holds, its replacement if one is tagged, the key a replacement can use,
   * the template). Without it the ticket carries the generic steps only.
   */
  readonly mlRecreation?: MlRecreationKit | undefined;
  readonly now: Date;
}
