import type { ArmResource } from "@cmkr/azure-emulator";
import { keyProblems, keyUse, type ChaosWorld, type JudgeClock } from "./chaosWriteProof.js";

/*
 * The chaos runner's own reading of whether a ticket's finding still stands on a resource, written
 * from the finding's meaning (src/core/findings/finding.ts) without the service's rules: a ticket the
 * service closes while its resource exists and this says the finding stands is a violation.
 */

function field(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path)
    v = typeof v === "object" && v !== null ? (v as Record<string, unknown>)[p] : undefined;
  return v;
}

/** Why the finding `code` still stands on `resource`, or undefined when it does not (or is not judged here). */
export function findingStands(
  world: ChaosWorld,
  resource: ArmResource,
  code: string,
  clock: JudgeClock,
): string | undefined {
  const use = keyUse(resource);
  const current =
    use === undefined ? [] : keyProblems(world, use.key, use.principalId, { ...clock, expiryMarginDays: 0 });
  switch (code) {
    case "DiskPlatformKey":
    case "DiskAttachedCannotEnforce": {
      const set = field(resource, "properties", "encryption", "diskEncryptionSetId");
      return typeof set === "string" && set !== "" ? undefined : "the disk still uses a platform-managed key";
    }
    case "AiServicesMicrosoftManagedKey":
    case "MlWorkspaceWithoutCmk":
    case "MlProjectHubWithoutCmk":
      return use === undefined ? "the resource still has no customer-managed key" : undefined;
    case "DesAutoRotationOff":
      return field(resource, "properties", "rotationToLatestKeyVersionEnabled") === true
        ? undefined
        : "automatic rotation is still off";
    case "DesAutoRotationError": {
      const error = field(resource, "properties", "autoKeyRotationError");
      return typeof error === "object" && error !== null && Object.keys(error).length > 0
        ? "the set still reports autoKeyRotationError"
        : undefined;
    }
    case "CmkKeyExpired":
    case "CmkKeyDisabled":
    case "CmkKeyDeleted": {
      const word =
        code === "CmkKeyExpired" ? "expired" : code === "CmkKeyDisabled" ? "disabled" : "does not exist";
      const problem = current.find((p) => p.includes(word));
      return problem === undefined ? undefined : `the key in use: ${problem}`;
    }
    case "CmkNextRotationRefused": {
      const problem = current.find((p) => p.includes("lacks") || p.includes("no identity"));
      return problem === undefined ? undefined : `the key in use: ${problem}`;
    }
    default:
      return undefined;
  }
}
