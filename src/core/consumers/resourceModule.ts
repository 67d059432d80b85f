import type { ArmResourceJson } from "../arm/armResource.js";
import type { ContextNeed } from "../findings/contextNeed.js";
import type { Evaluation } from "../findings/finding.js";
import type { RuleContext } from "../findings/ruleContext.js";
import type { ConsumerRule } from "./consumerRule.js";

/**
 * Everything the service knows about one resource type, in one place: its ARM api-version, its
 * detection rule (findings and ticket texts) and, for a key consumer, how it uses its key (key
 * reference, identity, Resource Graph predicate, rotation patch, preflight profile, consequence of
 * key loss). The registry lists them; adding a type is a folder and a registry line.
 */
export interface ResourceModule {
  /** ARM type, canonical casing. */
  readonly resourceType: string;
  /** A human name for reports and tickets. */
  readonly displayName: string;
  /** The api-version the service reads (and writes) this type with; it decides the JSON's shape. */
  readonly apiVersion: string;
  /** The detection rule: findings for one snapshot. Pure. */
  evaluate(resource: ArmResourceJson, context: RuleContext): Evaluation;
  /** Reads the rule needs besides the resource and its key. */
  contextNeeds?(resource: ArmResourceJson): ContextNeed[];
  /**
   * True when the worker reads more about this resource than the sweep sees (its children), so the
   * sweep queues it at every run, not once a day: its ticket then follows what changed there.
   */
  refreshEverySweep?(resource: ArmResourceJson): boolean;
  /** Present when the type is encrypted with a Key Vault key the service moves to new versions. */
  readonly consumer?: ConsumerRule;
}
