import { describe, expect, it } from "vitest";
import { planDigest, type Plan, type PlanAction } from "../../src/core/plans/plan.js";
import { at, disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

const keyUri = "https://kv-contract.vault.azure.net/keys/cmk";

function plan(planId: string, actions: number): Plan {
  const list: PlanAction[] = Array.from({ length: actions }, (_, n) => ({
    resourceId: disk(n),
    resourceType: "Microsoft.Compute/disks",
    action: "rotate-key",
    status: "planned",
    version: `etag:"${n}"`,
    from: `${keyUri}/${"a".repeat(32)}`,
    to: `${keyUri}/${"b".repeat(32)}`,
    codes: ["ShortExpiry"],
    reason: `move disk ${n} to the newest usable version; ${"é".repeat(40)}`,
  }));
  const unsealed = {
    v: 1 as const,
    planId,
    target: { kind: "key" as const, keyId: keyUri },
    createdAt: at(),
    expiresAt: at(60 * 60 * 1000),
    createdBy: { kind: "http" as const, oid: "00000000-0000-0000-0000-00000000a11c", appId: "app-1" },
    actions: list,
  };
  return { ...unsealed, digest: planDigest(unsealed) };
}

/** Plans: stored whole (however large), found by id in any case, never overwritten. */
export function planStoreContract(subject: () => LedgerUnderTest): void {
  describe("plans", () => {
    it("stores a plan and reads it back whole, by its id in any case", async () => {
      const { ledger } = subject();
      const stored = plan("6f1c0d2e-8a4b-4c1d-9e2f-0123456789ab", 3);
      await ledger.savePlan(stored);
      expect(await ledger.getPlan("6F1C0D2E-8A4B-4C1D-9E2F-0123456789AB")).toEqual(stored);
      expect(await ledger.getPlan("7f1c0d2e-8a4b-4c1d-9e2f-0123456789ab")).toBeUndefined();
    });

    it("keeps a plan larger than one Table property and one entity (thousands of consumers)", async () => {
      const { ledger } = subject();
      const large = plan("0a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3", 2500);
      expect(JSON.stringify(large).length).toBeGreaterThan(1_100_000);
      await ledger.savePlan(large);
      const back = await ledger.getPlan(large.planId);
      expect(back?.actions).toHaveLength(2500);
      expect(back).toEqual(large);
      expect(back === undefined ? "" : planDigest(back)).toBe(large.digest);
    });

    it("refuses a second plan with the same id and keeps the first", async () => {
      const { ledger } = subject();
      const first = plan("1a1b2c3d-4e5f-4a6b-8c7d-8e9fa0b1c2d3", 1);
      await ledger.savePlan(first);
      await expect(ledger.savePlan({ ...plan("1A1B2C3D-4E5F-4A6B-8C7D-8E9FA0B1C2D3", 2) })).rejects.toThrow();
      expect(await ledger.getPlan(first.planId)).toEqual(first);
    });
  });
}
