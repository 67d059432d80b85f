import { ArmFactsError } from "./armFactsError.js";

/**
 * One of `allowed`, matched case-insensitively (ARM answers enum values in either case) and
 * returned in the spelling given; `fallback` when ARM sent none. Anything else is an
 * `ArmFactsInvalid` naming the field and the resource.
 */
export function armChoice<T extends string>(
  value: string | null | undefined,
  allowed: readonly T[],
  fallback: T,
  field: string,
  id: string,
): T {
  if (value === null || value === undefined || value === "") return fallback;
  const match = allowed.find((a) => a.toLowerCase() === value.toLowerCase());
  if (match === undefined) {
    throw new ArmFactsError("ArmFactsInvalid", field, `expected one of ${allowed.join(", ")}`, id);
  }
  return match;
}
