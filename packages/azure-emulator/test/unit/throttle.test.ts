import { describe, expect, it } from "vitest";
import { ArmThrottle, armThrottleDefaults } from "../../src/throttle.js";

describe("ArmThrottle", () => {
  it("allows ARM's write burst, then refuses with a Retry-After, then refills at the rate", () => {
    let now = 0;
    const throttle = new ArmThrottle(armThrottleDefaults, () => now);
    for (let i = 0; i < 200; i++) expect(throttle.take("sub", "p", "write").allowed).toBe(true);
    const refused = throttle.take("sub", "p", "write");
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    now += 1000; // 10 writes per second come back
    let allowed = 0;
    while (throttle.take("sub", "p", "write").allowed) allowed++;
    expect(allowed).toBe(10);
  });

  it("keeps separate buckets per subscription, principal and kind", () => {
    const throttle = new ArmThrottle({ ...armThrottleDefaults, writeBurst: 1 }, () => 0);
    expect(throttle.take("a", "p", "write").allowed).toBe(true);
    expect(throttle.take("a", "p", "write").allowed).toBe(false);
    expect(throttle.take("b", "p", "write").allowed).toBe(true);
    expect(throttle.take("a", "q", "write").allowed).toBe(true);
    expect(throttle.take("a", "p", "read").allowed).toBe(true);
  });

  it("reports the remaining tokens", () => {
    const throttle = new ArmThrottle(armThrottleDefaults, () => 0);
    expect(throttle.take("a", "p", "read").remaining).toBe(249);
  });
});
