import { describe, expect, it } from "vitest";
import type { JobRecord } from "../../src/core/ports/jobStore.js";
import type { OperationRecord } from "../../src/core/ports/operationStore.js";
import { listingJobPrefix, operationStatus } from "../../src/core/decisions/operationStatus.js";

const sub = "00000000-0000-0000-0000-0000000000aa";
const des = (n: number) =>
  `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-${n}`;

const operation = (change: Partial<OperationRecord> = {}): OperationRecord => ({
  operationId: "op-1",
  target: `subscription:${sub}`,
  dryRun: false,
  listing: "listed",
  resourcesSeen: 3,
  jobsQueued: 2,
  createdAt: "2026-12-01T10:00:00.000Z",
  ...change,
});

const job = (n: number, state: JobRecord["state"], withResult = state === "done"): JobRecord => ({
  dedupeKey: `${des(n).toLowerCase()}|evaluate`,
  resourceId: des(n),
  state,
  attempts: 1,
  updatedAt: "2026-12-01T10:01:00.000Z",
  ...(withResult
    ? {
        result: [
          {
            resourceId: des(n),
            resourceType: "Microsoft.Compute/diskEncryptionSets",
            action: "rotate-key" as const,
            status: "applied" as const,
            reason: "moved",
          },
        ],
      }
    : {}),
});

const listingJob: JobRecord = {
  dedupeKey: `${listingJobPrefix}${sub}`,
  resourceId: `/subscriptions/${sub}`,
  state: "done",
  attempts: 1,
  updatedAt: "2026-12-01T10:00:30.000Z",
};

describe("operationStatus", () => {
  it("is running while resources are still being listed, even when every queued job is done", () => {
    const s = operationStatus(operation({ listing: "listing" }), [listingJob, job(1, "done")]);
    expect(s.status).toBe("running");
    expect(s.progress).toMatchObject({ listed: false, jobsQueued: 1, jobsDone: 1 });
  });

  it("is running while a job is queued or running, and reports the finished jobs' actions so far", () => {
    const s = operationStatus(operation(), [listingJob, job(2, "running"), job(1, "done"), job(3, "queued")]);
    expect(s.status).toBe("running");
    expect(s.progress).toEqual({
      listed: true,
      resourcesSeen: 3,
      jobsQueued: 3,
      jobsDone: 1,
      jobsFailed: 0,
      jobsRunning: 1,
    });
    expect(s.report.actions.map((a) => a.resourceId)).toEqual([des(1)]);
  });

  it("succeeds when listed and every job is done; actions are sorted by resource", () => {
    const s = operationStatus(operation(), [job(2, "done"), listingJob, job(1, "done")]);
    expect(s.status).toBe("succeeded");
    expect(s.report).toEqual({
      dryRun: false,
      errors: [],
      actions: [
        expect.objectContaining({ resourceId: des(1) }),
        expect.objectContaining({ resourceId: des(2) }),
      ],
    });
  });

  it("fails when any job gave up, naming its resource and type", () => {
    const s = operationStatus(operation(), [job(1, "done"), job(2, "failed")]);
    expect(s.status).toBe("failed");
    expect(s.report.actions).toContainEqual(
      expect.objectContaining({
        resourceId: des(2),
        resourceType: "Microsoft.Compute/diskEncryptionSets",
        status: "failed",
      }),
    );
  });

  it("fails with the listing error when listing failed", () => {
    const s = operationStatus(
      operation({ listing: "failed", error: "Resource Graph refused the query" }),
      [],
    );
    expect(s).toMatchObject({
      status: "failed",
      error: "Resource Graph refused the query",
      report: { errors: [{ input: `subscription:${sub}`, message: "Resource Graph refused the query" }] },
    });
  });
});
