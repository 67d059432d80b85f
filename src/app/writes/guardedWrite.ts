import type { ArmResourceJson } from "../../core/arm/armResource.js";
import {
  PreconditionFailedError,
  type RotationPort,
  type VersionedResource,
} from "../../core/ports/rotationPort.js";
import type { WriteHold } from "../../core/rollout/writeHold.js";
import type { WriteGate } from "./writeGate.js";

/** A write the proof allows, built from the read it was proven on. */
export interface ProvenWrite<T> {
  readonly kind: "write";
  /** ARM merge patch (wire shape) holding only the fields the service owns. */
  readonly patch: Record<string, unknown>;
  /** True when the resource read back after the write shows what was written. */
  verify(after: ArmResourceJson): boolean;
  /** Carried to the outcome (what was decided). */
  readonly decision: T;
}

/** The proof's answer for one fresh read: write, or stop with a result (nothing to do, refused, ...). */
export type WriteStep<T, S> = ProvenWrite<T> | { readonly kind: "stop"; readonly result: S };

/** How a guarded write ended. */
export type GuardedWriteOutcome<T, S> =
  | { readonly kind: "stopped"; readonly result: S }
  | {
      readonly kind: "written";
      readonly decision: T;
      /** The merge patch written: the fields the service owns in this write. */
      readonly patch: Record<string, unknown>;
      readonly before: ArmResourceJson;
      readonly after: ArmResourceJson | undefined;
      /** The resource read back shows the write. */
      readonly verified: boolean;
      /** The write carried `If-Match` with the ETag of the read it was built from. */
      readonly conditional: boolean;
    }
  /** Every attempt found the resource changed between its read and its write. */
  | { readonly kind: "conflict"; readonly attempts: number }
  /** The proof allowed the write, but the kill switch or the write budget held it back: nothing written. */
  | { readonly kind: "held"; readonly decision: T; readonly hold: WriteHold };

/** ARM's terminal success state; a resource without a provisioning state has nothing pending. */
function provisioningSucceeded(resource: ArmResourceJson): boolean {
  const state = resource.properties?.provisioningState;
  return state === undefined || (typeof state === "string" && state.toLowerCase() === "succeeded");
}

/**
 * The one write protocol of every write path: read the resource fresh; decide and prove on that read
 * (`decide` gathers the other facts it needs and runs the pure proof); write only the fields the
 * service owns, with `If-Match` on the ETag of that read; verify on the resource as the write's
 * long-running operation ended (read back only when the operation returned none): the verify holds
 * when the decision's check passes and the resource is `Succeeded`. A write that finds the resource
 * changed since its read (412) is not made: the resource is read and decided again, up to `attempts`
 * times.
 *
 * `initial` is a read the caller already made (with its ETag) and the first attempt decides on it
 * instead of reading again: `If-Match` on its ETag makes the write fail (412) if anything changed
 * since, so the second read would only spend ARM's read bucket (25 reads/s per subscription and
 * principal) to learn what the 412 tells.
 *
 * Before its first write the gate is asked (the kill switch, the write budget): a held write is not
 * made, and the outcome says so. One guarded write counts once, whatever its conditional retries.
 *
 * Where ARM sends no ETag for a type (the DiskRP and Machine Learning specs document none,
 * docs/restrictions.md §8), the write cannot be conditional; the decision is then made on a read taken
 * immediately before it (`initial` is not reused), and the outcome says the write was unconditional.
 */
export async function guardedWrite<T, S>(
  port: Pick<RotationPort, "readVersioned" | "readResource" | "patchResource">,
  resourceId: string,
  decide: (fresh: VersionedResource | undefined) => Promise<WriteStep<T, S>>,
  options: { attempts?: number; initial?: VersionedResource; gate: WriteGate },
): Promise<GuardedWriteOutcome<T, S>> {
  const attempts = options.attempts ?? 3;
  let admitted = false;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const reusable = attempt === 1 && options.initial?.etag !== undefined ? options.initial : undefined;
    const fresh = reusable ?? (await port.readVersioned(resourceId));
    const step = await decide(fresh);
    if (step.kind === "stop") return { kind: "stopped", result: step.result };
    if (fresh === undefined)
      throw new Error(`guardedWrite: a write was decided for ${resourceId}, which was not read`);
    let result: ArmResourceJson | undefined;
    if (!admitted) {
      const hold = await options.gate.admit();
      if (hold !== undefined) return { kind: "held", decision: step.decision, hold };
      admitted = true;
    }
    try {
      result = await port.patchResource(resourceId, step.patch, { ifMatch: fresh.etag });
    } catch (error) {
      if (error instanceof PreconditionFailedError) continue;
      throw error;
    }
    const after = result ?? (await port.readResource(resourceId));
    return {
      kind: "written",
      decision: step.decision,
      patch: step.patch,
      before: fresh.resource,
      after,
      verified: after !== undefined && step.verify(after) && provisioningSucceeded(after),
      conditional: fresh.etag !== undefined,
    };
  }
  return { kind: "conflict", attempts };
}
