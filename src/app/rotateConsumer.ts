import type { KeyVersionFacts, VaultFacts } from "../core/keyStores/keyFacts.js";
import { consumerFactsFromArm } from "../core/consumers/consumerFactsFromArm.js";
import { compareKeyVersions } from "../core/keyStores/keyVersionOrder.js";
import { stringField, type ArmResourceJson } from "../core/arm/armResource.js";
import type { ConsumerRule } from "../core/consumers/consumerRule.js";
import { consumerRuleFor } from "../core/consumers/registry.js";
import { keyRefFromUri, sameKey, sameKeyVersion, type KeyRef } from "../core/ids/keyId.js";
import type { Ledger } from "../core/ports/ledger.js";
import type { TicketRequestInput } from "../core/ports/ticketRequestStore.js";
import {
  decideRotation,
  type RotationDecision,
  type RotationSnapshot,
} from "../core/decisions/decideRotation.js";
import type { VmStates } from "../core/writes/keyChangeInput.js";
import { guardedWrite } from "./writes/guardedWrite.js";
import { readKeyAccess, type KeyAccessRead } from "./writes/readKeyAccess.js";
import type { WriteGate } from "./writes/writeGate.js";
import { rolloutBlock } from "./rollout/rolloutAdmission.js";
import type { RotateJob } from "../core/jobs/job.js";
import { KeyVersionNotListedError } from "../core/jobs/keyVersionNotListedError.js";
import type { ReportAction } from "../core/report/report.js";
import type { KeyVersionSummary, RotationPort, VersionedResource } from "../core/ports/rotationPort.js";
import { reasonList, whereBlock } from "../core/tickets/ticketText.js";
import type { DetectionSettings } from "../core/findings/detectionSettings.js";
import { keyStoreLoss, keyStoreLossFinding, type KeyStoreLoss } from "./keyStoreLoss.js";
import { factError } from "./sweepFactLoader.js";
import type { FactOutcome } from "../core/sweep/pageFacts.js";
import { actorForJob, type AuditContext } from "../core/audit/actor.js";
import { ownedFieldChanges, type FieldChange } from "../core/audit/fieldChange.js";
import type { WriteGuard } from "../core/plans/planGuard.js";

/** What the rotation worker needs. */
export interface RotationDeps {
  port: RotationPort;
  ledger: Pick<Ledger, "recordAction" | "requestTicket" | "getRollout">;
  dryRun: boolean;
  /** The kill switch and the write budget, asked before every write. */
  writeGate: WriteGate;
  expiryMarginDays: number;
  now: () => Date;
  /** The detection settings, for the exclusion hint of a key-loss ticket (worded as detection words it). */
  detection?: DetectionSettings;
  /** Who caused the run and the plan it applies, recorded with every action (audit trail). */
  audit?: AuditContext;
  /** Applying a plan: every write must be one the plan holds, on the resource version it read. */
  writeGuard?: WriteGuard;
}

/** What is recorded besides the action: snapshots and the owned fields' change of a write. */
export interface RecordExtra {
  before?: unknown;
  after?: unknown;
  fields?: FieldChange[];
}

/** The audit fields of every action a job records: its actor (given, or the job's own) and plan. */
export function auditFields(
  job: Parameters<typeof actorForJob>[0],
  audit: AuditContext | undefined,
): { actor: ReturnType<typeof actorForJob>; planId?: string } {
  return {
    actor: audit?.actor ?? actorForJob(job),
    ...(audit?.planId === undefined ? {} : { planId: audit.planId }),
  };
}

/** At most this many versions newer than the current one are examined (newest first). */
const maxCandidates = 10;

function vaultArmIdHint(resource: ArmResourceJson): string | undefined {
  return (
    stringField(resource, "properties", "activeKey", "sourceVault", "id") ??
    stringField(resource, "properties", "encryption", "keyVaultProperties", "keyVaultArmId")
  );
}

function summaryFacts(s: KeyVersionSummary, key: KeyRef): KeyVersionFacts {
  return {
    keyId: s.keyId,
    vaultUrl: key.vaultUrl,
    keyName: key.keyName,
    version: s.version,
    kty: "unknown",
    enabled: s.enabled,
    createdOn: s.createdOn,
    notBefore: s.notBefore,
    expiresOn: s.expiresOn,
    keyOps: [],
  };
}

/**
 * Reads the versions with full facts for those newer than the consumer's current one (the only
 * possible targets), and summaries for the rest (enough to order them).
 */
