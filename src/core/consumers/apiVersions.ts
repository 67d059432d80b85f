import { moduleFor } from "./registry.js";

/**
 * ARM api-versions of the types the service reads without judging them itself (a disk's virtual
 * machine). The judged types carry theirs in their module. Reads go through the generic resources
 * client so every rule sees ARM JSON exactly as GET returns it; these versions decide its shape.
 */
const otherApiVersions: Readonly<Record<string, string>> = {
  "microsoft.compute/virtualmachines": "2024-07-01",
  // Managed HSM pools: read for soft delete, purge protection and firewall (azure-rest-api-specs
  // keyvault resource-manager stable/2024-11-01 managedHsm.json, ManagedHsms_Get).
  "microsoft.keyvault/managedhsms": "2024-11-01",
};

/** The api-version for a resource type (case-insensitive), or undefined when the service does not read it. */
export function apiVersionFor(resourceType: string): string | undefined {
  return moduleFor(resourceType)?.apiVersion ?? otherApiVersions[resourceType.toLowerCase()];
}
