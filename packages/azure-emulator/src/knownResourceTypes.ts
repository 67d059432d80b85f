/**
 * Resource types the emulator models (validation, long-running writes, Resource Graph, role
 * assignments) or that tenants commonly hold beside them. Any other `Namespace/type` is served as a
 * plain ARM resource; one a typo away from these is refused by the tenant file's validation.
 */
export const knownResourceTypes: readonly string[] = [
  "Microsoft.Authorization/roleAssignments",
  "Microsoft.Authorization/roleDefinitions",
  "Microsoft.CognitiveServices/accounts",
  "Microsoft.CognitiveServices/accounts/deployments",
  "Microsoft.CognitiveServices/accounts/projects",
  "Microsoft.Compute/diskEncryptionSets",
  "Microsoft.Compute/disks",
  "Microsoft.Compute/snapshots",
  "Microsoft.Compute/virtualMachines",
  "Microsoft.KeyVault/managedHSMs",
  "Microsoft.KeyVault/vaults",
  "Microsoft.MachineLearningServices/workspaces",
  "Microsoft.ManagedIdentity/userAssignedIdentities",
  "Microsoft.Network/virtualNetworks",
  "Microsoft.Network/virtualNetworks/subnets",
  "Microsoft.Resources/resourceGroups",
  "Microsoft.Storage/storageAccounts",
];

/** Optimal string alignment distance (edits, swaps of neighbours counting one), case-insensitive. */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) =>
    Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const row = d[i] ?? [];
      const prev = d[i - 1] ?? [];
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let best = Math.min((prev[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (prev[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) {
        best = Math.min(best, (d[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row[j] = best;
    }
  }
  return d[s.length]?.[t.length] ?? Math.max(s.length, t.length);
}

/**
 * The known type `type` is probably a misspelling of (at most two edits away, and not itself
 * known), or undefined. A misspelt type would otherwise load fine and the resource would never
 * be found by the queries for the real type: it would silently drop out of every run.
 */
export function likelyMeantType(type: string): string | undefined {
  if (knownResourceTypes.some((k) => k.toLowerCase() === type.toLowerCase())) return undefined;
  let best: { type: string; distance: number } | undefined;
  for (const known of knownResourceTypes) {
    const d = distance(type, known);
    if (d <= 2 && (best === undefined || d < best.distance)) best = { type: known, distance: d };
  }
  return best?.type;
}

/**
 * The type an ARM resource id names: after its last `/providers/`, the namespace and every other
 * segment (`Microsoft.Compute/diskEncryptionSets/des1` is `Microsoft.Compute/diskEncryptionSets`);
 * undefined for an id without a provider (a subscription, a resource group).
 */
export function typeOfResourceId(id: string): string | undefined {
  const at = id.toLowerCase().lastIndexOf("/providers/");
  if (at < 0) return undefined;
  const segments = id
    .slice(at + "/providers/".length)
    .split("/")
    .filter((s) => s !== "");
  const [namespace, ...rest] = segments;
  if (namespace === undefined || rest.length < 2) return undefined;
  const types = rest.filter((_, i) => i % 2 === 0);
  return [namespace, ...types].join("/");
}
