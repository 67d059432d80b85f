import type { TenantSubscription } from "../tenantFile.js";

/**
 * The subscriptions (lower-case ids) a query reads:
 * - `subscriptions` named: those that exist in the tenant;
 * - `managementGroups` named: subscriptions whose `managementGroupId` is one of them; the tenant id
 *   names the tenant root group (every subscription); when no subscription of the tenant records a
 *   management group, every subscription is in every group;
 * - neither: every subscription of the tenant (the caller can read them all).
 */
export function scopeSubscriptions(
  tenantId: string,
  all: readonly TenantSubscription[],
  subscriptions: readonly string[],
  managementGroups: readonly string[],
): Set<string> {
  const ids = (list: readonly TenantSubscription[]): Set<string> =>
    new Set(list.map((s) => s.subscriptionId.toLowerCase()));
  if (subscriptions.length > 0) {
    const named = new Set(subscriptions.map((s) => s.toLowerCase()));
    return ids(all.filter((s) => named.has(s.subscriptionId.toLowerCase())));
  }
  if (managementGroups.length === 0) return ids(all);
  const groups = new Set(managementGroups.map((g) => g.toLowerCase()));
  if (groups.has(tenantId.toLowerCase()) || all.every((s) => s.managementGroupId === undefined))
    return ids(all);
  return ids(
    all.filter((s) => s.managementGroupId !== undefined && groups.has(s.managementGroupId.toLowerCase())),
  );
}
