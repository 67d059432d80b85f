import { z } from "zod";
import { armChoice } from "../arm/armChoice.js";
import type { VaultNetworkAcls } from "./keyFacts.js";

/** `properties.networkAcls` of a vault (`NetworkRuleSet`) or a Managed HSM pool (`MHSMNetworkRuleSet`). */
export const networkAclsSchema = z
  .looseObject({ defaultAction: z.string().nullish(), bypass: z.string().nullish() })
  .nullish();

/**
 * The firewall facts of a vault or Managed HSM pool, with the defaults both contracts give for an
 * absent field: `bypass` "If not specified the default is 'AzureServices'", `defaultAction` `Allow`.
 * Undefined when the resource has no rule set. `id` names the resource in an `ArmFactsInvalid`.
 */
export function networkAclsFromArm(
  acls: z.infer<typeof networkAclsSchema>,
  id: string,
): VaultNetworkAcls | undefined {
  if (acls === null || acls === undefined) return undefined;
  return {
    defaultAction: armChoice(
      acls.defaultAction,
      ["Allow", "Deny"],
      "Allow",
      "properties.networkAcls.defaultAction",
      id,
    ),
    bypass: armChoice(
      acls.bypass,
      ["AzureServices", "None"],
      "AzureServices",
      "properties.networkAcls.bypass",
      id,
    ),
  };
}
