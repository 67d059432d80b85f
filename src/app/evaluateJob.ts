import { jobKeys } from "../core/jobs/jobKeys.js";
import { randomUUID } from "node:crypto";
import type { GraphScope } from "../core/ports/graphScope.js";
import type { Ledger } from "../core/ports/ledger.js";
import { consumerFactsFromArm } from "../core/consumers/consumerFactsFromArm.js";
import { keyRefFromUri, parseKeyId } from "../core/ids/keyId.js";
import { preflight } from "../core/preflight/preflight.js";
import { stringField, type ArmResourceJson } from "../core/arm/armResource.js";
import { consumerRuleFor } from "../core/consumers/registry.js";
import type { DetectionSettings } from "../core/findings/detectionSettings.js";
import { evaluateResource } from "../core/findings/evaluateResource.js";
import { FINDING_CODES, type Finding, type Remediation } from "../core/findings/finding.js";
import type { EvaluateJob, RotateJob } from "../core/jobs/job.js";
import type { ReportAction } from "../core/report/report.js";
import { rotateConsumer, type RotationDeps } from "./rotateConsumer.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import { reasonList } from "../core/tickets/ticketText.js";
import { ruleContextFromFacts } from "../core/sweep/ruleContextFromFacts.js";
import { SweepFactLoader } from "./sweepFactLoader.js";

/** What evaluating a resource needs. */
export interface EvaluationDeps extends RotationDeps {
  ledger: Pick<Ledger, "recordAction" | "requestTicket" | "resolveTickets">;
  detection: DetectionSettings;
  scope: GraphScope;
}

// Codes the rules decide from one snapshot. A stalled automatic rotation is judged by the sweep
// against the service's own expectation, so an evaluation cannot say it is gone.
const findingCodes: ReadonlySet<string> = new Set(
  FINDING_CODES.filter((c) => c !== "DesAutoRotationStalled"),
);

/**
 * Reads what the rules need besides the resource, as the sweep does: its key's vault, versions and
 * version in use, then a deleted key or vault and the role assignments of a vault using Azure RBAC;
 * a Project's Hub; a vault's use. A read that fails makes the resource undetermined, never compliant.
 */
async function readContext(resource: ArmResourceJson, port: RotationPort, deps: EvaluationDeps) {
  const facts = await new SweepFactLoader(port, deps.scope, 64).forPage([resource]);
  return ruleContextFromFacts(resource, facts, deps.detection, deps.now());
}

/**
 * Proves an enforce-mode switch to a customer-managed key safe: the same preflight as a rotation,
 * for the account and the configured key version. Returns the failing reasons (none when safe).
 */
