import type { PreflightReason } from "../keyvault/preflightReason.js";
import { parseResourceId } from "../azure/resourceId.js";

/** Portal link of a resource, for tickets. */
export function portalLink(resourceId: string): string {
  return `https://portal.azure.com/#resource${resourceId}`;
}

/** The "where" block every ticket starts with. */
export function whereBlock(resourceId: string): string {
  let subscription = "";
  let group = "";
  try {
    const parsed = parseResourceId(resourceId);
    subscription = parsed.subscriptionId;
    group = parsed.resourceGroup ?? "";
  } catch {
    // A malformed id is still printed in full below.
  }
  return [
    `- Resource: \`${resourceId}\``,
    subscription === "" ? undefined : `- Subscription: ${subscription}`,
    group === "" ? undefined : `- Resource group: ${group}`,
    `- Portal: ${portalLink(resourceId)}`,
  ]
    .filter((line): line is string => line !== undefined)
    .join("\n");
}

/** Preflight reasons as a bullet list. */
export function reasonList(reasons: readonly PreflightReason[]): string {
  return reasons.map((r) => `- [${r.severity}] ${r.code}: ${r.message}`).join("\n");
}
