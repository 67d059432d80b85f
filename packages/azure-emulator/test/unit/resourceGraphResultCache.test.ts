import { describe, expect, it } from "vitest";
import type { KqlResult } from "../../src/resourceGraph/kql/runKql.js";
import { ResourceGraphResultCache } from "../../src/resourceGraph/resourceGraphResultCache.js";

const result = (n: number): KqlResult => ({
  columns: [{ name: "id", type: "string" }],
  rows: Array.from({ length: n }, (_, i) => ({ id: `r${i}` })),
  limited: false,
});

describe("Resource Graph result cache (emulator paging)", () => {
  it("returns a result only for the same signature and state revision", () => {
    const cache = new ResourceGraphResultCache();
    const r = result(3);
    cache.set("q1", 7, r, 0);
    expect(cache.get("q1", 7, 1)).toBe(r);
    expect(cache.get("q1", 8, 1)).toBeUndefined();
    expect(cache.get("q2", 7, 1)).toBeUndefined();
  });

  it("drops results unread for longer than the TTL, and the least recently read past the size limit", () => {
    const cache = new ResourceGraphResultCache({ ttlMs: 1000, maxEntries: 2 });
    cache.set("a", 1, result(1), 0);
    cache.set("b", 1, result(1), 0);
    expect(cache.get("a", 1, 500)).toBeDefined();
    cache.set("c", 1, result(1), 600);
    expect(cache.size).toBe(2);
    expect(cache.get("b", 1, 600)).toBeUndefined();
    expect(cache.get("a", 1, 1400)).toBeDefined();
    expect(cache.get("c", 1, 1700)).toBeUndefined();
  });

  it("forgets a result once deleted (its last page was read)", () => {
    const cache = new ResourceGraphResultCache();
    cache.set("a", 1, result(1), 0);
    cache.delete("a");
    expect(cache.get("a", 1, 0)).toBeUndefined();
  });
});
