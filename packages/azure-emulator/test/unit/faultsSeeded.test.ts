import { describe, expect, it } from "vitest";
import { FaultInjector } from "../../src/faults.js";
import { seededRandom } from "../../src/seededRandom.js";

const request = (method: string, path: string) => ({
  method,
  url: new URL(`https://management.azure.com${path}?api-version=1`),
  headers: {},
});

const paths = Array.from({ length: 40 }, (_, i) => `/subscriptions/s/providers/x/accounts/a${i}`);

/** Which of the requests (each path asked three times) fail, in the order given. */
function failures(order: readonly string[], seed: number): Map<string, boolean[]> {
  const faults = new FaultInjector(seededRandom(1));
  faults.add({ status: 503, rate: 0.3, seed });
  const out = new Map<string, boolean[]>();
  for (const path of order) {
    const list = out.get(path) ?? [];
    list.push(faults.match(request("GET", path)) !== undefined);
    out.set(path, list);
  }
  return out;
}

describe("FaultInjector with a seeded rule", () => {
  it("gives each request the same fate whatever order requests arrive in", () => {
    const order = [...paths, ...paths, ...paths];
    const shuffled = [...order].sort((a, b) => ((a.length * 7 + b.charCodeAt(b.length - 1)) % 3) - 1);
    const reversed = [...order].reverse();
    const a = failures(order, 9);
    expect(failures(shuffled, 9)).toEqual(a);
    expect(failures(reversed, 9)).toEqual(a);
    const failed = [...a.values()].flat().filter(Boolean).length;
    expect(failed).toBeGreaterThan(15);
    expect(failed).toBeLessThan(60);
    expect(failures(order, 10)).not.toEqual(a);
  });

  it("counts injected faults by status", () => {
    const faults = new FaultInjector(seededRandom(1));
    faults.add({ status: 429, url: "accounts/a1\\?", count: 2, retryAfterSeconds: 0 });
    faults.add({ status: 500, url: "accounts/a2\\?", count: 1 });
    for (const path of paths) for (let i = 0; i < 3; i++) faults.match(request("GET", path));
    expect(faults.injected).toBe(3);
    expect(faults.injectedByStatus.get(429)).toBe(2);
    expect(faults.injectedByStatus.get(500)).toBe(1);
  });

  it("reduces operation status URLs to their kind, so random operation names do not change fates", () => {
    const faults = () => {
      const f = new FaultInjector(seededRandom(1));
      f.add({ status: 503, rate: 0.5, seed: 3 });
      return f;
    };
    const a = faults();
    const b = faults();
    const fates = (f: FaultInjector, name: string) =>
      Array.from(
        { length: 20 },
        () =>
          f.match(request("GET", `/subscriptions/s/providers/p/locations/w/operationStatuses/${name}`)) !==
          undefined,
      );
    expect(fates(a, "1111")).toEqual(fates(b, "2222"));
  });
});
