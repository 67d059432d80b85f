import { jobKeys } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { Ledger } from "../core/ports/ledger.js";
import { keyRefFromUri } from "../core/ids/keyId.js";
import type { ArmResourceJson } from "../core/arm/armResource.js";
import { moduleFor } from "../core/consumers/registry.js";
import type { DetectionSettings } from "../core/findings/detectionSettings.js";
import { evaluateResource } from "../core/findings/evaluateResource.js";
import { FINDING_CODES, type Evaluation, type Finding, type Remediation } from "../core/findings/finding.js";
import type { ScopeResolver } from "../core/decisions/scopeGuard.js";
import { onlyTransient, type WriteRestriction } from "../core/writes/writeRestriction.js";
import { guardedWrite } from "./writes/guardedWrite.js";
import { proveRemediation, type RemediationProof } from "./writes/proveRemediation.js";
import type { EvaluateJob, RotateJob } from "../core/jobs/job.js";
import type { ReportAction } from "../core/report/report.js";
import {
  auditFields,
  rotateConsumer,
  writeRecord,
  type RecordExtra,
  type RotationDeps,
} from "./rotateConsumer.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import { buildMlRecreationKit } from "../core/consumers/mlWorkspace/recreation/mlRecreationKit.js";
import { readMlRecreationFacts } from "./mlRecreation/readMlRecreationFacts.js";
import { ruleContextFromFacts } from "../core/sweep/ruleContextFromFacts.js";
import { SweepFactLoader } from "./sweepFactLoader.js";

/** What evaluating a resource needs. */
export interface EvaluationDeps extends RotationDeps {
  ledger: Pick<Ledger, "recordAction" | "requestTicket" | "resolveTickets" | "getRollout">;
  detection: DetectionSettings;
  scope: GraphScope;
  /** The configured scope: a disk encryption set attached in enforce mode must be inside it. */
  resolveScope: ScopeResolver;
}

// Codes the rules decide from one snapshot. A stalled automatic rotation is judged by the sweep
// against the service's own expectation, so an evaluation cannot say it is gone.
const findingCodes: ReadonlySet<string> = new Set(
  FINDING_CODES.filter((c) => c !== "DesAutoRotationStalled"),
);

/**
 * Reads what the rules need besides the resource, as the sweep does: its key's vault, versions and
 * version in use, then a deleted key or vault and the role assignments of a vault using Azure RBAC;
 * a Project's Hub; a vault's use; what a Machine Learning workspace without a customer-managed key
 * holds. A read that fails makes the resource undetermined, never compliant.
 */
async function readContext(resource: ArmResourceJson, port: RotationPort, deps: EvaluationDeps) {
  const facts = await new SweepFactLoader(port, deps.scope, 64).forPage([resource]);
  const context = ruleContextFromFacts(resource, facts, deps.detection, deps.now());
  const needsKit = (moduleFor(resource.type)?.contextNeeds?.(resource) ?? []).some(
    (need) => need.kind === "mlRecreation",
  );
  if (!needsKit) return context;
  return {
    ...context,
    mlRecreation: buildMlRecreationKit(await readMlRecreationFacts(resource, deps), deps.now()),
  };
}

function ticketFor(finding: Finding, job: EvaluateJob, extra?: string) {
  return {
    resourceId: finding.resourceId,
    resourceType: finding.resourceType,
    findingCode: finding.code,
    severity: finding.severity,
    title: finding.title,
    body: extra === undefined ? finding.body : `${finding.body}\n\n${extra}`,
    eventId: job.eventId,
    correlationId: job.correlationId,
  };
}

/**
 * Evaluates one resource against the detection rules and acts: a safe in-place fix where the
 * configuration allows one (re-read, written, verified), otherwise one ticket request per finding;
 * CMK consumers get a catch-up rotation; tickets whose finding is gone are resolved.
 */
