import { describe, expect, it } from "vitest";
import { FaultInjector } from "../../src/faults.js";
import { seededRandom } from "../../src/seededRandom.js";

const request = (method: string, path: string) => ({
  method,
  url: new URL(`https://management.azure.com${path}?api-version=1`),
  headers: {},
});

describe("FaultInjector", () => {
  it("answers matching requests with ARM's error shape and Retry-After, `count` times", () => {
    const faults = new FaultInjector(seededRandom(1));
    faults.add({ status: 429, method: "PATCH", url: "diskEncryptionSets", count: 2, retryAfterSeconds: 3 });
    expect(faults.match(request("GET", "/x/diskEncryptionSets/a"))).toBeUndefined();
    const first = faults.match(request("PATCH", "/x/diskEncryptionSets/a"));
    expect(first?.status).toBe(429);
    expect(first?.headers["retry-after"]).toBe("3");
    expect(JSON.parse(first?.body ?? "{}")).toEqual({
      error: { code: "TooManyRequests", message: expect.stringContaining("429") as unknown },
    });
    expect(faults.match(request("PATCH", "/x/diskEncryptionSets/a"))?.status).toBe(429);
    expect(faults.match(request("PATCH", "/x/diskEncryptionSets/a"))).toBeUndefined();
    expect(faults.injected).toBe(2);
  });

  it("applies a rate reproducibly for the same seed", () => {
    const run = () => {
      const faults = new FaultInjector(seededRandom(42));
      faults.add({ status: 503, rate: 0.3 });
      return Array.from({ length: 200 }, () => faults.match(request("GET", "/a")) !== undefined);
    };
    const a = run();
    expect(run()).toEqual(a);
    const failed = a.filter(Boolean).length;
    expect(failed).toBeGreaterThan(30);
    expect(failed).toBeLessThan(90);
  });

  it("rejects a rate outside 0..1", () => {
    expect(() => {
      new FaultInjector(seededRandom(1)).add({ status: 500, rate: 2 });
    }).toThrow(RangeError);
  });
});
