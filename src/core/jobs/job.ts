import { z } from "zod";

/**
 * One unit of work for one resource, carried by the Storage queue from the planner (event
 * handlers, HTTP, sweep) to the worker. Versioned so an old message is never misread.
 */
export const jobSchema = z.discriminatedUnion("kind", [
  z.object({
    v: z.literal(1),
    kind: z.literal("rotate"),
    jobId: z.string().min(1),
    /** Consumer id and target key, lower-case: duplicate events produce the same key. */
    dedupeKey: z.string().min(1),
    /** The jobs planned together (one key event): their claims share a ledger partition. */
    claimGroup: z.string().min(1),
    resourceId: z.string().startsWith("/"),
    resourceType: z.string().min(1),
    /** The versioned key URI the triggering event named. The worker may pick a newer usable one. */
    keyId: z.url(),
    /** The key event that caused the job: expiry events ticket consumers that cannot move. */
    trigger: z.enum(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired", "Manual", "Sweep"]),
    eventId: z.string(),
    correlationId: z.string(),
    enqueuedAt: z.iso.datetime(),
    /** Plan only, whatever the service's own dry-run setting (a manual run without `apply`). */
    dryRun: z.boolean().optional(),
    /** The staged rollout this job is a member of: the worker settles it and may release the next wave. */
    rollout: z.string().min(1).optional(),
  }),
  z.object({
    v: z.literal(1),
    kind: z.literal("evaluate"),
    jobId: z.string().min(1),
    dedupeKey: z.string().min(1),
    claimGroup: z.string().min(1),
    resourceId: z.string().startsWith("/"),
    resourceType: z.string().min(1),
    /** The resource as a Resource Notifications event carried it; read from ARM when absent. */
    inline: z.looseObject({ id: z.string(), name: z.string(), type: z.string() }).optional(),
    /** `ResourceDelete`: a delete event; the worker confirms the deletion with a fresh read before resolving. */
    trigger: z.enum(["ResourceWrite", "ResourceNotification", "ResourceDelete", "Manual", "Sweep"]),
    eventId: z.string(),
    correlationId: z.string(),
    enqueuedAt: z.iso.datetime(),
    /** Plan only, whatever the service's own dry-run setting (a manual run without `apply`). */
    dryRun: z.boolean().optional(),
  }),
  z.object({
    v: z.literal(1),
    /** Lists one subscription's in-scope resources and queues a job for each that needs one. */
    kind: z.literal("remediate-subscription"),
    jobId: z.string().min(1),
    dedupeKey: z.string().min(1),
    /** The operation's job group: the resource jobs are claimed there too. */
    claimGroup: z.string().min(1),
    /** `/subscriptions/{id}`. */
    resourceId: z.string().regex(/^\/subscriptions\/[^/]+$/),
    resourceType: z.literal("Microsoft.Resources/subscriptions"),
    subscriptionId: z.string().min(1),
    operationId: z.string().min(1),
    trigger: z.literal("Manual"),
    eventId: z.string(),
    correlationId: z.string(),
    enqueuedAt: z.iso.datetime(),
    dryRun: z.boolean().optional(),
  }),
]);

/** A queued job. */
export type Job = z.infer<typeof jobSchema>;
/** A rotation job. */
export type RotateJob = Extract<Job, { kind: "rotate" }>;
/** A job that evaluates one resource against the detection rules. */
export type EvaluateJob = Extract<Job, { kind: "evaluate" }>;
/** A subscription-wide manual remediation's listing job. */
export type RemediateSubscriptionJob = Extract<Job, { kind: "remediate-subscription" }>;

/** A queue message that is not a job this version understands. */
export class JobDecodeError extends Error {
  readonly code = "JobInvalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`Invalid job message at ${field}: ${message}`);
    this.name = "JobDecodeError";
  }
}

/** Reads a job from a queue message (already base64-decoded text, or the object the trigger gives). */
export function decodeJob(message: unknown): Job {
  let value = message;
  if (typeof message === "string") {
    try {
      value = JSON.parse(message);
    } catch {
      throw new JobDecodeError("$", "not JSON");
    }
  }
  const result = jobSchema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new JobDecodeError(
      ["$", ...(issue?.path ?? []).map(String)].join("."),
      issue?.message ?? "invalid",
    );
  }
  return result.data;
}
