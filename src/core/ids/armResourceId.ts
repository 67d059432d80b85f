const SUBSCRIPTION_SCOPED = /^\/subscriptions\/([^/\s]+)(\/[^\s]*)?$/i;

/**
 * The subscription id of an ARM resource id (`/subscriptions/{id}/...`, matched case-insensitively as ARM
 * does); undefined when the text is not a subscription-scoped ARM id.
 */
export function armSubscriptionId(resourceId: string): string | undefined {
  const match = SUBSCRIPTION_SCOPED.exec(resourceId);
  if (match === null || resourceId.includes("//")) return undefined;
  return match[1];
}
