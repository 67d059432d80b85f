import { createHash } from "node:crypto";
import { z } from "zod";
import type { ActionKind, ActionStatus } from "../report/report.js";
import type { Actor } from "../audit/actor.js";
import { actorSchema } from "../audit/actorSchema.js";

/**
 * What a plan remediates: one resource, every consumer of one key, or every resource a
 * subscription-wide dry run (the manual operation `operationId`) planned for.
 */
export type PlanTarget =
  | { kind: "resource"; resourceId: string }
  | { kind: "key"; keyId: string }
  | { kind: "subscription"; subscriptionId: string; operationId: string };

/** The name a plan's target is locked and logged under. */
export function planTargetName(target: PlanTarget): string {
  switch (target.kind) {
    case "resource":
      return target.resourceId;
    case "key":
      return target.keyId;
    case "subscription":
      return `/subscriptions/${target.subscriptionId}`;
  }
}

/**
 * One planned action and the facts it rests on: the resource's version as read when it was planned
 * (its ETag, or a digest of the resource where ARM sends none), the key version it moves from and to,
 * and the codes behind the decision. Applying re-reads these facts; when they differ the action is
 * re-planned, never applied.
 */
export interface PlanAction {
  resourceId: string;
  resourceType: string;
  action: ActionKind;
  status: ActionStatus;
  /** `etag:<ETag>` or `sha256:<digest of the resource as read>`; absent when the resource could not be read. */
  version?: string;
  from?: string;
  to?: string;
  codes: string[];
  reason: string;
}

/** A plan: a dry run's actions and their facts, sealed by a digest, valid until it expires. */
export interface Plan {
  v: 1;
  planId: string;
  target: PlanTarget;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601: applying after this is refused. */
  expiresAt: string;
  createdBy?: Actor;
  /** `sha256:` hex over the canonical form of target, expiry and actions (see {@link planDigest}). */
  digest: string;
  actions: PlanAction[];
}

/** JSON with object keys sorted at every level: one text for one value, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v)).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  // JSON.stringify answers undefined for undefined, functions and symbols: written as null.
  return typeof value === "undefined" || typeof value === "function" || typeof value === "symbol"
    ? "null"
    : JSON.stringify(value);
}

/**
 * The digest of a plan: sha256 over the canonical JSON of its id, target, expiry and every action
 * with its facts (resource id, version read, key versions from and to, codes). Changing any of them,
 * including the expiry, changes the digest; `createdBy` and the digest itself are not covered.
 */
export function planDigest(plan: Omit<Plan, "digest" | "createdBy"> & { createdBy?: Actor }): string {
  const covered = {
    v: plan.v,
    planId: plan.planId,
    target: plan.target,
    createdAt: plan.createdAt,
    expiresAt: plan.expiresAt,
    actions: plan.actions.map((a) => ({
      resourceId: a.resourceId,
      resourceType: a.resourceType,
      action: a.action,
      status: a.status,
      version: a.version,
      from: a.from,
      to: a.to,
      codes: a.codes,
      reason: a.reason,
    })),
  };
  return `sha256:${createHash("sha256").update(canonicalJson(covered)).digest("hex")}`;
}

/** The resource's version as a plan records it: its ETag, else a digest of the resource as read. */
export function resourceVersion(read: { resource: unknown; etag?: string | undefined }): string {
  if (read.etag !== undefined && read.etag !== "") return `etag:${read.etag}`;
  return `sha256:${createHash("sha256").update(canonicalJson(read.resource)).digest("hex")}`;
}

/** Actions a plan applies: those planned (the rest are shown, not performed). */
export function plannedActions(plan: Plan): PlanAction[] {
  return plan.actions.filter((a) => a.status === "planned");
}

/** The plan file and ledger record schema. */
export const planSchema = z
  .object({
    v: z.literal(1),
    planId: z.uuid(),
    target: z.discriminatedUnion("kind", [
      z.object({ kind: z.literal("resource"), resourceId: z.string().startsWith("/") }),
      z.object({ kind: z.literal("key"), keyId: z.url() }),
      z.object({
        kind: z.literal("subscription"),
        subscriptionId: z.string().min(1),
        operationId: z.uuid(),
      }),
    ]),
    createdAt: z.iso.datetime(),
    expiresAt: z.iso.datetime(),
    createdBy: actorSchema.optional(),
    digest: z.string().regex(/^sha256:[0-9a-f]{64}$/),
    actions: z.array(
      z.object({
        resourceId: z.string().startsWith("/"),
        resourceType: z.string().min(1),
        action: z.enum(["rotate-key", "open-ticket", "update-ticket", "enable-cmk", "none", "refuse"]),
        status: z.enum(["applied", "planned", "skipped", "failed"]),
        version: z.string().optional(),
        from: z.string().optional(),
        to: z.string().optional(),
        codes: z.array(z.string()),
        reason: z.string(),
      }),
    ),
  })
  .strict();
