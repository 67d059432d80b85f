/**
 * An ARM resource as GET (or Resource Graph) returns it. Rules read only what they need and treat
 * every nested field as untrusted input.
 */
export interface ArmResourceJson {
  id: string;
  name: string;
  type: string;
  location?: string;
  kind?: string;
  managedBy?: string;
  tags?: Record<string, string>;
  identity?: {
    type?: string;
    principalId?: string;
    tenantId?: string;
    userAssignedIdentities?: Record<string, { principalId?: string; clientId?: string } | undefined>;
  };
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