async function readVersions(
  port: RotationPort,
  key: KeyRef,
  currentVersion: string | undefined,
): Promise<KeyVersionFacts[] | undefined> {
  const summaries = await port.listKeyVersions(key.vaultUrl, key.keyName);
  if (summaries === undefined) return undefined;
  const current = summaries.find((s) => s.version.toLowerCase() === currentVersion?.toLowerCase());
  const newer = summaries
    .filter((s) => current === undefined || compareKeyVersions(s, current) > 0)
    .sort((a, b) => compareKeyVersions(b, a))
    .slice(0, maxCandidates);
  const detailed = new Map<string, KeyVersionFacts>();
  await Promise.all(
    newer.map(async (s) => {
      const facts = await port.getKeyVersion(key.vaultUrl, key.keyName, s.version);
      if (facts !== undefined) detailed.set(s.version, facts);
    }),
  );
  return summaries.map((s) => detailed.get(s.version) ?? summaryFacts(s, key));
}

async function readRoleAssignments(
  port: RotationPort,
  resource: ArmResourceJson,
  vault: VaultFacts | undefined,
  key: KeyRef,
): Promise<KeyAccessRead> {
  if (vault?.enableRbacAuthorization !== true) return { roleAssignments: [] };
  let principalId: string | undefined;
  try {
    principalId = consumerFactsFromArm(resource).identity?.principalId;
  } catch {
    return { roleAssignments: [] };
  }
  return readKeyAccess(port, vault, key, principalId);
}

