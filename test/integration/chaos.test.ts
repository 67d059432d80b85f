import { describe, expect, inject, it } from "vitest";
import { formatChaosResult } from "../../bench/chaos/formatChaosResult.js";
import { generateChaosPlan } from "../../bench/chaos/chaosPlan.js";
import { runChaos } from "../../bench/chaos/runChaos.js";

describe("chaos runner (small size)", () => {
  it("generates the same stream and fault schedule from the same seed", () => {
    const a = generateChaosPlan(7, "small");
    expect(generateChaosPlan(7, "small")).toEqual(a);
    expect(generateChaosPlan(8, "small").steps).not.toEqual(a.steps);
    // The streams over two plans: one small plan may deliver all its key events inside batches
    // (seed 7 does), which is one of the streams too.
    const labels = new Set(
      [a, generateChaosPlan(8, "small")].flatMap((p) =>
        p.steps.flatMap((s) => (s.kind === "deliver" ? [s.delivery.label] : [s.kind])),
      ),
    );
    expect(labels).toContain("batch");
    expect(labels).toContain("createVersion");
    expect(labels).toContain("key");
    expect(labels).toContain("malformed");
    expect(labels).toContain("noise");
    // The write-path streams of issue 13 item 15.
    expect(labels).toContain("disk-write");
    expect(labels).toContain("late-delete");
    expect(labels).toContain("diskWrite");
    expect(labels).toContain("recreateDisk");
    expect(new Set(a.tenant.disks.map((d) => d.shape)).size).toBe(8);
    expect(a.tenant.consumers.filter((c) => c.scenario === "cvm").length).toBeGreaterThan(0);
    expect(a.tenant.consumers.filter((c) => c.scenario === "hsm").length).toBeGreaterThan(0);
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
    // The hourly sweep ran once after the stream and queued what the events had not reached.
    expect(f.sweepJobs).toBeGreaterThan(0);
    // Enforce mode attached the set, people raced the service's writes and the emulator answered 412,
    // late deletes and a re-created disk were delivered, HSM consumers and confidential sets refused.
    const st = f.streams;
    expect(st.diskWrites).toBeGreaterThan(0);
    expect(st.attaches).toBeGreaterThan(0);
    expect(st.races).toBeGreaterThan(0);
    expect(st.preconditionFailed).toBeGreaterThan(0);
    expect(st.lateDeletes).toBeGreaterThan(0);
    expect(st.recreatedDisks).toBeGreaterThan(0);
    expect(st.hsmRefusals).toBeGreaterThan(0);
    expect(st.confidentialRefusals).toBeGreaterThan(0);
  });
});
