import type { KqlResult } from "./kql/runKql.js";

/** How long, and how many, paged results are kept for their `$skipToken`s. */
export interface ResultCacheLimits {
  /** A result not read for this long is dropped (its next page is recomputed). Default 5 minutes. */
  ttlMs: number;
  /** At most this many results at once; the least recently read goes first. Default 16. */
  maxEntries: number;
}

interface Entry {
  result: KqlResult;
  revision: number;
  lastUsed: number;
}

/**
 * The results of paged queries, so a `$skipToken` continues from the rows computed for the first
 * page instead of running the whole query again for every page (which made reading n rows cost
 * O(n²/pageSize)). A result is reused only while the tenant is unchanged (same state revision):
 * after any write the next page is recomputed, so writes between pages still show, as in Azure.
 */
export class ResourceGraphResultCache {
  private readonly entries = new Map<string, Entry>();
  private readonly limits: ResultCacheLimits;

  constructor(limits: Partial<ResultCacheLimits> = {}) {
    this.limits = { ttlMs: limits.ttlMs ?? 5 * 60_000, maxEntries: limits.maxEntries ?? 16 };
  }

  /** The result cached for this query signature at this state revision, or undefined. */
  get(signature: string, revision: number, now: number): KqlResult | undefined {
    this.expire(now);
    const entry = this.entries.get(signature);
    if (entry?.revision !== revision) return undefined;
    // Re-insert so iteration order is least recently used first.
    this.entries.delete(signature);
    entry.lastUsed = now;
    this.entries.set(signature, entry);
    return entry.result;
  }

  /** Keeps a result whose later pages will be asked for. */
  set(signature: string, revision: number, result: KqlResult, now: number): void {
    this.expire(now);
    this.entries.delete(signature);
    this.entries.set(signature, { result, revision, lastUsed: now });
    while (this.entries.size > this.limits.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  /** Drops the result of a query that has been read to its end. */
  delete(signature: string): void {
    this.entries.delete(signature);
  }

  /** Number of cached results (for tests). */
  get size(): number {
    return this.entries.size;
  }

  private expire(now: number): void {
    for (const [key, entry] of this.entries) {
      if (now - entry.lastUsed > this.limits.ttlMs) this.entries.delete(key);
    }
  }
}
