import { describe, expect, it } from "vitest";
import { formatDuration, replayCounts, replayProgressLine } from "../../src/cli/replayProgress.js";
import { eventGridBatches, eventGridLimits } from "../../src/core/events/eventGridLimits.js";

describe("the replay progress line", () => {
  it("says how many events, how far through the input, how fast and how long is left", () => {
    const counts = {
      ...replayCounts(50 * 1024 * 1024),
      bytesDone: 19 * 1024 * 1024,
      events: 12345,
      jobsQueued: 130,
      jobsDone: 120,
    };
    expect(replayProgressLine(counts, 30_000, "read")).toBe(
      "replay: 12,345 events read, 38% of 50.0 MB, 412/s, ~49s left; jobs 120/130 done",
    );
  });

  it("has no total nor time left for dead letters, nor a rate in the first second", () => {
    const counts = { ...replayCounts(0), events: 3, blobs: 2 };
    expect(replayProgressLine(counts, 500, "sent")).toBe("replay: 3 events sent from 2 blob(s)");
  });

  it("formats durations for people", () => {
    expect(formatDuration(12_400)).toBe("12s");
    expect(formatDuration(272_000)).toBe("4m 32s");
    expect(formatDuration(3_900_000)).toBe("1h 05m");
  });
});

describe("Event Grid's batch limits", () => {
  it("splits by count (5,000) and by size (1 MB), a single larger event alone", () => {
    expect(eventGridBatches(12_001, () => 10)).toEqual([
      [0, 5000],
      [5000, 10_000],
      [10_000, 12_001],
    ]);
    const sizes = [400_000, 400_000, 400_000, 2_000_000, 10];
    expect(eventGridBatches(sizes.length, (i) => sizes[i] ?? 0)).toEqual([
      [0, 2],
      [2, 3],
      [3, 4],
      [4, 5],
    ]);
    expect(eventGridLimits).toEqual({
      maxEventBytes: 1_048_576,
      maxEventsPerBatch: 5000,
      maxBatchBytes: 1_048_576,
    });
    expect(eventGridBatches(0, () => 1)).toEqual([]);
  });
});
