import { parseResourceId } from "../ids/resourceId.js";
import { REPLACES_TAG } from "../consumers/mlWorkspace/recreation/mlRecreationFacts.js";

const safeLocation = /^[a-z0-9 ]{1,64}$/i;
const safeGuid = /^[0-9a-f-]{36}$/i;

/** A KQL string literal (single quotes; backslash and quote escaped). */
function kqlString(value: string): string {
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The workspaces tagged as replacements of `oldId` (tag `cmk-remediation-replaces`, compared without
 * case as ARM compares ids), with what the ticket shows of them. The id is parsed first, so only a
 * resource id reaches the query, and quoted as a KQL string.
 */
export function mlReplacementsQuery(oldId: string): string {
  const id = parseResourceId(oldId).id;
  return [
    "resources",
    `| where type =~ 'microsoft.machinelearningservices/workspaces' and tostring(tags[${kqlString(REPLACES_TAG)}]) =~ ${kqlString(id)} and id !~ ${kqlString(id)}`,
    "| project id, name, type, kind, location, subscriptionId, resourceGroup, identity, properties, tags",
    "| order by id asc",
  ].join("\n");
}

/** The Key Vaults of one subscription and region: where a new workspace's key may live. */
export function mlCandidateVaultsQuery(subscriptionId: string, location: string): string {
  if (!safeGuid.test(subscriptionId)) throw new Error(`not a subscription id: ${subscriptionId}`);
  if (!safeLocation.test(location)) throw new Error(`not a region: ${location}`);
  const region = location.toLowerCase().replace(/\s+/g, "");
  return [
    "resources",
    `| where type =~ 'microsoft.keyvault/vaults' and subscriptionId =~ '${subscriptionId}' and location =~ '${region}'`,
    "| project id, name, vaultUri = tostring(properties.vaultUri)",
    "| order by id asc",
  ].join("\n");
}
