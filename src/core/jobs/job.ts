import { z } from "zod";
import { actorSchema } from "../audit/actorSchema.js";

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
    /** Its wave in that rollout (0 = the first). */
    wave: z.number().int().min(0).optional(),
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
    /**
     * Applies this resource's actions of the stored plan (a subscription plan's apply operation):
     * only the writes the plan holds, on the resource version it read.
     */
    planId: z.uuid().optional(),
    /** Who asked for it (an HTTP caller), recorded with every action the job causes. */
    actor: actorSchema.optional(),
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
  z.object({
    v: z.literal(1),
    /**
     * One Resource Graph page of a key event's consumers: the worker queries that page, queues the
     * next page's job and the page's consumers in batches. The first page's claim is the event's
     * dedupe record.
     */
    kind: z.literal("plan-key-event"),
    jobId: z.string().min(1),
    dedupeKey: z.string().min(1),
    /** The key event's claim group: its consumers are claimed there too. */
    claimGroup: z.string().min(1),
    /** The key's vault: its ARM id when the event named it, else its URL. */
    resourceId: z.string().min(1),
    resourceType: z.string().min(1),
    /** The versioned key URI the event named. */
    keyId: z.url(),
    vaultUrl: z.url(),
    keyName: z.string().min(1),
    trigger: z.enum(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired"]),
    /** One planning of the event: a replan after a failure gets a new one, so its pages are claimed anew. */
    runId: z.string().min(1),
    /** 1-based page number. */
    page: z.number().int().min(1),
    /** Resource Graph's continuation (`$skipToken`) of the previous page; absent on the first. */
    skipToken: z.string().min(1).optional(),
    eventId: z.string(),
    correlationId: z.string(),
    enqueuedAt: z.iso.datetime(),
    dryRun: z.boolean().optional(),
  }),
  z.object({
    v: z.literal(1),
    /**
     * Many consumers of one key event in one message. Not claimed itself: the worker claims each
     * consumer (its rotation job's dedupe key) when it starts it, so none is rotated twice.
     */
    kind: z.literal("rotate-batch"),
    jobId: z.string().min(1),
    /** Names the batch (event, planning, page, position) in logs; the consumers carry the claims. */
    dedupeKey: z.string().min(1),
    claimGroup: z.string().min(1),
    consumers: z
      .array(z.object({ id: z.string().startsWith("/"), type: z.string().min(1) }))
      .min(1)
      .max(100),
    keyId: z.url(),
    trigger: z.enum(["KeyNewVersionCreated", "KeyNearExpiry", "KeyExpired"]),
    eventId: z.string(),
    correlationId: z.string(),
    enqueuedAt: z.iso.datetime(),
    /** Planned in dry-run mode: its consumers are evaluated and nothing is written. */
    dryRun: z.boolean().optional(),
    /** The staged rollout its consumers are members of (docs/rollout-controls.md). */
    rollout: z.string().min(1).optional(),
    /** Their wave in that rollout (0 = the first). */
    wave: z.number().int().min(0).optional(),
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
/** One Resource Graph page of a key event's fan-out. */
export type PlanKeyEventJob = Extract<Job, { kind: "plan-key-event" }>;
/** Consumers of a key event queued together. */
export type RotateBatchJob = Extract<Job, { kind: "rotate-batch" }>;

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
