import type { ArmResourceJson } from "../arm/armResource.js";
import { consumerRuleFor } from "../consumers/registry.js";
import type { DetectionSettings } from "../findings/detectionSettings.js";
import type { RuleContext } from "../findings/ruleContext.js";
import { keyStoreStateOf } from "../keyStores/keyStoreState.js";
import { keyStoreReads, type PageFacts } from "./pageFacts.js";

/**
 * The rules' context for one resource from the facts read for it ({@link PageFacts}): the key store
 * of its key as `keyStoreStateOf` judges it (with the vault and version in use when present), a
 * Project's Hub, a vault's use as a CMK vault. Pure; the sweep and the worker build it the same way,
 * so an event and the sweep judge a resource alike.
 */
export function ruleContextFromFacts(
  resource: ArmResourceJson,
  facts: PageFacts,
  settings: DetectionSettings,
  now: Date,
): RuleContext {
  const key = consumerRuleFor(resource.type)?.currentKey(resource);
  const keyStore = key === undefined ? undefined : keyStoreStateOf(key, keyStoreReads(resource, key, facts));
  const hubId =
    resource.kind?.toLowerCase() === "project" && typeof resource.properties?.hubResourceId === "string"
      ? resource.properties.hubResourceId
      : undefined;
  const isVault = resource.type.toLowerCase() === "microsoft.keyvault/vaults";
  const vaultUri =
    isVault && typeof resource.properties?.vaultUri === "string" ? resource.properties.vaultUri : undefined;
  return {
    settings,
    now,
    ...(keyStore === undefined ? {} : { keyStore }),
    vault: keyStore?.kind === "present" || keyStore?.kind === "key-deleted" ? keyStore.vault : undefined,
    currentKey: keyStore?.kind === "present" ? keyStore.currentKey : undefined,
    hub: hubId === undefined ? undefined : facts.hub(hubId),
    holdsCmkKeys: isVault ? (vaultUri === undefined ? false : facts.vaultUse(vaultUri)) : undefined,
  };
}
