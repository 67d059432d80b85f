import { describe, expect, it } from "vitest";
import { checkInvariants, type InvariantInput } from "../../bench/chaos/chaosInvariants.js";
import { generateChaosPlan } from "../../bench/chaos/chaosPlan.js";
import { chaosNow, keyVersionOf } from "../../bench/chaos/chaosTenant.js";
import { applyMergePatch, type ArmResource } from "@cmkr/azure-emulator";
import type { LedgerAction } from "../../src/core/ports/actionStore.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import { keyRef } from "../../src/core/ids/keyId.js";

const plan = generateChaosPlan(3, "small");
const consumer = plan.tenant.consumers.find(
  (c) =>
    c.hasAccess &&
    !c.autoRotation &&
    c.key === 0 &&
    c.type !== "Microsoft.MachineLearningServices/workspaces",
);
if (consumer === undefined) throw new Error("seed 3 has no plain consumer on the access-policy key");
const key = plan.tenant.keys[0];
if (key === undefined) throw new Error("no key");
const rule = consumerRuleFor(consumer.type);
if (rule === undefined) throw new Error("not a consumer");

const initial =
  plan.tenant.tenant.keyVaults[key.vaultUrl]?.keys[key.keyName]?.[0]?.version.toLowerCase() ?? "";
const usable = "9".repeat(32);
const disabled = "d".repeat(32);

/** The final tenant with two new versions, the consumer on `version`. */
function finalOn(version: string) {
  const tenant = structuredClone(plan.tenant.tenant);
  tenant.keyVaults[key!.vaultUrl]?.keys[key!.keyName]?.push(
    keyVersionOf("disabled", disabled, "2026-11-10T01:00:00.000Z"),
    keyVersionOf("usable", usable, "2026-11-10T02:00:00.000Z"),
  );
  tenant.resources = tenant.resources.map((r) => {
    if (r.id !== consumer!.id) return r;
    const patch = rule!.rotationPatch(r, keyRef(key!.vaultUrl, key!.keyName, version));
    return applyMergePatch(r, patch) as ArmResource;
  });
  return tenant;
}

function applied(to: string): LedgerAction {
  return {
    resourceId: consumer!.id,
    resourceType: consumer!.type,
    action: "rotate-key",
    status: "applied",
    reason: "moved",
    codes: [],
    dryRun: false,
    at: chaosNow.toISOString(),
    to: `${key!.vaultUrl}/keys/${key!.keyName}/${to}`,
  };
}

function input(overrides: Partial<InvariantInput>): InvariantInput {
  return {
    consumers: [consumer!],
    keys: plan.tenant.keys,
    final: finalOn(usable),
    initialVersions: [initial],
    writes: [
      {
        seq: 1,
        consumer: 0,
        method: "PATCH",
        status: 202,
        fromVersion: initial,
        toVersion: usable,
        versionExisted: true,
      },
    ],
    transitions: [{ seq: 2, consumer: 0, from: initial, to: usable }],
    ledgerActions: [applied(usable)],
    tickets: [],
    unhandledRejections: [],
    malformedProblems: [],
    now: chaosNow,
    expiryMarginDays: 30,
    ...overrides,
  };
}

const names = (i: InvariantInput) => checkInvariants(i).violations.map((v) => v.invariant);

describe("chaos invariants", () => {
  it("accept a clean rotation to the newest usable version", () => {
    expect(checkInvariants(input({})).violations).toEqual([]);
  });

  it("catch a move to an older version", () => {
    expect(
      names(
        input({
          final: finalOn(initial),
          writes: [],
          transitions: [
            { seq: 2, consumer: 0, from: initial, to: usable },
            { seq: 3, consumer: 0, from: usable, to: initial },
          ],
        }),
      ),
    ).toContain("no-older-version");
  });

  it("catch a write of a version that fails preflight, and of one that did not exist yet", () => {
    const bad = {
      seq: 1,
      consumer: 0,
      method: "PATCH",
      status: 202,
      fromVersion: initial,
      toVersion: disabled,
      versionExisted: true,
    };
    expect(names(input({ writes: [bad] }))).toEqual(["no-unusable-write"]);
    expect(names(input({ writes: [{ ...bad, toVersion: usable, versionExisted: false }] }))).toEqual([
      "no-unusable-write",
    ]);
  });

  it("catch a second effective write of the same version", () => {
    const again = [
      { seq: 2, consumer: 0, from: initial, to: usable },
      { seq: 3, consumer: 0, from: usable, to: disabled },
      { seq: 4, consumer: 0, from: disabled, to: usable },
    ];
    expect(names(input({ transitions: again }))).toContain("one-effective-write");
  });

  it("catch a consumer left behind a usable version unless a ticket is open", () => {
    const behind = input({ final: finalOn(initial), writes: [], transitions: [], ledgerActions: [] });
    expect(names(behind)).toEqual(["newest-usable-or-ticket"]);
    const ticket = {
      resourceId: consumer.id,
      resourceType: consumer.type,
      findingCode: "RotationRefused",
      title: "t",
      body: "b",
      severity: "high" as const,
      state: "requested" as const,
      count: 1,
      firstSeen: chaosNow.toISOString(),
      lastSeen: chaosNow.toISOString(),
    };
    expect(names({ ...behind, tickets: [ticket] })).toEqual([]);
    expect(names({ ...behind, tickets: [{ ...ticket, state: "closed" }] })).toEqual([
      "newest-usable-or-ticket",
    ]);
  });

  it("before the final sweep: catch a consumer the events left behind a target the service had tried", () => {
    const failed: LedgerAction = {
      ...applied(usable),
      status: "failed",
      reason: "the resource changed between every read and its write (3 attempts); nothing written",
      codes: ["WriteConflict"],
    };
    // The sweep moved it in the end; before it, the consumer stood behind with no ticket.
    const beforeSweep = { final: finalOn(initial), ledgerActions: [failed], tickets: [] };
    expect(names(input({ beforeSweep }))).toEqual(["newest-usable-or-ticket"]);
    const ticket = {
      resourceId: consumer.id,
      resourceType: consumer.type,
      findingCode: "RotationFailed",
      title: "t",
      body: "b",
      severity: "high" as const,
      state: "requested" as const,
      count: 1,
      firstSeen: chaosNow.toISOString(),
      lastSeen: chaosNow.toISOString(),
    };
    expect(names(input({ beforeSweep: { ...beforeSweep, tickets: [ticket] } }))).toEqual([]);
    // Never told of the target (no event reached it): the sweep's to find, not a violation.
    expect(names(input({ beforeSweep: { ...beforeSweep, ledgerActions: [] } }))).toEqual([]);
  });

  it("catch a ledger that disagrees with the emulator", () => {
    expect(names(input({ ledgerActions: [] }))).toContain("ledger-matches-emulator");
    expect(names(input({ transitions: [] }))).toContain("ledger-matches-emulator");
  });

  it("report unhandled rejections and malformed deliveries that were not rejected", () => {
    expect(names(input({ unhandledRejections: ["Error: boom"], malformedProblems: ["step 3"] }))).toEqual([
      "no-unhandled-rejection",
      "malformed-rejected",
    ]);
  });
});
