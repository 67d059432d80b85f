import type { TenantFile, TenantKeyVersion } from "@cmkr/azure-emulator";
import { consumerFactsFromArm } from "../../src/core/consumers/consumerFactsFromArm.js";
import type { KeyVersionFacts, RoleAssignmentFacts } from "../../src/core/keyStores/keyFacts.js";
import { preflight } from "../../src/core/preflight/preflight.js";
import { roleAssignmentFactsFromArm } from "../../src/core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";
import type { LedgerAction } from "../../src/core/ports/actionStore.js";
import type { TicketRequest } from "../../src/core/ports/ticketRequestStore.js";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import type { ServiceArmWrite, ServiceWrite, VersionTransition } from "./chaosTransport.js";
import type { RevertedField } from "./chaosHumans.js";
import type { ChaosConsumer, ChaosKey } from "./chaosTenant.js";

/** The invariants a chaos run checks, by name. */
export type InvariantName =
  | "no-older-version"
  | "no-unusable-write"
  | "one-effective-write"
  | "newest-usable-or-ticket"
  | "no-unhandled-rejection"
  | "ledger-matches-emulator"
  | "malformed-rejected"
  /** Every ARM write of the service passes the runner's own judge, and the emulator refuses none. */
  | "no-write-without-proof"
  /** Every successful write carried the ETag current when it arrived; no field a person set was reverted. */
  | "no-write-over-human-change"
  /** No ticket closed while its resource existed with the finding still standing (or as deleted while it existed). */
  | "no-ticket-closed-on-existing"
  /** Managed HSM keys: no crash, and refusals that give a reason (never "not found"). */
  | "hsm-refused-with-reason";

/** A ticket the service closed, and what the emulator held at that moment. */
export interface TicketClosure {
  resourceId: string;
  findingCode: string;
  reason: string;
  /** Closed because the service found the resource gone. */
  asGone: boolean;
  /** The resource existed when the ticket was closed. */
  existed: boolean;
  /** Why the finding still stood on it then (the runner's reading); undefined when it did not. */
  stands: string | undefined;
}

/** One broken invariant, with enough detail to find it again under the same seed. */
export interface Violation {
  invariant: InvariantName;
  detail: string;
}

/** Where the consumers ended, for the figures. */
export interface EndStates {
  /** On the newest version that passes preflight for them (or nothing newer is usable). */
  onNewestUsable: number;
  /** Behind a usable version, with an open ticket saying why: name and finding codes. */
  behindWithTicket: string[];
  /** Auto-rotating disk encryption sets left to the platform, which is to move them. */
  delegatedToPlatform: number;
}

/** What {@link checkInvariants} found. */
export interface InvariantReport {
  violations: Violation[];
  endStates: EndStates;
}

/** Everything the invariants read after a run. */
export interface InvariantInput {
  consumers: readonly ChaosConsumer[];
  keys: readonly ChaosKey[];
  /** The emulator's final state. */
  final: TenantFile;
  /** Each consumer's version before the run, by index. */
  initialVersions: readonly (string | undefined)[];
  writes: readonly ServiceWrite[];
  transitions: readonly VersionTransition[];
  ledgerActions: readonly LedgerAction[];
  tickets: readonly TicketRequest[];
  unhandledRejections: readonly string[];
  /** Problems with malformed deliveries found while delivering them (crash, accepted, untyped error). */
  malformedProblems: readonly string[];
  /** Every ARM write of the service with the judge's verdict (absent in older callers: not checked). */
  armWrites?: readonly ServiceArmWrite[];
  /** Fields people set that a write of the service put back. */
  revertedFields?: readonly RevertedField[];
  /** Tickets the service closed during the run. */
  closures?: readonly TicketClosure[];
  /**
   * The emulator and the ledger when the stream ended, before the final sweep. A consumer the
   * service had already tried to move to the newest usable version must be on it, delegated or
   * ticketed by then: the sweep must not hide what the event path left undone.
   */
  beforeSweep?: {
    final: TenantFile;
    ledgerActions: readonly LedgerAction[];
    tickets: readonly TicketRequest[];
  };
  now: Date;
  expiryMarginDays: number;
}

