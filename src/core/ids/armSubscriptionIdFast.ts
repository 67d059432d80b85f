import { armSubscriptionId } from "./armResourceId.js";

/**
 * {@link armSubscriptionId} of an id known to hold no whitespace, without a regular expression for
 * the usual spelling (`/subscriptions/` in lower case): the id is one when a non-empty segment
 * follows `/subscriptions/` and no segment is empty. Other spellings go to
 * {@link armSubscriptionId}, so the answer is always the same as its answer.
 */
export function armSubscriptionIdFast(resourceIdWithoutWhitespace: string): string | undefined {
  const id = resourceIdWithoutWhitespace;
  if (!id.startsWith("/subscriptions/")) return armSubscriptionId(id);
  if (id.includes("//")) return undefined;
  const end = id.indexOf("/", 15);
  if (end === 15 || id.length === 15) return undefined;
  return end < 0 ? id.slice(15) : id.slice(15, end);
}
