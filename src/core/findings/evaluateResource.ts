import type { ArmResourceJson } from "../arm/armResource.js";
import { exclusionOf } from "./exclusions.js";
import { evaluateAiServicesAccount } from "../consumers/aiServicesAccount/aiServicesAccountFindings.js";
import { evaluateDisk } from "../consumers/managedDisk/diskFindings.js";
import { evaluateDiskEncryptionSet } from "../consumers/diskEncryptionSet/diskEncryptionSetFindings.js";
import { evaluationOf, type Evaluation } from "./finding.js";
import { evaluateKeyVault } from "../consumers/keyVault/keyVaultFindings.js";
import { evaluateMlWorkspace } from "../consumers/mlWorkspace/mlWorkspaceFindings.js";
import type { RuleContext } from "./ruleContext.js";

type Rule = (resource: ArmResourceJson, context: RuleContext) => Evaluation;

/** The detection rule of each resource type, by lower-case ARM type. */
const rules: ReadonlyMap<string, Rule> = new Map<string, Rule>([
  ["microsoft.machinelearningservices/workspaces", evaluateMlWorkspace],
  ["microsoft.cognitiveservices/accounts", evaluateAiServicesAccount],
  ["microsoft.compute/disks", evaluateDisk],
  ["microsoft.compute/diskencryptionsets", evaluateDiskEncryptionSet],
  ["microsoft.keyvault/vaults", evaluateKeyVault],
]);

/** True when a detection rule exists for the type (case-insensitive). */
export function hasDetectionRule(resourceType: string): boolean {
  return rules.has(resourceType.toLowerCase());
}

/**
 * Judges one resource: exclusions first (an excluded resource is compliant, with no findings and
 * the reason), then the rule of its type (case-insensitive); a type without a rule is compliant
 * with a note. Pure: everything the rule needs comes in `context`.
 */
export function evaluateResource(resource: ArmResourceJson, context: RuleContext): Evaluation {
  const excluded = exclusionOf(resource, context.settings);
  if (excluded !== undefined) {
    return { ...evaluationOf(resource, { notes: [excluded.reason] }), excluded: { reason: excluded.reason } };
  }
  const rule = rules.get(resource.type.toLowerCase());
  if (rule === undefined)
    return evaluationOf(resource, { notes: [`no detection rule for resource type ${resource.type}`] });
  return rule(resource, context);
}
