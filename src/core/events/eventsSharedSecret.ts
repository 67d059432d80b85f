import { createHash, timingSafeEqual } from "node:crypto";

/** Header that carries `CMKR_EVENTS_SHARED_SECRET` to `/api/events`. */
export const eventsSecretHeader = "x-cmkr-events-secret";

function digest(value: string): Buffer {
  return createHash("sha256").update(value, "utf8").digest();
}

/**
 * Whether the header value presented with a delivery is the configured shared secret. Both are
 * hashed first, so the comparison is constant-time over equal-length digests and reveals neither
 * the secret's length nor how much of it matched.
 */
export function eventsSecretMatches(expected: string, presented: string | null | undefined): boolean {
  if (presented === null || presented === undefined) return false;
  return timingSafeEqual(digest(expected), digest(presented));
}
