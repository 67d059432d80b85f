import { createHmac, timingSafeEqual } from "node:crypto";

/** `sha256=<hex>` of HMAC-SHA256 over `${timestamp}.${body}`: the timestamp is signed so a captured request cannot be replayed later. */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

/**
 * Verifies `X-CMKR-Signature` for a body and its `X-CMKR-Timestamp` (epoch seconds), in constant
 * time, refusing timestamps further than `toleranceSeconds` from `now`.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string,
  body: string,
  header: string,
  options: { toleranceSeconds?: number; now?: number } = {},
): boolean {
  const sent = Number(timestamp);
  const now = (options.now ?? Date.now()) / 1000;
  if (!Number.isFinite(sent) || Math.abs(now - sent) > (options.toleranceSeconds ?? 300)) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body));
  const actual = Buffer.from(header);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