function versionFacts(key: ChaosKey, v: TenantKeyVersion): KeyVersionFacts {
  return {
    keyId: `${key.vaultUrl}/keys/${key.keyName}/${v.version}`,
    vaultUrl: key.vaultUrl,
    keyName: key.keyName,
    version: v.version,
    kty: v.kty,
    keySize: v.keySize,
    curve: v.curve,
    enabled: v.enabled,
    createdOn: new Date(v.createdOn),
    notBefore: v.notBefore == null ? undefined : new Date(v.notBefore),
    expiresOn: v.expiresOn == null ? undefined : new Date(v.expiresOn),
    keyOps: v.keyOps,
  };
}

function versionOf(keyId: string | undefined): string | undefined {
  return keyId?.split("/").pop()?.toLowerCase();
}

/** A pure view of the final tenant: versions in order and the preflight verdict per consumer. */
class FinalTenant {
  private readonly resources = new Map<string, ArmResourceJson>();
  private readonly roleAssignments: RoleAssignmentFacts[] = [];

  constructor(
    private readonly input: InvariantInput,
    readonly final: TenantFile,
  ) {
    for (const r of final.resources) {
      this.resources.set(r.id.toLowerCase(), r);
      if (r.type.toLowerCase() === "microsoft.authorization/roleassignments")
        this.roleAssignments.push(roleAssignmentFactsFromArm(r));
    }
  }

  resource(id: string): ArmResourceJson | undefined {
    return this.resources.get(id.toLowerCase());
  }

  /** The key's versions, oldest first. */
  versions(key: ChaosKey): TenantKeyVersion[] {
    const vault = Object.entries(this.final.keyVaults).find(
      ([url]) => url.replace(/\/+$/, "").toLowerCase() === key.vaultUrl.toLowerCase(),
    )?.[1];
    const list = vault?.keys[key.keyName] ?? [];
    return [...list].sort((a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn));
  }

  /** Position of a version in time; -1 when unknown. */
  order(key: ChaosKey, version: string | undefined): number {
    return this.versions(key).findIndex((v) => v.version.toLowerCase() === version);
  }

  /** Preflight errors of `version` for the consumer, re-run purely over the final snapshots. */
  preflightErrors(consumer: ChaosConsumer, key: ChaosKey, version: string | undefined): string[] {
    const v = this.versions(key).find((x) => x.version.toLowerCase() === version);
    if (v === undefined) return [`version ${version ?? "(none)"} does not exist`];
    // The service reads no Managed HSM facts (soft delete, purge protection, local RBAC), so no HSM
    // version is a usable target; the HSM invariants and the write judge cover these consumers.
    if (key.profile === "hsm") return ["a Managed HSM key: its store's facts are not read"];
    const resource = this.resource(consumer.id);
    const vault = this.resource(key.vaultId);
    if (resource === undefined || vault === undefined) return ["consumer or vault missing"];
    return preflight({
      consumer: consumerFactsFromArm(resource),
      key: versionFacts(key, v),
      vault: vaultFactsFromArm(vault),
      roleAssignments: this.roleAssignments,
      now: this.input.now,
      expiryMarginDays: this.input.expiryMarginDays,
    })
      .reasons.filter((r) => r.severity === "error")
      .map((r) => r.code);
  }
}

/** Where one consumer stands against the newest version it could use. */
type Standing = { finalVersion: string | undefined } & (
  | { kind: "newest" }
  | { kind: "delegated" }
  | { kind: "ticket"; tickets: string[] }
  /** Behind `newestUsable` with no open ticket; `targetKnown`: the ledger shows an action toward it. */
  | { kind: "behind"; newestUsable: string; targetKnown: boolean }
);

/**
 * Each consumer's standing in `tenant`: on the newest usable version (or nothing newer is usable),
 * delegated to the platform's automatic rotation, behind with an open ticket, or behind without one.
 */