export async function evaluateJob(job: EvaluateJob, deps: EvaluationDeps): Promise<ReportAction[]> {
  const { port, ledger } = deps;
  const base = { resourceId: job.resourceId, resourceType: job.resourceType };
  const record = async (action: ReportAction, extra: RecordExtra = {}): Promise<ReportAction> => {
    await ledger.recordAction({
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
  const resource = job.inline ?? (await port.readResource(job.resourceId));
  if (resource === undefined) {
    const closed = deps.dryRun
      ? []
      : await ledger.resolveTickets(job.resourceId, "all", "the resource no longer exists");
    return [
      await record({
        ...base,
        action: "none",
        status: "skipped",
        reason: `the resource no longer exists${closed.length > 0 ? `; ${closed.length} ticket(s) resolved` : ""}`,
      }),
    ];
  }
  const evaluation = evaluateResource(resource, await readContext(resource, port, deps));
  const actions: ReportAction[] = [];
  if (evaluation.excluded !== undefined) {
    return [
      await record({
        ...base,
        action: "none",
        status: "skipped",
        reason: evaluation.excluded.reason,
        codes: ["Excluded"],
      }),
    ];
  }
  const undetermined = evaluation.undetermined;
  if (undetermined !== undefined && evaluation.findings.length === 0) {
    // A field of an unexpected shape is the resource's fault, not a passing one: a failed action naming it.
    return [
      await record({
        ...base,
        action: "none",
        status: undetermined.field === undefined ? "skipped" : "failed",
        reason: undetermined.reason,
        codes: undetermined.field === undefined ? ["Undetermined"] : ["Undetermined", "ArmFactsInvalid"],
      }),
    ];
  }

  for (const finding of evaluation.findings) {
    // Nothing is written to a resource that could not be fully judged: its findings are ticketed.
    const remediation = undetermined === undefined ? finding.remediation : undefined;
    if (remediation !== undefined && remediation.kind !== "catch-up-rotation") {
      const outcome = await applyRemediation(job, finding, remediation, resource, deps, record);
      if (outcome.refused === undefined) {
        actions.push(outcome.action);
        continue;
      }
      const refused = outcome.refused;
      const ticket = deps.dryRun
        ? undefined
        : await ledger.requestTicket(
            ticketFor(
              finding,
              job,
              `The service did not fix this by itself: a documented restriction stands in the way.\n${refused.map((r) => `- ${r.code}: ${r.message}`).join("\n")}`,
            ),
            { quietRepeat: job.trigger === "Sweep" },
          );
      actions.push(
        await record({
          ...base,
          action: ticket === undefined || ticket.count === 1 ? "open-ticket" : "update-ticket",
          status: deps.dryRun ? "planned" : "applied",
          reason: `${finding.title}; the service cannot fix it safely: ${refused.map((r) => r.message).join("; ")}`,
          codes: [finding.code, ...refused.map((r) => r.code)],
          ...(ticket?.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
        }),
      );
      continue;
    }
    // A sweep re-confirms standing findings: their tickets are updated only when the text changed.
    const ticket = deps.dryRun
      ? undefined
      : await ledger.requestTicket(ticketFor(finding, job), { quietRepeat: job.trigger === "Sweep" });
    actions.push(
      await record({
        ...base,
        action: ticket === undefined || ticket.count === 1 ? "open-ticket" : "update-ticket",
        status: deps.dryRun ? "planned" : "applied",
        reason: finding.title,
        codes: [finding.code],
        ...(ticket?.ticketUrl === undefined ? {} : { ticket: ticket.ticketUrl }),
      }),
    );
  }

  // What could not be judged is not rotated either.
  for (const work of undetermined === undefined ? evaluation.maintenance : []) {
    if (work.kind !== "catch-up-rotation") continue;
    const key = keyRefFromUri(work.keyId);
    if (key === undefined) continue;
    const rotation: RotateJob = {
      v: 1,
      kind: "rotate",
      jobId: randomUUID(),
      ...jobKeys.catchUpRotation(job),
      resourceId: job.resourceId,
      resourceType: resource.type,
      keyId: `${key.vaultUrl}/keys/${key.keyName}`,
      trigger: job.trigger === "Sweep" ? "Sweep" : "Manual",
      eventId: job.eventId,
      correlationId: job.correlationId,
      enqueuedAt: job.enqueuedAt,
    };
    const action = await rotateConsumer(rotation, deps);
    // "Already on the newest version" is the normal case; it says nothing new.
    if (!(action.action === "none" && action.codes?.includes("AlreadyNewest") === true)) actions.push(action);
  }

  // A ticket closes only on a fresh ARM read: an event's inline copy may be stale.
  const confirmed = job.inline === undefined ? evaluation : await freshEvaluation(job.resourceId, port, deps);
  if (!deps.dryRun && confirmed === "gone") {
    const closed = await ledger.resolveTickets(job.resourceId, "all", "the resource no longer exists");
    for (const t of closed) {
      actions.push(
        await record({
          ...base,
          action: "update-ticket",
          status: "applied",
          reason: `resolved: ${t.title}`,
          codes: [t.findingCode],
        }),
      );
    }
  }
  // Undetermined: a finding that could not be checked may still hold, so no ticket is resolved.
  if (
    !deps.dryRun &&
    undetermined === undefined &&
    confirmed !== undefined &&
    confirmed !== "gone" &&
    isJudged(confirmed)
  ) {
    const current = new Set<string>(confirmed.findings.map((f) => f.code));
    const resolved = await ledger.resolveTickets(
      job.resourceId,
      { candidates: findingCodes, current },
      "the finding is gone: the resource is compliant now",
    );
    for (const t of resolved) {
      actions.push(
        await record({
          ...base,
          action: "update-ticket",
          status: "applied",
          reason: `resolved: ${t.title}`,
          codes: [t.findingCode],
        }),
      );
    }
  }
  if (undetermined !== undefined) {
    actions.push(
      await record({
        ...base,
        action: "none",
        status: undetermined.field === undefined ? "skipped" : "failed",
        reason: `not fully judged: ${undetermined.reason}`,
        codes: undetermined.field === undefined ? ["Undetermined"] : ["Undetermined", "ArmFactsInvalid"],
      }),
    );
  }
  if (actions.length === 0) {
    actions.push(
      await record({
        ...base,
        action: "none",
        status: "skipped",
        reason: evaluation.compliant ? "compliant" : "nothing to do",
        codes: evaluation.compliant ? ["Compliant"] : [],
      }),
    );
  }
  return actions;
}

/** What applying an in-place fix came to: the action, or the restrictions that refused it (ticket). */
interface RemediationOutcome {
  action: ReportAction;
  refused?: readonly WriteRestriction[];
}

/**
 * Applies an in-place fix through the one guarded write: on each fresh read the finding must still
 * call for the fix, the write path's proof must hold (restrictions: a ticket, or a retry for a passing
 * state), the patch is built from that read and written with its ETag, and the result is read back.
 * A dry run proves on the current read and writes nothing.
 */
async function applyRemediation(
  job: EvaluateJob,
  finding: Finding,
  fix: Exclude<Remediation, { kind: "catch-up-rotation" }>,
  resource: ArmResourceJson,
  deps: EvaluationDeps,
  record: (action: ReportAction, extra?: RecordExtra) => Promise<ReportAction>,
): Promise<RemediationOutcome> {
  const base = { resourceId: job.resourceId, resourceType: job.resourceType, codes: [finding.code] };
  const action = fix.kind === "enable-auto-rotation" ? "none" : "enable-cmk";
  const what =
    fix.kind === "enable-cmk"
      ? `switch to customer-managed key ${fix.keyId}`
      : fix.kind === "attach-des"
        ? `encrypt with disk encryption set ${fix.desId}`
        : "turn automatic key rotation on";
  const judge = async (read: ArmResourceJson): Promise<RemediationOutcome | RemediationProof> => {
    const proof = await proveRemediation(fix, read, deps);
    if (proof.restrictions.length === 0 && proof.patch !== undefined) return proof;
    if (onlyTransient(proof.restrictions)) {
      const reason = proof.restrictions.map((r) => r.message).join("; ");
      return {
        action: {
          ...base,
          action,
          status: "skipped",
          reason: `${finding.title}: would ${what}, not yet: ${reason}`,
          codes: [finding.code, "AwaitingState", ...proof.restrictions.map((r) => r.code)],
        },
      };
    }
    return {
      action: { ...base, action: "refuse", status: "skipped", reason: what },
      refused: proof.restrictions,
    };
  };
  if (deps.dryRun) {
    const planned = await judge(resource);
    if ("action" in planned) return { ...planned, action: await record(planned.action) };
    return {
      action: await record({ ...base, action, status: "planned", reason: `${finding.title}: would ${what}` }),
    };
  }
  const outcome = await guardedWrite<null, RemediationOutcome>(
    deps.port,
    job.resourceId,
    async (fresh) => {
      if (fresh === undefined) {
        return {
          kind: "stop",
          result: {
            action: { ...base, action: "none", status: "skipped", reason: "the resource no longer exists" },
          },
        };
      }
      const again = evaluateResource(fresh.resource, { settings: deps.detection, now: deps.now() });
      const still = again.findings.find((f) => f.code === finding.code && f.remediation?.kind === fix.kind);
      if (still === undefined) {
        return {
          kind: "stop",
          result: {
            action: {
              ...base,
              action: "none",
              status: "skipped",
              reason: "the resource changed before the write; nothing written",
            },
          },
        };
      }
      const judged = await judge(fresh.resource);
      if ("action" in judged) return { kind: "stop", result: judged };
      const stale = deps.writeGuard?.(job.resourceId, fresh, { action });
      if (stale !== undefined) {
        return {
          kind: "stop",
          result: {
            action: {
              ...base,
              action,
              status: "skipped",
              reason: `plan stale: ${stale}; nothing written (${what})`,
              codes: [finding.code, "PlanStale"],
            },
          },
        };
      }
      return { kind: "write", decision: null, patch: judged.patch ?? {}, verify: judged.verify };
    },
    { gate: deps.writeGate },
  );
  if (outcome.kind === "stopped") {
    const result = outcome.result;
    return result.refused === undefined ? { action: await record(result.action) } : result;
  }
  if (outcome.kind === "held") {
    return {
      action: await record({
        ...base,
        action,
        status: "planned",
        reason: `${finding.title}: would ${what}, held: ${outcome.hold.reason}`,
        codes: [finding.code, outcome.hold.code],
        ...(outcome.hold.ticket === undefined ? {} : { ticket: outcome.hold.ticket }),
      }),
    };
  }
  if (outcome.kind === "conflict") {
    return {
      action: await record({
        ...base,
        action,
        status: "failed",
        reason: `the resource changed between every read and its write (${outcome.attempts} attempts); nothing written (${what})`,
        codes: [finding.code, "WriteConflict"],
      }),
    };
  }
  const codes = [finding.code, ...(outcome.conditional ? [] : ["WriteWithoutETag"])];
  if (!outcome.verified) {
    return {
      action: await record(
        {
          ...base,
          action,
          status: "failed",
          reason: `the write finished but the resource does not show it (${what})`,
          codes,
        },
        writeRecord(outcome),
      ),
    };
  }
  return {
    action: await record(
      { ...base, action, status: "applied", reason: `${finding.title}: ${what}`, codes },
      writeRecord(outcome),
    ),
  };
}

/** The resource read fresh from ARM and judged: `gone` on 404, undefined when it cannot be judged now. */
async function freshEvaluation(
  resourceId: string,
  port: RotationPort,
  deps: EvaluationDeps,
): Promise<Evaluation | "gone" | undefined> {
  const fresh = await port.readResource(resourceId);
  if (fresh === undefined) return "gone";
  return evaluateResource(fresh, await readContext(fresh, port, deps));
}

/** A judgement a ticket may be resolved on: neither excluded nor undetermined. */
function isJudged(evaluation: Evaluation): boolean {
  return evaluation.excluded === undefined && evaluation.undetermined === undefined;
}
