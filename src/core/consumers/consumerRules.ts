import { aiServicesAccountRule } from "./aiServicesAccount/aiServicesAccount.js";
import type { ConsumerRule } from "./consumerRule.js";
import { diskEncryptionSetRule } from "./diskEncryptionSet/diskEncryptionSet.js";
import { mlWorkspaceRule } from "./mlWorkspace/mlWorkspace.js";

/** Every consumer type the rotation engine handles, by lower-case ARM type. */
export const consumerRules: ReadonlyMap<string, ConsumerRule> = new Map(
  [aiServicesAccountRule, diskEncryptionSetRule, mlWorkspaceRule].map((rule) => [
    rule.resourceType.toLowerCase(),
    rule,
  ]),
);

/** The rule for a resource type, or undefined when the type is not a key consumer. */
export function consumerRuleFor(resourceType: string): ConsumerRule | undefined {
  return consumerRules.get(resourceType.toLowerCase());
}
