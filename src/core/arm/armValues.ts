import { field, stringField, type ArmResourceJson } from "./armResource.js";

/**
 * A boolean ARM flag. Resource Graph and Azure Resource Notifications send some booleans as 1/0 or
 * as strings, so those forms count too; anything else is false.
 */
export function flag(value: unknown): boolean {
  if (value === true || value === 1) return true;
  return typeof value === "string" && ["true", "1"].includes(value.trim().toLowerCase());
}

/**
 * True when the resource has a system-assigned identity with a principal id (an identity being
 * created has none yet, and nothing can be granted to it until it has).
 */
export function hasSystemAssignedIdentity(resource: ArmResourceJson): boolean {
  const principalId = stringField(resource, "identity", "principalId");
  if (principalId === undefined || principalId.trim() === "") return false;
  const type = field(resource, "identity", "type");
  // A principal id without a type is only ever the system-assigned identity's.
  if (typeof type !== "string" || type.trim() === "") return true;
  return type
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .includes("systemassigned");
}

/** Equal ignoring case and surrounding whitespace, as ARM compares names and enum values. */
export function sameText(a: string | null | undefined, b: string): boolean {
  return a?.trim().toLowerCase() === b.toLowerCase();
}
