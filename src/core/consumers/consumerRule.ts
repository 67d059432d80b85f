import type { ArmResourceJson } from "../arm/armResource.js";
import type { KeyRef } from "../ids/keyRef.js";
import type { ConsumerType } from "../keyStores/keyFacts.js";

export type { ConsumerType } from "../keyStores/keyFacts.js";

/**
 * What the rotation engine needs to know about one consumer type: which key it uses, whether the
 * platform rotates it by itself, why it cannot be rotated, and the ARM merge patch that moves it.
 * Pure: resource JSON in, data out.
 */
export interface ConsumerRule {
  /** ARM type, canonical casing. */
  readonly resourceType: string;
  readonly consumerType: ConsumerType;
  /** A human name for reports and tickets. */
  readonly displayName: string;
  /** The key the resource is encrypted with now, or undefined when it does not use a customer-managed key. */
  currentKey(resource: ArmResourceJson): KeyRef | undefined;
  /** True when the platform moves it to new versions by itself (DES auto-rotation). */
  autoRotates(resource: ArmResourceJson): boolean;
  /** A reason the resource can never be rotated by the service, or undefined. */
  cannotRotate(resource: ArmResourceJson): { code: string; message: string } | undefined;
  /** The ARM JSON merge patch (wire shape, `properties` nested) that moves it to `target`. */
  rotationPatch(resource: ArmResourceJson, target: KeyRef): Record<string, unknown>;
  /** What happens to this resource type if its key becomes unusable (for urgent tickets). */
  readonly keyLossConsequence: string;
}
