import { describe, expect, inject, it } from "vitest";
import { formatChaosResult } from "../../bench/chaos/formatChaosResult.js";
import { generateChaosPlan } from "../../bench/chaos/chaosPlan.js";
import { runChaos } from "../../bench/chaos/runChaos.js";

describe("chaos runner (small size)", () => {
  it("generates the same stream and fault schedule from the same seed", () => {
    const a = generateChaosPlan(7, "small");
    expect(generateChaosPlan(7, "small")).toEqual(a);
    expect(generateChaosPlan(8, "small").steps).not.toEqual(a.steps);
    const labels = new Set(a.steps.flatMap((s) => (s.kind === "deliver" ? [s.delivery.label] : [s.kind])));
    expect(labels).toContain("createVersion");
    expect(labels).toContain("key");
    expect(labels).toContain("malformed");
    expect(labels).toContain("noise");
  });

  it("seed 1: every invariant holds under 429s, 5xx, failed operations and latency", async () => {
    const result = await runChaos({
      seed: 1,
      size: "small",
      storageConnectionString: inject("azuriteConnectionString"),
    });
    console.log(formatChaosResult(result));
    expect(result.violations).toEqual([]);
    const f = result.figures;
    expect(f.events).toBeGreaterThan(20);
    expect(f.faults.throttled429).toBeGreaterThan(0);
    expect(f.faults.server5xx).toBeGreaterThan(0);
    expect(f.faults.failedOperations).toBeGreaterThan(0);
    expect(f.faults.delayedRequests).toBeGreaterThan(0);
    expect(f.effectiveWrites).toBeGreaterThan(0);
    expect(f.refusals).toBeGreaterThan(0);
    expect(f.malformed).toBeGreaterThan(0);
  });
});
