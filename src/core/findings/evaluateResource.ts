import { withoutNullMembers, type ArmResourceJson } from "../arm/armResource.js";
import { moduleFor } from "../consumers/registry.js";
import { exclusionOf } from "./exclusions.js";
import { evaluationOf, type Evaluation } from "./finding.js";
import type { RuleContext } from "./ruleContext.js";

/** True when a detection rule exists for the type (case-insensitive). */
export function hasDetectionRule(resourceType: string): boolean {
  return moduleFor(resourceType) !== undefined;
}

/**
 * Judges one resource: exclusions first (an excluded resource is compliant, with no findings and
 * the reason), then the rule of its type (case-insensitive); a type without a rule is compliant
 * with a note. Top-level `null` members (`location`, `tags`...) are read as absent. Pure: everything
 * the rule needs comes in `context`.
 */
export function evaluateResource(raw: ArmResourceJson, context: RuleContext): Evaluation {
  const resource = withoutNullMembers(raw);
  const excluded = exclusionOf(resource, context.settings);
  if (excluded !== undefined) {
    return { ...evaluationOf(resource, { notes: [excluded.reason] }), excluded: { reason: excluded.reason } };
  }
  const module = moduleFor(resource.type);
  if (module === undefined)
    return evaluationOf(resource, { notes: [`no detection rule for resource type ${resource.type}`] });
  return module.evaluate(resource, context);
}