function standingsOf(
  tenant: FinalTenant,
  consumers: readonly ChaosConsumer[],
  keys: readonly ChaosKey[],
  ledgerActions: readonly LedgerAction[],
  tickets: readonly TicketRequest[],
): Standing[] {
  const openTickets = new Map<string, string[]>();
  for (const t of tickets) {
    if (!openTicketStates.has(t.state)) continue;
    const id = t.resourceId.toLowerCase();
    openTickets.set(id, [...(openTickets.get(id) ?? []), t.findingCode]);
  }
  const awaiting = new Map<string, LedgerAction[]>();
  const targets = new Map<string, Set<string | undefined>>();
  for (const a of ledgerActions) {
    if (a.dryRun) continue;
    const id = a.resourceId.toLowerCase();
    if (a.to !== undefined) targets.set(id, (targets.get(id) ?? new Set()).add(versionOf(a.to)));
    if (a.action !== "rotate-key" || !a.codes.includes("AwaitingAutoRotation")) continue;
    awaiting.set(id, [...(awaiting.get(id) ?? []), a]);
  }
  return consumers.map((consumer) => {
    const key = keys[consumer.key];
    if (key === undefined) throw new RangeError(`no key ${consumer.key}`);
    const resource = tenant.resource(consumer.id);
    const finalVersion =
      resource === undefined
        ? undefined
        : consumerRuleFor(consumer.type)?.currentKey(resource)?.version?.toLowerCase();
    const position = tenant.order(key, finalVersion);
    const newerUsable = tenant
      .versions(key)
      .slice(position + 1)
      .filter((v) => tenant.preflightErrors(consumer, key, v.version.toLowerCase()).length === 0);
    const newestUsable = newerUsable.at(-1)?.version.toLowerCase();
    const id = consumer.id.toLowerCase();
    // Automatic rotation is on from the start, or the service turned it on during the run.
    const autoRotating =
      consumer.autoRotation ||
      (resource?.properties as { rotationToLatestKeyVersionEnabled?: unknown } | undefined)
        ?.rotationToLatestKeyVersionEnabled === true;
    const delegated =
      autoRotating &&
      (awaiting.get(id) ?? []).some(
        (a) => versionOf(a.to) === versionOf(tenant.versions(key).at(-1)?.version),
      );
    const open = openTickets.get(id);
    if (newestUsable === undefined) return { kind: "newest", finalVersion };
    if (delegated) return { kind: "delegated", finalVersion };
    if (open !== undefined) return { kind: "ticket", tickets: open, finalVersion };
    return {
      kind: "behind",
      newestUsable,
      targetKnown: targets.get(id)?.has(newestUsable) === true,
      finalVersion,
    };
  });
}

const openTicketStates = new Set(["requested", "open"]);

/**
 * Checks a chaos run: no consumer moved to an older version; no write of a version that fails
 * preflight; at most one effective write (a write that changed the key version) per consumer and
 * version; every consumer on the newest usable version or with an open ticket; no unhandled
 * rejection; the ledger's applied rotations are exactly the emulator's version changes and its
 * final state; malformed deliveries rejected with typed errors. Pure.
 */