function expiryTicket(job: RotateJob, rule: ConsumerRule, decision: RotationDecision): TicketRequestInput {
  const expired = job.trigger === "KeyExpired";
  const detail =
    decision.kind === "refuse" ? `\n\nWhy the service did not move it:\n${reasonList(decision.reasons)}` : "";
  return {
    resourceId: job.resourceId,
    resourceType: rule.resourceType,
    findingCode: expired ? "KeyExpired" : "KeyNearExpiry",
    severity: expired ? "urgent" : "high",
    title: `${expired ? "URGENT: key expired" : "Key expires soon"} for ${rule.displayName} ${job.resourceId.split("/").pop() ?? ""}`,
    body: [
      `The ${rule.displayName} below is encrypted with ${job.keyId}, which ${expired ? "has expired" : "expires soon"}, and no newer usable version of the key exists.`,
      "",
      whereBlock(job.resourceId, job.resourceType),
      "",
      `Why it matters: if the key becomes unusable, ${rule.keyLossConsequence}.`,
      "",
      "To fix: create a new version of the key (RSA, a size this resource supports, an expiry date well in the future, wrapKey and unwrapKey allowed). The service moves this resource to it automatically once it passes the preflight checks.",
      detail,
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  };
}

function refusalTicket(
  job: RotateJob,
  rule: ConsumerRule,
  decision: Extract<RotationDecision, { kind: "refuse" }>,
): TicketRequestInput {
  const restrictions = decision.restrictions ?? [];
  const offline = restrictions.some((r) => r.code === "DesConfidentialRotationOffline");
  return {
    resourceId: job.resourceId,
    resourceType: rule.resourceType,
    findingCode: "RotationRefused",
    severity: "high",
    title: `Key rotation refused for ${rule.displayName} ${job.resourceId.split("/").pop() ?? ""}`,
    body: [
      restrictions.length > 0
        ? `The service did not move this ${rule.displayName} from ${decision.from.keyId} to ${decision.to?.keyId ?? "a newer key version"}: a documented restriction on this write stands in the way.`
        : `The service did not move this ${rule.displayName} from ${decision.from.keyId} to ${decision.to?.keyId ?? "a newer key version"} because the new version would not be usable by it.`,
      "",
      whereBlock(job.resourceId, job.resourceType),
      "",
      ...(decision.reasons.length > 0 ? [`Checks that failed:\n${reasonList(decision.reasons)}`, ""] : []),
      ...(restrictions.length > 0
        ? [`Restrictions:\n${restrictions.map((r) => `- ${r.code}: ${r.message}`).join("\n")}`, ""]
        : []),
      ...(decision.reasons.length === 0 && restrictions.length === 0 ? [decision.reason, ""] : []),
      ...(offline ? [confidentialOfflineSteps(decision), ""] : []),
      `Why it matters: the resource stays on the old version; if that version is disabled or expires, ${rule.keyLossConsequence}.`,
      "",
      offline
        ? "What the service does by itself: it never changes the key of a confidential VM disk encryption set while any of its virtual machines runs. If every one of them is deallocated when the next key event, manual remediation or sweep comes, it moves the set and checks that the set shows the new key."
        : "What the service does by itself: once the problem is fixed, the next key event, manual remediation or sweep moves the resource.",
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  };
}

/**
 * Microsoft's offline rotation of a confidential VM disk encryption set
 * (confidential-computing/key-rotation-offline.md): stop every confidential VM using the set, change
 * the set's key, check that the set shows it (a rotation can half-apply: repeat it when it does not),
 * then start the VMs again.
 */
function confidentialOfflineSteps(decision: Extract<RotationDecision, { kind: "refuse" }>): string {
  return [
    'Documented offline rotation (Azure confidential computing, "Key rotation for confidential VMs"):',
    "1. Plan a maintenance window and stop (deallocate) every confidential VM that uses this disk encryption set. If one of them is still running, none of them receives the new key.",
    `2. Change the set's key to ${decision.to?.keyId ?? "the new key version"} (portal: Disk Encryption Sets > the set > Settings > Key > Change key), then save.`,
    "3. Check that the set now shows the new key version. In rare cases the change does not reach every VM and the set keeps the old key: repeat step 2.",
    "4. Start the virtual machines again. Keep the old key version enabled until every VM has started with the new one.",
  ].join("\n");
}

/**
 * Moves one consumer to the newest usable version of its key, or explains why not. Reads
 * everything fresh, decides purely, writes only when the decision is a rotation and the consumer
 * has not changed meanwhile, and verifies the write by reading it back. Azure errors propagate so
 * the queue retries the job.
 */
export async function rotateConsumer(job: RotateJob, deps: RotationDeps): Promise<ReportAction> {
  const base = { resourceId: job.resourceId, resourceType: job.resourceType };
  const record = async (action: ReportAction, extra: RecordExtra = {}): Promise<ReportAction> => {
    await deps.ledger.recordAction({
      ...action,
      ...extra,
      dryRun: deps.dryRun,
      eventId: job.eventId,
      correlationId: job.correlationId,
      jobId: job.jobId,
      ...auditFields(job, deps.audit),
    });
    return action;
  };
  const jobKey = keyRefFromUri(job.keyId);
  if (jobKey === undefined) {
    return record({
      ...base,
      action: "none",
      status: "failed",
      reason: `the job names an invalid key URI ${job.keyId}`,
    });
  }
  // Read once with its ETag: the write below reuses it (If-Match) instead of reading again.
  const read = await deps.port.readVersioned(job.resourceId);
  if (read === undefined) {
    return record({ ...base, action: "none", status: "skipped", reason: "the resource no longer exists" });
  }
  const resource = read.resource;
  const rule = consumerRuleFor(resource.type);
  if (rule === undefined) {
    return record({
      ...base,
      action: "none",
      status: "skipped",
      reason: `${resource.type} is not a key consumer`,
    });
  }
  const current = rule.currentKey(resource);
  // A key or vault gone from under the consumer is urgent: ticketed, never skipped in silence.
  const refuseIfGone = async (versions: FactOutcome): Promise<ReportAction | undefined> => {
    if (current === undefined || !sameKey(current, jobKey)) return undefined;
    const loss = await keyStoreLoss(deps.port, resource, current, versions);
    return loss === undefined ? undefined : refuseLoss(job, deps, resource, rule, current, loss, record);
  };
  let versions: KeyVersionFacts[] | undefined;
  try {
    versions = await readVersions(deps.port, jobKey, current?.version);
  } catch (error) {
    const refused = await refuseIfGone({ ok: false, error: factError(error) });
    if (refused === undefined) throw error;
    return refused;
  }
  if (versions === undefined) {
    const refused = await refuseIfGone({ ok: true, value: undefined });
    if (refused !== undefined) return refused;
    return record({
      ...base,
      action: "none",
      status: "skipped",
      reason: `the key ${jobKey.vaultUrl}/keys/${jobKey.keyName} no longer exists`,
    });
  }
  // The event may have overtaken its version: retry rather than finish and lose it (see the error).
  const announced = jobKey.version?.toLowerCase();
  if (
    !deps.dryRun &&
    job.trigger === "KeyNewVersionCreated" &&
    announced !== undefined &&
    current !== undefined &&
    sameKey(current, jobKey) &&
    !versions.some((v) => v.version.toLowerCase() === announced)
  ) {
    throw new KeyVersionNotListedError(jobKey.keyId);
  }
  const vault = await deps.port.readVault(jobKey.vaultUrl, vaultArmIdHint(resource));
  const access = await readRoleAssignments(deps.port, resource, vault, jobKey);
  const facts: Omit<RotationSnapshot, "resource" | "vmStates"> = {
    rule,
    jobKey,
    versions,
    vault,
    roleAssignments: access.roleAssignments,
    ...(access.unreadable === undefined ? {} : { roleAssignmentsUnreadable: access.unreadable }),
    now: deps.now(),
    expiryMarginDays: deps.expiryMarginDays,
  };
  const decide = async (fresh: ArmResourceJson): Promise<RotationDecision> =>
    decideRotation({
      ...facts,
      resource: fresh,
      ...(rule.needsVmStates?.(fresh) === true ? { vmStates: await readVmStates(deps.port, fresh.id) } : {}),
    });
  const decision = await decide(resource);

  const stillOnExpiring =
    (job.trigger === "KeyNearExpiry" || job.trigger === "KeyExpired") &&
    current !== undefined &&
    sameKeyVersion(current, jobKey) &&
    (decision.kind === "refuse" || (decision.kind === "none" && decision.code === "AlreadyNewest"));
  if (stillOnExpiring) {
    const ticket = deps.dryRun
      ? undefined
      : await deps.ledger.requestTicket(expiryTicket(job, rule, decision));
    return record({
      ...base,
      action: ticket?.count === 1 || deps.dryRun ? "open-ticket" : "update-ticket",
      status: deps.dryRun ? "planned" : "applied",
      from: current.keyId,
      reason: `still on ${job.trigger === "KeyExpired" ? "an expired" : "an expiring"} key version with no newer usable version: ${decision.reason}`,
      codes: [job.trigger],
      ...(ticket?.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
    });
  }

  switch (decision.kind) {
    case "defer":
      // A passing state (an operation or a re-wrap still running): the worker retries the job later.
      return record({
        ...base,
        action: "rotate-key",
        status: "skipped",
        from: decision.from.keyId,
        to: decision.to.keyId,
        reason: decision.reason,
        codes: [decision.code, ...decision.restrictions.map((r) => r.code)],
      });
    case "none":
      return record({
        ...base,
        action: "none",
        status: "skipped",
        reason: decision.reason,
        codes: [decision.code],
        ...(decision.from === undefined ? {} : { from: decision.from.keyId }),
      });
    case "refuse": {
      const ticket = deps.dryRun
        ? undefined
        : await deps.ledger.requestTicket(refusalTicket(job, rule, decision), {
            quietRepeat: job.trigger === "Sweep",
          });
      return record({
        ...base,
        action: "refuse",
        status: deps.dryRun ? "planned" : "skipped",
        from: decision.from.keyId,
        ...(decision.to === undefined ? {} : { to: decision.to.keyId }),
        reason: decision.reason,
        codes: refusalCodes(decision),
        ...(ticket?.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
      });
    }
    case "await-auto-rotation":
      return record({
        ...base,
        action: "rotate-key",
        status: "skipped",
        from: decision.from.keyId,
        to: decision.to.keyId,
        reason: decision.reason,
        codes: ["AwaitingAutoRotation", ...decision.warnings.map((w) => w.code)],
      });
    case "rotate":
      return applyRotation(job, deps, rule, decision, decide, record, read);
  }
}

/** The codes behind a refusal: the preflight's errors and the write restrictions, else the decision's own. */
function refusalCodes(decision: Extract<RotationDecision, { kind: "refuse" }>): string[] {
  const codes = [
    ...decision.reasons.filter((r) => r.severity === "error").map((r) => r.code),
    ...(decision.restrictions ?? []).map((r) => r.code),
  ];
  return codes.length > 0 ? [...new Set(codes)] : [decision.code];
}

/**
 * The power states of the VMs whose disks a set encrypts (DiskRP `ListAssociatedResources`, each
 * disk's `managedBy`, each VM's instance view), read just before a write that may only happen while
 * all of them are stopped. Anything that cannot be read makes the states unreadable, never "stopped".
 */
async function readVmStates(port: RotationPort, setId: string): Promise<VmStates> {
  try {
    const users = await port.listAssociatedResources(setId);
    if (users === undefined) return { vms: [], unreadable: `the set ${setId} was not found` };
    const vmIds = new Map<string, string>();
    for (const id of users) {
      if (!/\/providers\/microsoft\.compute\/disks\//i.test(id)) continue;
      const disk = await port.readResource(id);
      for (const vm of [disk?.managedBy, ...managedByExtended(disk)]) {
        if (typeof vm === "string" && vm !== "") vmIds.set(vm.toLowerCase(), vm);
      }
    }
    const vms: { id: string; powerState: string }[] = [];
    for (const id of vmIds.values()) {
      const powerState = await port.readPowerState(id);
      if (powerState === undefined) return { vms, unreadable: `virtual machine ${id} could not be read` };
      vms.push({ id, powerState });
    }
    return { vms };
  } catch (error) {
    return { vms: [], unreadable: error instanceof Error ? error.message : String(error) };
  }
}

/** Shared disks list their other VMs in `managedByExtended` (DiskRP `Disk`). */
function managedByExtended(disk: ArmResourceJson | undefined): unknown[] {
  const extended = disk?.managedByExtended;
  return Array.isArray(extended) ? extended : [];
}

/** The consumer's key or vault is gone: an urgent ticket and a refusal (nothing to rotate to). */
async function refuseLoss(
  job: RotateJob,
  deps: RotationDeps,
  resource: ArmResourceJson,
  rule: ConsumerRule,
  current: KeyRef,
  loss: KeyStoreLoss,
  record: (action: ReportAction) => Promise<ReportAction>,
): Promise<ReportAction> {
  const finding = keyStoreLossFinding(resource, rule, current, loss, deps.detection);
  const ticket = deps.dryRun
    ? undefined
    : await deps.ledger.requestTicket(
        {
          resourceId: job.resourceId,
          resourceType: rule.resourceType,
          findingCode: finding.code,
          severity: finding.severity,
          title: finding.title,
          body: finding.body,
          eventId: job.eventId,
          correlationId: job.correlationId,
        },
        { quietRepeat: job.trigger === "Sweep" },
      );
  return record({
    resourceId: job.resourceId,
    resourceType: job.resourceType,
    action: "refuse",
    status: deps.dryRun ? "planned" : "skipped",
    from: current.keyId,
    reason: finding.title,
    codes: [finding.code],
    ...(ticket?.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
  });
}

async function applyRotation(
  job: RotateJob,
  deps: RotationDeps,
  rule: ConsumerRule,
  decision: Extract<RotationDecision, { kind: "rotate" }>,
  decide: (fresh: ArmResourceJson) => Promise<RotationDecision>,
  record: (action: ReportAction, extra?: RecordExtra) => Promise<ReportAction>,
  initial: VersionedResource,
): Promise<ReportAction> {
  const action: ReportAction = {
    resourceId: job.resourceId,
    resourceType: rule.resourceType,
    action: "rotate-key",
    status: "planned",
    from: decision.from.keyId,
    to: decision.to.keyId,
    reason: decision.reason,
    codes: decision.warnings.map((w) => w.code),
  };
  if (deps.dryRun) return record(action);

  // A staged rollout of the target version decides when (and whether) this consumer follows it.
  const blocked = await rolloutBlock(job, deps.ledger, decision.to.keyId);
  if (blocked !== undefined)
    return record({ ...action, reason: blocked.reason, codes: [...(action.codes ?? []), blocked.code] });

  // Decided again on the read each write is built from: someone (or a duplicate job) may have
  // changed the resource since the first read, and a 412 means it changed since this one.
  const outcome = await guardedWrite<Extract<RotationDecision, { kind: "rotate" }>, ReportAction>(
    deps.port,
    job.resourceId,
    async (fresh) => {
      const freshKey = fresh === undefined ? undefined : rule.currentKey(fresh.resource);
      if (fresh === undefined || freshKey === undefined) {
        return stop({
          ...action,
          action: "none",
          status: "skipped",
          reason: "the resource changed before the write; nothing written",
        });
      }
      if (sameKeyVersion(freshKey, decision.to)) {
        return stop({ ...action, status: "skipped", reason: "already on the target version" });
      }
      if (!sameKeyVersion(freshKey, decision.from)) {
        return stop({
          ...action,
          action: "none",
          status: "skipped",
          reason: `the resource moved to ${freshKey.keyId} before the write; nothing written`,
        });
      }
      const again = await decide(fresh.resource);
      if (again.kind !== "rotate" || !sameKeyVersion(again.to, decision.to)) {
        return stop({
          ...action,
          action: again.kind === "refuse" ? "refuse" : "none",
          status: "skipped",
          reason: `decided again on a fresh read: ${again.reason}`,
          codes: again.kind === "refuse" ? refusalCodes(again) : again.kind === "defer" ? [again.code] : [],
        });
      }
      const stale = deps.writeGuard?.(job.resourceId, fresh, {
        action: "rotate-key",
        from: freshKey.keyId,
        to: again.to.keyId,
      });
      if (stale !== undefined) {
        return stop({
          ...action,
          status: "skipped",
          reason: `plan stale: ${stale}; nothing written`,
          codes: ["PlanStale"],
        });
      }
      const target = again.to;
      return {
        kind: "write",
        decision: again,
        patch: again.patch,
        verify: (after) => {
          const afterKey = rule.currentKey(after);
          return afterKey !== undefined && sameKeyVersion(afterKey, target);
        },
      };
    },
    { initial, gate: deps.writeGate },
  );
  if (outcome.kind === "stopped") return record(outcome.result);
  if (outcome.kind === "held") {
    return record({
      ...action,
      to: outcome.decision.to.keyId,
      reason: `would move to ${outcome.decision.to.keyId}, held: ${outcome.hold.reason}`,
      codes: [...(action.codes ?? []), outcome.hold.code],
      ...(outcome.hold.ticket === undefined ? {} : { ticket: outcome.hold.ticket }),
    });
  }
  if (outcome.kind === "conflict") {
    return record({
      ...action,
      status: "failed",
      reason: `the resource changed between every read and its write (${outcome.attempts} attempts); nothing written`,
      codes: ["WriteConflict"],
    });
  }
  const codes = [...(action.codes ?? []), ...(outcome.conditional ? [] : ["WriteWithoutETag"])];
  if (!outcome.verified) {
    const afterKey = outcome.after === undefined ? undefined : rule.currentKey(outcome.after);
    return record(
      {
        ...action,
        status: "failed",
        reason: `the write finished but the resource reports ${afterKey?.keyId ?? "no key"} instead of ${decision.to.keyId}`,
        codes,
      },
      writeRecord(outcome),
    );
  }
  // A staged rollout's wave is confirmed only by a resource that reads back Succeeded.
  const provisioning =
    outcome.after === undefined ? undefined : stringField(outcome.after, "properties", "provisioningState");
  if (provisioning !== undefined && provisioning.toLowerCase() !== "succeeded")
    codes.push("ProvisioningNotSucceeded");
  if (outcome.decision.shortExpiry === true) {
    await deps.ledger.requestTicket(shortExpiryTicket(job, rule, outcome.decision));
    codes.push("ShortExpiryAccepted");
  }
  return record({ ...action, status: "applied", codes }, writeRecord(outcome));
}

/** What the ledger keeps of a write: both snapshots and the owned fields before and after. */
export function writeRecord(outcome: {
  patch: Record<string, unknown>;
  before: unknown;
  after: unknown;
}): RecordExtra {
  return {
    before: outcome.before,
    after: outcome.after,
    fields: ownedFieldChanges(outcome.patch, outcome.before, outcome.after),
  };
}

function stop(result: ReportAction): { kind: "stop"; result: ReportAction } {
  return { kind: "stop", result };
}

function shortExpiryTicket(
  job: RotateJob,
  rule: ConsumerRule,
  decision: Extract<RotationDecision, { kind: "rotate" }>,
): TicketRequestInput {
  return {
    resourceId: job.resourceId,
    resourceType: rule.resourceType,
    findingCode: "KeyExpiresSoonAfterRotation",
    severity: "high",
    title: `Short-lived key version for ${rule.displayName} ${job.resourceId.split("/").pop() ?? ""}`,
    body: [
      `The ${rule.displayName} below was on ${decision.from.keyId}, which has expired, so the service moved it to ${decision.to.keyId}, the newest version it can use. That version also expires within the configured margin.`,
      "",
      whereBlock(job.resourceId, job.resourceType),
      "",
      `Why it matters: when that version expires too, ${rule.keyLossConsequence}.`,
      "",
      "To fix: create a new version of the key with an expiry date well in the future (RSA, a size this resource supports, wrapKey and unwrapKey allowed). The service moves the resource to it once it passes the preflight checks.",
    ].join("\n"),
    eventId: job.eventId,
    correlationId: job.correlationId,
  };
}
