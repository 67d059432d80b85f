import type { ArmResourceJson } from "../arm/armResource.js";
import type { KeyRef } from "../ids/keyId.js";
import type { ConsumerFacts, ConsumerType } from "../keyStores/keyFacts.js";
import type { PreflightProfile } from "../preflight/preflightProfile.js";
import type { KeyChangeInput } from "../writes/keyChangeInput.js";
import type { WriteRestriction } from "../writes/writeRestriction.js";

export type { ConsumerType } from "../keyStores/keyFacts.js";

/**
 * What the rotation engine needs to know about one consumer type: which key it uses and through
 * which identity, whether the platform rotates it by itself, why it cannot be rotated, the ARM merge
 * patch that moves it, how Resource Graph finds it by key, and what the preflight proof requires.
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
  /**
   * The facts the preflight proof reasons over (identity, region, tenant, key reference).
   * @throws `ArmFactsError` naming the field when a field the service relies on is malformed.
   */
  facts(resource: unknown): ConsumerFacts;
  /** True when the platform moves it to new versions by itself (DES auto-rotation). */
  autoRotates(resource: ArmResourceJson): boolean;
  /** A reason the resource can never be rotated by the service, or undefined. */
  cannotRotate(resource: ArmResourceJson): { code: string; message: string } | undefined;
  /** The ARM JSON merge patch (wire shape, `properties` nested) that moves it to `target`. */
  rotationPatch(resource: ArmResourceJson, target: KeyRef): Record<string, unknown>;
  /**
   * A KQL predicate over a Resource Graph `resources` row that is true when the row is of this type
   * and uses `key` (lower-case vault host and key name, already validated as safe): any version,
   * and every spelling ARM writes for it (letter case, `:443`, trailing slash): build it with
   * `keyUriKql`.
   */
  keyPredicate(key: { host: string; name: string }): string;
  /** A KQL predicate true when a row of this type uses any key of the vault on `host` (any spelling). */
  vaultPredicate(host: string): string;
  /**
   * The documented restrictions on changing this resource's key version now, beyond the key's own
   * usability (the preflight): its provisioning state, a rotation still running, offline rules.
   */
  keyChangeProof(input: KeyChangeInput): WriteRestriction[];
  /** True when proving a key change needs the power states of the VMs it would reach. */
  needsVmStates?(resource: ArmResourceJson): boolean;
  /** What the preflight proof requires of a key for this type. */
  readonly preflight: PreflightProfile;
  /** What happens to this resource type if its key becomes unusable (for urgent tickets). */
  readonly keyLossConsequence: string;
}
