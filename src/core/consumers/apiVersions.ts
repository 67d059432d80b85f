/**
 * ARM api-versions the service reads and writes with, per resource type (lower-case keys). Reads go
 * through the generic resources client so every rule sees ARM JSON exactly as GET returns it; these
 * versions decide that JSON's shape.
 */
export const apiVersions = {
  "microsoft.cognitiveservices/accounts": "2025-06-01",
  "microsoft.compute/diskencryptionsets": "2024-03-02",
  "microsoft.compute/disks": "2024-03-02",
  "microsoft.compute/virtualmachines": "2024-07-01",
  "microsoft.machinelearningservices/workspaces": "2024-10-01",
  "microsoft.keyvault/vaults": "2023-07-01",
} as const satisfies Record<string, string>;

/** A resource type the service reads. */
export type KnownResourceType = keyof typeof apiVersions;

/** The api-version for a resource type, or undefined when the service does not handle it. */
export function apiVersionFor(resourceType: string): string | undefined {
  const key = resourceType.toLowerCase();
  return key in apiVersions ? apiVersions[key as KnownResourceType] : undefined;
}
