import { createHmac, timingSafeEqual } from "node:crypto";

/** Header with the signature: `sha256=<hex HMAC-SHA256>`. */
export const signatureHeader = "x-cmkr-signature";
/** Header with the time of sending, in whole seconds since the Unix epoch. */
export const timestampHeader = "x-cmkr-timestamp";

function hmac(secret: string, timestamp: string, body: string | Uint8Array): Buffer {
  return createHmac("sha256", secret)
    .update(`${timestamp}.`)
    .update(typeof body === "string" ? Buffer.from(body, "utf8") : body)
    .digest();
}

/**
 * The `X-CMKR-Signature` value for a body sent at `timestamp`: `sha256=` and the hex HMAC-SHA256,
 * keyed with the shared secret, of `${timestamp}.${body}` (the exact body bytes). The timestamp is
 * part of the signed material so a captured request cannot be replayed later with a new time.
 */
export function signWebhook(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `sha256=${hmac(secret, timestamp, body).toString("hex")}`;
}

/** How a receiver checks signatures. */
export interface VerifyWebhookOptions {
  /** How far the timestamp may be from now, either way; default 300 s. */
  toleranceSeconds?: number;
  /** Now, in milliseconds since the epoch; default the clock. */
  now?: number;
}

/**
 * Checks `X-CMKR-Signature` against the exact body bytes and `X-CMKR-Timestamp`: true only when
 * the signature matches (compared in constant time) and the timestamp is within the tolerance.
 */
export function verifyWebhookSignature(
  secret: string,
  timestamp: string | undefined,
  body: string | Uint8Array,
  header: string | undefined,
  options: VerifyWebhookOptions = {},
): boolean {
  if (timestamp === undefined || header === undefined || !/^\d{1,12}$/.test(timestamp)) return false;
  const nowSeconds = (options.now ?? Date.now()) / 1000;
  if (Math.abs(nowSeconds - Number(timestamp)) > (options.toleranceSeconds ?? 300)) return false;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  if (match?.[1] === undefined) return false;
  return timingSafeEqual(Buffer.from(match[1], "hex"), hmac(secret, timestamp, body));
}
