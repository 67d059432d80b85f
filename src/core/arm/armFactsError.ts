import type { z } from "zod";

/** Stable codes of {@link ArmFactsError}. */
export type ArmFactsErrorCode = "ArmFactsInvalid" | "ArmFactsUnsupportedType";

/**
 * An ARM resource body that cannot be turned into facts: a required field is missing or has the
 * wrong shape, or the resource type is not one the service handles. `field` is the dotted path
 * inside the resource body, e.g. `properties.activeKey.keyUrl`.
 */
export class ArmFactsError extends Error {
  constructor(
    readonly code: ArmFactsErrorCode,
    readonly field: string,
    readonly problem: string,
    readonly resourceId?: string,
  ) {
    super(`${resourceId ?? "resource"}: ${field}: ${problem}`);
    this.name = "ArmFactsError";
  }
}

/** Renders a zod issue path as the dotted path ARM users know: `properties.accessPolicies[0].objectId`. */
function dottedPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else out += out === "" ? String(segment) : `.${String(segment)}`;
  }
  return out === "" ? "(body)" : out;
}

/** Validates an ARM body against `schema`, turning the first problem into an {@link ArmFactsError}. */
export function parseArmBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const id =
    typeof body === "object" && body !== null && typeof (body as { id?: unknown }).id === "string"
      ? (body as { id: string }).id
      : undefined;
  throw new ArmFactsError("ArmFactsInvalid", dottedPath(issue?.path ?? []), issue?.message ?? "invalid", id);
}
