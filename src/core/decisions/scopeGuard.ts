import { tryParseResourceId } from "../ids/resourceId.js";

/**
 * The configured scope with its management groups resolved to subscriptions: what every decision
 * "may the service act on this?" is made over. Build it with `createScopeResolver`
 * (src/adapters/azure/managementGroupSubscriptions.ts), which caches the resolution.
 */
export interface ResolvedScope {
  /** `CMKR_SCOPE_SUBSCRIPTIONS`. */
  readonly subscriptions: readonly string[];
  /**
   * The subscriptions under `CMKR_SCOPE_MANAGEMENT_GROUPS`; undefined when no management group is
   * configured. An empty list means the groups were configured but hold no subscription the service
   * can see, so they allow nothing.
   */
  readonly managementGroupSubscriptions?: readonly string[] | undefined;
}

/** Resolves the current scope; cached by the adapter, so cheap to call per request or event. */
export type ScopeResolver = () => Promise<ResolvedScope>;

/** Why a target is outside the scope. */
export type ScopeRefusalCode = "OutOfScope" | "InvalidResourceId";

/** The answer for one resource id. */
export type ScopeVerdict =
  | { readonly inScope: true; readonly subscriptionId: string }
  | { readonly inScope: false; readonly code: ScopeRefusalCode; readonly reason: string };

/**
 * Lower-cases ASCII letters only. Subscription ids are GUIDs; locale- or Unicode-aware folding
 * could make a non-ASCII character equal an ASCII one, which a scope check must never allow.
 */
function asciiLower(value: string): string {
  return value.replace(/[A-Z]/g, (c) => c.toLowerCase());
}

/** True when neither subscriptions nor management groups are configured: every subscription is in scope. */
export function isUnrestricted(scope: ResolvedScope): boolean {
  return scope.subscriptions.length === 0 && scope.managementGroupSubscriptions === undefined;
}

/**
 * Whether the service may act in a subscription: always when no scope is configured, otherwise when
 * the subscription is one of `subscriptions` or of `managementGroupSubscriptions` (compared
 * case-insensitively, ASCII only).
 */
export function inScope(subscriptionId: string, scope: ResolvedScope): boolean {
  if (isUnrestricted(scope)) return true;
  const wanted = asciiLower(subscriptionId.trim());
  if (wanted === "") return false;
  const matches = (s: string): boolean => asciiLower(s.trim()) === wanted;
  return scope.subscriptions.some(matches) || (scope.managementGroupSubscriptions ?? []).some(matches);
}

/**
 * Whether the service may act on a resource: its id must be a valid ARM id (the parser refuses
 * dot segments, backslashes and other text that a URL would resolve to another path) and its
 * subscription must be {@link inScope}. The subscription is the id's first segment, the one ARM
 * routes the request to, never a subscription named elsewhere (such as an event's `data`).
 */
export function resourceScopeVerdict(resourceId: string, scope: ResolvedScope): ScopeVerdict {
  const parsed = tryParseResourceId(resourceId);
  if (parsed === undefined) {
    return { inScope: false, code: "InvalidResourceId", reason: "not a valid ARM resource id" };
  }
  if (!inScope(parsed.subscriptionId, scope)) {
    return {
      inScope: false,
      code: "OutOfScope",
      reason: `subscription ${parsed.subscriptionId} is outside the configured scope (${scopeSettingsText(scope)})`,
    };
  }
  return { inScope: true, subscriptionId: parsed.subscriptionId };
}

/** Names the settings that define a restricted scope, for messages. */
export function scopeSettingsText(scope: ResolvedScope): string {
  const names = [
    ...(scope.subscriptions.length > 0 ? ["CMKR_SCOPE_SUBSCRIPTIONS"] : []),
    ...(scope.managementGroupSubscriptions === undefined ? [] : ["CMKR_SCOPE_MANAGEMENT_GROUPS"]),
  ];
  return names.length === 0 ? "no scope configured" : names.join(" and ");
}
