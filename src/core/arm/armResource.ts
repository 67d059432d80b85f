/**
 * An ARM resource as GET (or Resource Graph) returns it. Rules read only what they need and treat
 * every nested field as untrusted input.
 */
export interface ArmResourceJson {
  id: string;
  name: string;
  type: string;
  // `null` where ARM, the CLI's `resource show` or Resource Graph write one for a resource that has none.
  location?: string | null;
  kind?: string | null;
  managedBy?: string | null;
  tags?: Record<string, string> | null;
  identity?: {
    type?: string;
    principalId?: string;
    tenantId?: string;
    userAssignedIdentities?: Record<string, { principalId?: string; clientId?: string } | undefined>;
  } | null;
  properties?: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Reads a nested field of JSON without trusting its shape. */
export function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A nested string field, or undefined when absent or not a string. */
export function stringField(value: unknown, ...path: string[]): string | undefined {
  const v = field(value, ...path);
  return typeof v === "string" ? v : undefined;
}

/** A resource whose top-level optional members are absent rather than `null`. */
export type PresentArmResource = ArmResourceJson & {
  location?: string;
  kind?: string;
  managedBy?: string;
  tags?: Record<string, string>;
  identity?: NonNullable<ArmResourceJson["identity"]>;
};

const nullableMembers = ["location", "kind", "managedBy", "tags", "identity"] as const;

/**
 * The resource with `location`, `kind`, `managedBy`, `tags` and `identity` left out where they are
 * `null`, as the CLI's `resource show`, the generic resources API and Resource Graph write them for a
 * resource that has none; rules then only have to know "absent".
 */
export function withoutNullMembers(resource: ArmResourceJson): PresentArmResource {
  if (!nullableMembers.some((m) => resource[m] === null)) return resource as PresentArmResource;
  return Object.fromEntries(
    Object.entries(resource).filter(
      ([key, value]) => value !== null || !(nullableMembers as readonly string[]).includes(key),
    ),
  ) as PresentArmResource;
}
