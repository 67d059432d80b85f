import type { PreflightReason } from "../preflight/preflightReason.js";
import { whereLines } from "../findings/ticketBody.js";

/** The "where" block every rotation ticket starts with, laid out like the detection tickets. */
export function whereBlock(resourceId: string, resourceType: string): string {
  return whereLines({ id: resourceId, type: resourceType }).join("\n");
}

/** Preflight reasons as a bullet list. */
export function reasonList(reasons: readonly PreflightReason[]): string {
  return reasons.map((r) => `- [${r.severity}] ${r.code}: ${r.message}`).join("\n");
}
