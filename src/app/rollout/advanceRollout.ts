import { decodeJob, type Job, type RotateJob } from "../../core/jobs/job.js";
import type { JobQueue } from "../../core/ports/jobQueue.js";
import type { Ledger } from "../../core/ports/ledger.js";
import type { ReportAction } from "../../core/report/report.js";
import {
  memberOutcome,
  nextRolloutStep,
  type Rollout,
  type RolloutMember,
} from "../../core/rollout/rolloutState.js";
import type { TicketSink } from "../../core/tickets/ticketSink.js";
import { dispatchTickets } from "../tickets/dispatchTickets.js";

/** What moving a rollout on needs. */
export interface RolloutDeps {
  ledger: Pick<
    Ledger,
    | "getRollout"
    | "listRolloutMembers"
    | "settleRolloutMember"
    | "markRolloutMembersReleased"
    | "updateRollout"
    | "requestTicket"
    | "recordAction"
  > &
    Parameters<typeof dispatchTickets>[0];
  queue: JobQueue;
  tickets?: TicketSink | undefined;
  now: () => Date;
}

/** The resource type of a rollout's ticket and action: the key version itself. */
export const rolloutResourceType = "Microsoft.KeyVault/vaults/keys/versions";

/**
 * Records what one rollout job came to and moves its rollout on. Called by the worker after the job's
 * action is recorded and before the job is marked done, so a worker that dies in between has its
 * message redelivered and this runs again (a settled member is not settled twice).
 */
export async function settleRolloutJob(
  job: RotateJob,
  action: ReportAction,
  deps: RolloutDeps,
): Promise<void> {
  if (job.rollout === undefined) return;
  await deps.ledger.settleRolloutMember(job.rollout, job.resourceId, memberOutcome(action), action.reason);
  await advanceRollout(job.rollout, deps);
}

/**
 * Moves a rollout one step on (see {@link nextRolloutStep}): releases the next wave once every member
 * of the released ones settled, halts it on a failure (one ticket for the key version), stops it when
 * the budget or the kill switch held a write, or ends it. Every change is conditional on the state
 * read, so of concurrent workers exactly one releases a wave or opens the ticket.
 */
export async function advanceRollout(rolloutId: string, deps: RolloutDeps): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const rollout = await deps.ledger.getRollout(rolloutId);
    if (rollout === undefined) return;
    const members = await deps.ledger.listRolloutMembers(rolloutId);
    const step = nextRolloutStep(rollout, members, deps.now());
    const expected = { wave: rollout.wave, state: rollout.state };
    switch (step.kind) {
      case "wait":
        return;
      case "resend":
        await sendMembers(rolloutId, step.members, 0, deps);
        return;
      case "release":
        if (await deps.ledger.updateRollout(rolloutId, expected, { wave: step.wave })) {
          await sendMembers(rolloutId, step.members, rollout.pauseSeconds, deps);
          return;
        }
        break;
      case "halt": {
        const reason = `${step.failed.length} write(s) of wave ${rollout.wave + 1} failed: ${step.failed
          .map((m) => `${m.resourceId}: ${m.reason ?? "failed"}`)
          .join("; ")}`;
        if (await deps.ledger.updateRollout(rolloutId, expected, { state: "halted", reason })) {
          await haltTicket(rollout, step.failed, members, deps);
          return;
        }
        break;
      }
      case "stop": {
        const reason = `the write budget or the kill switch held ${step.gated.length} write(s) of wave ${rollout.wave + 1}`;
        if (await deps.ledger.updateRollout(rolloutId, expected, { state: "stopped", reason })) return;
        break;
      }
      case "done":
        if (await deps.ledger.updateRollout(rolloutId, expected, { state: "done" })) return;
        break;
    }
  }
}

/** Puts members' held jobs on the queue (visible after `delaySeconds`), then marks them released. */
export async function sendMembers(
  rolloutId: string,
  members: readonly RolloutMember[],
  delaySeconds: number,
  deps: Pick<RolloutDeps, "ledger" | "queue">,
): Promise<void> {
  if (members.length === 0) return;
  const jobs: Job[] = members.map((m) => decodeJob(m.job));
  await deps.queue.enqueue(jobs, delaySeconds > 0 ? { delaySeconds } : {});
  await deps.ledger.markRolloutMembersReleased(
    rolloutId,
    members.map((m) => m.resourceId),
  );
}

/** One ticket for the key version: which writes failed, and how many consumers were not moved. */
async function haltTicket(
  rollout: Rollout,
  failed: readonly RolloutMember[],
  members: readonly RolloutMember[],
  deps: RolloutDeps,
): Promise<void> {
  const notMoved = members.filter((m) => m.wave > rollout.wave || m.state === "held").length;
  const resourceId = rollout.keyId.toLowerCase();
  const title = `Staged rollout of ${rollout.keyId} halted after wave ${rollout.wave + 1} of ${rollout.waves}`;
  const ticket = await deps.ledger.requestTicket({
    resourceId,
    resourceType: rolloutResourceType,
    findingCode: "RolloutHalted",
    severity: "high",
    title,
    body: [
      `The service was moving the consumers of the key version ${rollout.keyId} in waves. A write of wave ${rollout.wave + 1} failed or did not read back the new version, so it stopped: ${notMoved} consumer(s) of later waves were not touched and stay on their current version.`,
      "",
      "Writes that failed:",
      ...failed.map((m) => `- \`${m.resourceId}\` (${m.resourceType}): ${m.reason ?? "failed"}`),
      "",
      "Why it matters: a key version that one consumer could not take may fail on the others too; the remaining consumers stay on the previous version, which must stay enabled until they move.",
      "",
      `To finish: find out why the write failed (the resource's activity log), fix it, then run \`cmkr remediate ${rollout.keyId} --apply\` (or POST /api/remediate with the key id): the manual remediation moves the rest, again in waves. Until then events and the sweep do not move consumers to this version.`,
    ].join("\n"),
  });
  await deps.ledger.recordAction({
    resourceId,
    resourceType: rolloutResourceType,
    action: ticket.count === 1 ? "open-ticket" : "update-ticket",
    status: "applied",
    to: rollout.keyId,
    reason: title,
    codes: ["RolloutHalted"],
    dryRun: false,
  });
  if (deps.tickets !== undefined) await dispatchTickets(deps.ledger, deps.tickets, { resourceId });
}
