import type { ResolvedScope, ScopeResolver } from "../../core/decisions/scopeGuard.js";
import type { AzureClients } from "./azureClients.js";
import { listManagementGroupSubscriptions } from "./resourceGraphPages.js";

/** How {@link createScopeResolver} caches. */
export interface ScopeResolverOptions {
  /** How long a resolution of the management groups is reused; default 5 minutes. */
  ttlMs?: number;
  /** Milliseconds since the epoch; default the clock. */
  now?: () => number;
}

/**
 * The service's scope resolver: `CMKR_SCOPE_SUBSCRIPTIONS` as configured, and the subscriptions
 * under `CMKR_SCOPE_MANAGEMENT_GROUPS` read through Resource Graph and reused for `ttlMs`, so a
 * subscription moved into a group is in scope within minutes without a query per event. A failed
 * lookup is not cached and fails the caller (no management-group scope is ever assumed open).
 */
export function createScopeResolver(
  clients: AzureClients,
  configured: { subscriptions: readonly string[]; managementGroups: readonly string[] },
  options: ScopeResolverOptions = {},
): ScopeResolver {
  const ttlMs = options.ttlMs ?? 5 * 60 * 1000;
  const now = options.now ?? Date.now;
  const subscriptions = [...configured.subscriptions];
  if (configured.managementGroups.length === 0) {
    const fixed: ResolvedScope = { subscriptions };
    return () => Promise.resolve(fixed);
  }
  let cached: { at: number; scope: Promise<ResolvedScope> } | undefined;
  return () => {
    const at = now();
    if (cached === undefined || at - cached.at >= ttlMs) {
      const scope = listManagementGroupSubscriptions(clients, configured.managementGroups).then(
        (managementGroupSubscriptions): ResolvedScope => ({ subscriptions, managementGroupSubscriptions }),
      );
      const entry = { at, scope };
      cached = entry;
      scope.catch(() => {
        if (cached === entry) cached = undefined;
      });
    }
    return cached.scope;
  };
}