export function checkInvariants(input: InvariantInput): InvariantReport {
  const violations: Violation[] = [];
  const endStates: EndStates = { onNewestUsable: 0, behindWithTicket: [], delegatedToPlatform: 0 };
  const add = (invariant: InvariantName, detail: string): void => {
    violations.push({ invariant, detail });
  };
  const tenant = new FinalTenant(input, input.final);
  const at = (i: number): { consumer: ChaosConsumer; key: ChaosKey } => {
    const consumer = input.consumers[i];
    const key = consumer === undefined ? undefined : input.keys[consumer.key];
    if (consumer === undefined || key === undefined) throw new RangeError(`no consumer ${i}`);
    return { consumer, key };
  };

  for (const t of input.transitions) {
    const { consumer, key } = at(t.consumer);
    if (tenant.order(key, t.to) < tenant.order(key, t.from))
      add(
        "no-older-version",
        `${consumer.name} moved from ${t.from ?? "-"} to older ${t.to ?? "-"} (seq ${t.seq})`,
      );
  }
  for (const w of input.writes) {
    const { consumer, key } = at(w.consumer);
    if (tenant.order(key, w.toVersion) < tenant.order(key, w.fromVersion))
      add(
        "no-older-version",
        `${w.method} asked ${consumer.name} to go back from ${w.fromVersion ?? "-"} to ${w.toVersion ?? "-"} (seq ${w.seq})`,
      );
    const errors = w.versionExisted
      ? tenant.preflightErrors(consumer, key, w.toVersion)
      : ["the version did not exist yet"];
    if (errors.length > 0)
      add(
        "no-unusable-write",
        `${w.method} of ${consumer.name} to ${w.toVersion ?? "-"}: ${errors.join(", ")} (seq ${w.seq})`,
      );
  }

  const effective = new Map<string, number>();
  for (const t of input.transitions) {
    const k = `${t.consumer}|${t.to ?? ""}`;
    effective.set(k, (effective.get(k) ?? 0) + 1);
  }
  for (const [k, n] of effective) {
    if (n <= 1) continue;
    const [index, version] = k.split("|");
    add(
      "one-effective-write",
      `${at(Number(index)).consumer.name} was moved to ${version ?? "-"} ${n} times`,
    );
  }

  const appliedByConsumer = new Map<string, LedgerAction[]>();
  for (const a of input.ledgerActions) {
    if (a.dryRun || a.action !== "rotate-key" || a.status !== "applied") continue;
    const list = appliedByConsumer.get(a.resourceId.toLowerCase()) ?? [];
    list.push(a);
    appliedByConsumer.set(a.resourceId.toLowerCase(), list);
  }
  const standings = standingsOf(tenant, input.consumers, input.keys, input.ledgerActions, input.tickets);
  const early =
    input.beforeSweep === undefined
      ? undefined
      : standingsOf(
          new FinalTenant(input, input.beforeSweep.final),
          input.consumers,
          input.keys,
          input.beforeSweep.ledgerActions,
          input.beforeSweep.tickets,
        );

  input.consumers.forEach((consumer, i) => {
    const { key } = at(i);
    const id = consumer.id.toLowerCase();
    const standing = standings[i];
    if (standing === undefined) return;
    const { finalVersion } = standing;
    if (standing.kind === "newest") endStates.onNewestUsable++;
    else if (standing.kind === "delegated") endStates.delegatedToPlatform++;
    else if (standing.kind === "ticket")
      endStates.behindWithTicket.push(`${consumer.name} (${standing.tickets.join(", ")})`);
    else
      add(
        "newest-usable-or-ticket",
        `${consumer.name} ends on ${finalVersion ?? "-"}, not on usable ${standing.newestUsable}, and has no open ticket`,
      );
    const before = early?.[i];
    if (before?.kind === "behind" && before.targetKnown)
      add(
        "newest-usable-or-ticket",
        `${consumer.name} was left on ${before.finalVersion ?? "-"} by the events, not on usable ${before.newestUsable} the service had tried, with no open ticket before the final sweep`,
      );

    const applied = (appliedByConsumer.get(id) ?? []).map((a) => versionOf(a.to));
    const moved = input.transitions.filter((t) => t.consumer === i).map((t) => t.to);
    for (const v of applied)
      if (!moved.includes(v))
        add(
          "ledger-matches-emulator",
          `the ledger says ${consumer.name} was moved to ${v ?? "-"}, the emulator never showed it`,
        );
    for (const v of moved)
      if (!applied.includes(v))
        add(
          "ledger-matches-emulator",
          `${consumer.name} moved to ${v ?? "-"} without an applied action in the ledger`,
        );
    const expected =
      applied.length === 0
        ? input.initialVersions[i]
        : applied.reduce((a, b) => (tenant.order(key, b) > tenant.order(key, a) ? b : a));
    if (expected !== finalVersion)
      add(
        "ledger-matches-emulator",
        `the ledger puts ${consumer.name} on ${expected ?? "-"}, the emulator on ${finalVersion ?? "-"}`,
      );
  });

  checkWriteInvariants(input, add);

  for (const r of input.unhandledRejections) add("no-unhandled-rejection", r);
  for (const p of input.malformedProblems) add("malformed-rejected", p);
  return { violations, endStates };
}

