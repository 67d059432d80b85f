import { withoutNullMembers, type ArmResourceJson } from "../arm/armResource.js";
import { moduleFor } from "../consumers/registry.js";
import { exclusionHint } from "./cmkConsumerChecks.js";
import { exclusionOf } from "./exclusions.js";
import { evaluationOf, type Evaluation } from "./finding.js";
import { checkNextRotation } from "./nextRotationCheck.js";
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
  return withNextRotation(resource, module.evaluate(resource, context), context);
}

/**
 * A CMK consumer whose key store is present is also judged on its next rotation: the preflight
 * proof against its current key, vault and access. Failing reasons that hold for any key version
 * add `CmkNextRotationRefused` (the resource is at risk); what cannot be checked makes it
 * undetermined.
 */
function withNextRotation(
  resource: ArmResourceJson,
  evaluation: Evaluation,
  context: RuleContext,
): Evaluation {
  const rule = moduleFor(resource.type)?.consumer;
  const key = rule?.currentKey(resource);
  const store = context.keyStore;
  if (
    rule === undefined ||
    key === undefined ||
    evaluation.cmkKeyId === undefined ||
    evaluation.undetermined !== undefined ||
    store?.kind !== "present"
  )
    return evaluation;
  const verdict = checkNextRotation({
    resource,
    rule,
    key,
    state: store,
    now: context.now,
    exclusionHint: exclusionHint(context.settings),
  });
  switch (verdict.kind) {
    case "ok":
      return evaluation;
    case "refused":
      return {
        ...evaluation,
        compliant: false,
        findings: [...evaluation.findings, verdict.finding],
        notes: [
          ...evaluation.notes,
          `next rotation refused: ${verdict.reasons.map((r) => r.code).join(", ")}`,
        ],
      };
    case "undetermined":
      return {
        ...evaluation,
        compliant: false,
        undetermined: {
          reason: verdict.reason,
          ...(verdict.field === undefined ? {} : { field: verdict.field }),
        },
      };
  }
}
