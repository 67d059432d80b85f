import { createHash } from "node:crypto";

/**
 * `$skipToken`s are opaque to callers: the offset of the next row and a hash of the query and its
 * scope, so a token only continues the query that produced it. After a write the next page is
 * recomputed from the current state, as in Azure, where writes between pages can shift rows.
 */
export function querySignature(query: string, subscriptions: ReadonlySet<string>): string {
  return createHash("sha256")
    .update(JSON.stringify([query, [...subscriptions].sort()]))
    .digest("base64url")
    .slice(0, 22);
}

/** A token for the page that starts at `offset`. */
export function encodeSkipToken(signature: string, offset: number): string {
  return Buffer.from(JSON.stringify({ v: 1, q: signature, o: offset }), "utf8").toString("base64url");
}

/** The offset a token continues from, or undefined when it is malformed or belongs to another query. */
export function decodeSkipToken(token: string, signature: string): number | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
    if (typeof value !== "object" || value === null) return undefined;
    const { v, q, o } = value as Record<string, unknown>;
    if (v !== 1 || q !== signature || typeof o !== "number" || !Number.isSafeInteger(o) || o < 0)
      return undefined;
    return o;
  } catch {
    return undefined;
  }
}
