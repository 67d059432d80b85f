import { describe, expect, it } from "vitest";
import { disk, type LedgerUnderTest } from "./ledgerUnderTest.js";

/** The audit fields of an action: who caused it, from which plan, and the owned fields it changed. */
export function auditTrailContract(subject: () => LedgerUnderTest): void {
  describe("audit trail", () => {
    it("records the actor, the plan id and the owned fields' change with an action, in every listing", async () => {
      const { ledger } = subject();
      const fields = [
        { path: "properties.activeKey.keyUrl", before: "https://a/keys/k/1", after: "https://a/keys/k/2" },
      ];
      await ledger.recordAction({
        resourceId: disk(1),
        resourceType: "Microsoft.Compute/diskEncryptionSets",
        action: "rotate-key",
        status: "applied",
        reason: "moved",
        dryRun: false,
        actor: { kind: "http", oid: "0000-oid", appId: "0000-app", name: "ops@contoso.com" },
        planId: "6f1c0d2e-8a4b-4c1d-9e2f-0123456789ab",
        fields,
      });
      subject().advance(1000);
      await ledger.recordAction({
        resourceId: disk(1),
        resourceType: "Microsoft.Compute/diskEncryptionSets",
        action: "none",
        status: "skipped",
        reason: "nothing to do",
        dryRun: false,
        actor: { kind: "sweep", runId: "run-1" },
      });
      const [sweep, http] = await ledger.listActions(disk(1));
      expect(http).toMatchObject({
        actor: { kind: "http", oid: "0000-oid", appId: "0000-app", name: "ops@contoso.com" },
        planId: "6f1c0d2e-8a4b-4c1d-9e2f-0123456789ab",
        fields,
      });
      expect(sweep).toMatchObject({ actor: { kind: "sweep", runId: "run-1" } });
      expect(sweep?.planId).toBeUndefined();
      expect(sweep?.fields).toBeUndefined();
      const newest = await ledger.newestActions(5);
      expect(newest.map((a) => a.actor?.kind)).toEqual(["sweep", "http"]);
      expect(newest[1]).toMatchObject({ planId: "6f1c0d2e-8a4b-4c1d-9e2f-0123456789ab", fields });
    });
  });
}
