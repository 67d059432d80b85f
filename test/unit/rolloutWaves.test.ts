import { describe, expect, it } from "vitest";
import { assignWaves, parseWaves } from "../../src/core/rollout/rolloutWaves.js";
import {
  memberOutcome,
  nextRolloutStep,
  resendAfterMs,
  type Rollout,
  type RolloutMember,
} from "../../src/core/rollout/rolloutState.js";

const c = (type: string, n: number) => ({
  resourceId: `/subscriptions/s/resourceGroups/rg/providers/${type}/r-${n}`,
  resourceType: type,
});
const des = "Microsoft.Compute/diskEncryptionSets";
const aoai = "Microsoft.CognitiveServices/accounts";

describe("wave sizes", () => {
  it("reads per-type first, counts, * last; names the bad entry", () => {
    expect(parseWaves("per-type,10,*")).toEqual(["per-type", 10, "rest"]);
    expect(parseWaves("1, 5")).toEqual([1, 5]);
    expect(parseWaves("10,per-type")).toMatch(/entry 2 .*per-type may only be the first/);
    expect(parseWaves("*,5")).toMatch(/entry 1 .*only be the last/);
    expect(parseWaves("0")).toMatch(/entry 1/);
    expect(parseWaves("per-type,,*")).toMatch(/entry 2/);
  });

  it("one consumer of each type first, whatever order they came in; the rest never left out", () => {
    const items = [c(des, 3), c(aoai, 2), c(des, 1), c(des, 2), c(aoai, 1)];
    const waves = assignWaves(items, ["per-type", 2]);
    expect(waves.map((w) => w.map((i) => i.resourceId.split("/").pop()))).toEqual([
      ["r-1", "r-1"],
      ["r-2", "r-2"],
      ["r-3"],
    ]);
    expect(assignWaves([...items].reverse(), ["per-type", 2])).toEqual(waves);
    expect(assignWaves(items, ["rest"])).toHaveLength(1);
    expect(assignWaves([], ["per-type", "rest"])).toEqual([]);
  });
});

describe("rollout steps", () => {
  const rollout: Rollout = {
    rolloutId: "r",
    keyId: "k",
    state: "running",
    wave: 0,
    waves: 2,
    pauseSeconds: 0,
    createdAt: "2026-12-01T10:00:00.000Z",
    updatedAt: "2026-12-01T10:00:00.000Z",
  };
  const m = (n: number, wave: number, state: RolloutMember["state"]): RolloutMember => ({
    ...c(des, n),
    wave,
    state,
    job: "{}",
  });
  const now = new Date("2026-12-01T10:00:01.000Z");

  it("waits for the released wave, releases the next once all settled, halts on a failure, stops on a hold", () => {
    expect(nextRolloutStep(rollout, [m(1, 0, "released"), m(2, 1, "held")], now).kind).toBe("wait");
    expect(
      nextRolloutStep(rollout, [m(1, 0, "confirmed"), m(3, 0, "neutral"), m(2, 1, "held")], now),
    ).toMatchObject({ kind: "release", wave: 1 });
    expect(
      nextRolloutStep(rollout, [m(1, 0, "failed"), m(3, 0, "released"), m(2, 1, "held")], now).kind,
    ).toBe("halt");
    expect(nextRolloutStep(rollout, [m(1, 0, "gated"), m(2, 1, "held")], now).kind).toBe("stop");
    expect(
      nextRolloutStep({ ...rollout, wave: 1 }, [m(1, 0, "confirmed"), m(2, 1, "confirmed")], now).kind,
    ).toBe("done");
    expect(
      nextRolloutStep({ ...rollout, state: "halted" }, [m(1, 0, "confirmed"), m(2, 1, "held")], now).kind,
    ).toBe("wait");
  });

  it("resends the held jobs of a released wave only once the release is long past", () => {
    const members = [m(1, 0, "confirmed"), m(2, 1, "held")];
    const released = { ...rollout, wave: 1 };
    expect(nextRolloutStep(released, members, now).kind).toBe("wait");
    const later = new Date(Date.parse(rollout.updatedAt) + resendAfterMs + 1);
    expect(nextRolloutStep(released, members, later)).toMatchObject({
      kind: "resend",
      members: [members[1]],
    });
  });

  it("a refusal is neutral; a failed or unconfirmed write fails the wave; a held write is gated", () => {
    const a = { resourceId: "x", resourceType: des, reason: "r" };
    expect(memberOutcome({ ...a, action: "refuse", status: "skipped" })).toBe("neutral");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "applied" })).toBe("confirmed");
    expect(
      memberOutcome({ ...a, action: "rotate-key", status: "applied", codes: ["ProvisioningNotSucceeded"] }),
    ).toBe("failed");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "failed" })).toBe("failed");
    expect(memberOutcome({ ...a, action: "rotate-key", status: "planned", codes: ["WritesPaused"] })).toBe(
      "gated",
    );
  });
});
