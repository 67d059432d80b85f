import type { Job } from "../jobs/job.js";

/**
 * Who caused a write, as the audit trail records it: a delivered event, a sweep run, an HTTP caller
 * authenticated by Microsoft Entra ID (its object id and application id), a CLI user, or a manual
 * operation queued by one of those.
 */
export type Actor =
  | { kind: "event"; eventId: string }
  | { kind: "sweep"; runId: string }
  | { kind: "operation"; operationId: string }
  | { kind: "http"; oid: string; appId?: string; name?: string }
  | { kind: "cli"; user: string };

/** The actor a job carries by itself: its event, its sweep run or its manual operation. */
export function actorForJob(job: Pick<Job, "trigger" | "eventId" | "correlationId">): Actor {
  if (job.trigger === "Sweep") return { kind: "sweep", runId: job.correlationId };
  if (job.trigger === "Manual") return { kind: "operation", operationId: job.correlationId };
  return { kind: "event", eventId: job.eventId };
}

/** One line naming the actor, for tables and logs. */
export function actorText(actor: Actor | undefined): string {
  if (actor === undefined) return "-";
  switch (actor.kind) {
    case "event":
      return `event ${actor.eventId}`;
    case "sweep":
      return `sweep ${actor.runId}`;
    case "operation":
      return `manual ${actor.operationId}`;
    case "http":
      return `http ${actor.name ?? actor.oid}${actor.appId === undefined ? "" : ` app ${actor.appId}`}`;
    case "cli":
      return `cli ${actor.user}`;
  }
}

/** Reads an actor back from its JSON text; anything else is undefined (an older row has none). */
export function parseActor(text: unknown): Actor | undefined {
  if (typeof text !== "string") return undefined;
  try {
    const value = JSON.parse(text) as { kind?: unknown };
    const kinds = ["event", "sweep", "operation", "http", "cli"];
    return typeof value.kind === "string" && kinds.includes(value.kind) ? (value as Actor) : undefined;
  } catch {
    return undefined;
  }
}

/** What the audit trail records with every action a run causes besides the job's own ids. */
export interface AuditContext {
  /** Who asked; without it the job's own event, sweep run or operation is the actor. */
  actor?: Actor;
  /** The plan the action was applied from. */
  planId?: string;
}