async function enableCmkProblems(
  resource: ArmResourceJson,
  keyId: string,
  port: RotationPort,
  deps: EvaluationDeps,
) {
  const id = parseKeyId(keyId);
  if (id.version === undefined) return [`the enforce key ${keyId} names no version`];
  const [key, vault] = await Promise.all([
    port.getKeyVersion(id.vaultUrl, id.name, id.version),
    port.readVault(id.vaultUrl),
  ]);
  if (key === undefined) return [`the enforce key version ${keyId} does not exist`];
  if (vault === undefined) return [`the vault ${id.vaultUrl} was not found`];
  const consumer = consumerFactsFromArm(resource);
  const principal = consumer.identity?.principalId;
  const roles =
    vault.enableRbacAuthorization && principal !== undefined
      ? await port.listRoleAssignments(vault.armId, principal)
      : [];
  const result = preflight({
    consumer,
    key,
    vault,
    roleAssignments: roles,
    now: deps.now(),
    expiryMarginDays: deps.expiryMarginDays,
  });
  return result.ok ? [] : [reasonList(result.reasons.filter((r) => r.severity === "error"))];
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

/** What the remediation sets, read back to verify the write. */
function remediationHeld(remediation: Remediation, after: ArmResourceJson | undefined): boolean {
  if (after === undefined) return false;
  switch (remediation.kind) {
    case "enable-cmk":
      return (
        consumerRuleFor(after.type)?.currentKey(after)?.keyId.toLowerCase() ===
        remediation.keyId.toLowerCase()
      );
    case "attach-des":
      return (
        stringField(after, "properties", "encryption", "diskEncryptionSetId")?.toLowerCase() ===
        remediation.desId.toLowerCase()
      );
    case "enable-auto-rotation":
      return (
        (after.properties as { rotationToLatestKeyVersionEnabled?: unknown } | undefined)
          ?.rotationToLatestKeyVersionEnabled === true
      );
    case "catch-up-rotation":
      return true;
  }
}

/**
 * Evaluates one resource against the detection rules and acts: a safe in-place fix where the
 * configuration allows one (re-read, written, verified), otherwise one ticket request per finding;
 * CMK consumers get a catch-up rotation; tickets whose finding is gone are resolved.
 */
export async function evaluateJob(job: EvaluateJob, deps: EvaluationDeps): Promise<ReportAction[]> {
  const { port, ledger } = deps;
  const base = { resourceId: job.resourceId, resourceType: job.resourceType };
  const record = async (
    action: ReportAction,
    extra: { before?: unknown; after?: unknown } = {},
  ): Promise<ReportAction> => {
    await ledger.recordAction({
      ...action,
      ...extra,
      dryRun: deps.dryRun,
      eventId: job.eventId,
      correlationId: job.correlationId,
      jobId: job.jobId,
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
      let problems: string[] = [];
      if (remediation.kind === "enable-cmk")
        problems = await enableCmkProblems(resource, remediation.keyId, port, deps);
      if (problems.length === 0) {
        actions.push(await applyRemediation(job, finding, remediation, deps, record));
        continue;
      }
      const ticket = deps.dryRun
        ? undefined
        : await ledger.requestTicket(
            ticketFor(
              finding,
              job,
              `The service did not switch this resource to a customer-managed key by itself because:\n${problems.join("\n")}`,
            ),
            { quietRepeat: job.trigger === "Sweep" },
          );
      actions.push(
        await record({
          ...base,
          action: ticket === undefined || ticket.count === 1 ? "open-ticket" : "update-ticket",
          status: deps.dryRun ? "planned" : "applied",
          reason: `${finding.title}; enforce mode cannot fix it safely: ${problems.join("; ")}`,
          codes: [finding.code],
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

  // Undetermined: a finding that could not be checked may still hold, so no ticket is resolved.
  if (!deps.dryRun && undetermined === undefined) {
    const current = new Set<string>(evaluation.findings.map((f) => f.code));
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

async function applyRemediation(
  job: EvaluateJob,
  finding: Finding,
  remediation: Exclude<Remediation, { kind: "catch-up-rotation" }>,
  deps: EvaluationDeps,
  record: (action: ReportAction, extra?: { before?: unknown; after?: unknown }) => Promise<ReportAction>,
): Promise<ReportAction> {
  const base = { resourceId: job.resourceId, resourceType: job.resourceType, codes: [finding.code] };
  const action = remediation.kind === "enable-auto-rotation" ? "none" : "enable-cmk";
  const what =
    remediation.kind === "enable-cmk"
      ? `switch to customer-managed key ${remediation.keyId}`
      : remediation.kind === "attach-des"
        ? `encrypt with disk encryption set ${remediation.desId}`
        : "turn automatic key rotation on";
  if (deps.dryRun)
    return record({ ...base, action, status: "planned", reason: `${finding.title}: would ${what}` });
  // Re-read right before writing: the rules judged a snapshot that may be stale (an event's inline copy).
  const fresh = await deps.port.readResource(job.resourceId);
  if (fresh === undefined)
    return record({ ...base, action: "none", status: "skipped", reason: "the resource no longer exists" });
  const again = evaluateResource(fresh, { settings: deps.detection, now: deps.now() });
  const still = again.findings.find(
    (f) => f.code === finding.code && f.remediation?.kind === remediation.kind,
  );
  if (still === undefined) {
    return record({
      ...base,
      action: "none",
      status: "skipped",
      reason: "the resource changed before the write; nothing written",
    });
  }
  await deps.port.patchResource(fresh, remediation.patch);
  const after = await deps.port.readResource(job.resourceId);
  if (!remediationHeld(remediation, after)) {
    return record(
      {
        ...base,
        action,
        status: "failed",
        reason: `the write finished but the resource does not show it (${what})`,
      },
      { before: fresh, after },
    );
  }
  return record(
    { ...base, action, status: "applied", reason: `${finding.title}: ${what}` },
    { before: fresh, after },
  );
}