/** ETags compare without the weak prefix and quotes. */
function etagOf(value: string | undefined): string | undefined {
  return value?.trim().replace(/^W\//, "").replace(/^"|"$/g, "");
}

/** Statuses by which the emulator refuses a write as Azure would (not faults, throttling or 412). */
const refusedStatuses = new Set([400, 403, 409]);

/**
 * The write-path invariants: every ARM write of the service passed the runner's own judge over the
 * state it arrived in and was not refused; every successful write was conditional on the ETag
 * current when it arrived, and no field a person set was reverted; no ticket was closed while its
 * resource existed with the finding standing; consumers of a Managed HSM key were refused with a
 * reason, never failed or told the store was not found.
 */
function checkWriteInvariants(
  input: InvariantInput,
  add: (invariant: InvariantName, detail: string) => void,
): void {
  for (const w of input.armWrites ?? []) {
    const name = w.resourceId.split("/").pop() ?? w.resourceId;
    // Judged when ARM took the write or refused it as unsafe; a write answered 412 (stale ETag) or
    // with a fault was not made, and its retry is judged on its own.
    const made = (w.status >= 200 && w.status < 300) || refusedStatuses.has(w.status);
    if (made && w.verdict.problems.length > 0)
      add(
        "no-write-without-proof",
        `${w.method} ${name} (${w.verdict.kind}, answered ${w.status}, seq ${w.seq}): ${w.verdict.problems.join("; ")}`,
      );
    else if (refusedStatuses.has(w.status))
      add(
        "no-write-without-proof",
        `${w.method} ${name} (${w.verdict.kind}) was refused by ARM with ${w.status} (seq ${w.seq})`,
      );
    if (w.status >= 200 && w.status < 300 && w.method !== "DELETE") {
      if (w.ifMatch === undefined)
        add("no-write-over-human-change", `${w.method} ${name} succeeded without If-Match (seq ${w.seq})`);
      else if (etagOf(w.ifMatch) !== etagOf(w.etagAtArrival) && w.ifMatch.trim() !== "*")
        add(
          "no-write-over-human-change",
          `${w.method} ${name} succeeded with If-Match ${w.ifMatch} while the ETag was ${w.etagAtArrival ?? "none"}${w.raced ? " (a person had just edited it)" : ""} (seq ${w.seq})`,
        );
    }
  }
  for (const r of input.revertedFields ?? [])
    add(
      "no-write-over-human-change",
      `${r.resourceId.split("/").pop() ?? r.resourceId}: ${r.field} is ${JSON.stringify(r.found)}, a person set ${JSON.stringify(r.expected)} (found after ${r.when})`,
    );
  for (const c of input.closures ?? []) {
    const name = c.resourceId.split("/").pop() ?? c.resourceId;
    if (c.existed && c.asGone)
      add("no-ticket-closed-on-existing", `${c.findingCode} on ${name} closed as deleted while it exists`);
    else if (c.existed && c.stands !== undefined)
      add(
        "no-ticket-closed-on-existing",
        `${c.findingCode} on ${name} closed ("${c.reason}") while ${c.stands}`,
      );
  }
  const hsm = new Set(input.consumers.filter((c) => c.scenario === "hsm").map((c) => c.id.toLowerCase()));
  for (const a of input.ledgerActions) {
    if (!hsm.has(a.resourceId.toLowerCase()) || a.dryRun) continue;
    const name = a.resourceId.split("/").pop() ?? a.resourceId;
    // Retried until poisoned (an event that overtook its version, faults) is the queue's ordinary
    // end and is ticketed; any other failure of an HSM consumer is not a refusal with a reason.
    const poisoned = a.codes.includes("RotationFailed") || a.codes.includes("RemediationFailed");
    if (a.status === "failed" && !poisoned)
      add("hsm-refused-with-reason", `${a.action} on ${name} failed: ${a.reason}`);
    else if (a.action === "refuse" && (a.reason.trim() === "" || a.codes.length === 0))
      add("hsm-refused-with-reason", `${name} was refused without a reason or code`);
    else if (/not (be )?found/i.test(a.reason))
      add(
        "hsm-refused-with-reason",
        `${name}: the reason says a store that exists was not found: ${a.reason}`,
      );
  }
}
