import { createHash } from "node:crypto";
import { ArmFactsError } from "../arm/armFactsError.js";
import { compareKeyVersions, newestVersion } from "../keyStores/keyVersionOrder.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import { consumerRuleFor, moduleFor } from "../consumers/registry.js";
import type { DetectionSettings } from "../findings/detectionSettings.js";
import { evaluateResource } from "../findings/evaluateResource.js";
import { evaluationOf, FINDING_CODES, type Evaluation } from "../findings/finding.js";
import { factsNeeded, followUpFacts, type PageFacts } from "./pageFacts.js";
import { ruleContextFromFacts } from "./ruleContextFromFacts.js";
import type { SweepResource } from "./sweepRow.js";

/** Why the sweep hands a resource to the worker (an `evaluate` job, judged again from a fresh read). */
export type EvaluateReason =
  /** The rules found something: the worker fixes it in place or requests the ticket. */
  | "findings"
  /** A CMK consumer on an older version than its key's newest: the worker's catch-up rotation. */
  | "catch-up"
  /** Compliant now, with a ticket request still unresolved: the worker resolves it. */
  | "resolve"
  /** A fact the rules need could not be read: the worker reads it again, with retries. */
  | "facts-unavailable";

/** One thing the sweep does about one resource. */
export type SweepStep =
  | { readonly kind: "evaluate"; readonly reason: EvaluateReason }
  /**
   * An auto-rotating disk encryption set behind its key's newest version: compare with what the
   * service expected of the platform (ticket when stalled, record the expectation when none).
   */
  | { readonly kind: "check-auto-rotation"; readonly keyId: string }
  /** Caught up (or no longer auto-rotating) with a stalled-rotation ticket still unresolved. */
  | { readonly kind: "resolve-stalled" };

/** The sweep's plan for one resource. */
export interface SweepItemPlan {
  readonly resource: ArmResourceJson;
  readonly subscriptionId: string;
  readonly evaluation: Evaluation;
  readonly steps: readonly SweepStep[];
  /**
   * A digest of what the rules read and found: job dedupe keys include it, so an unchanged resource
   * is not queued again within one re-check period, and a changed one is (also when only its key
   * store changed, say its key was deleted: the finding codes are part of the digest).
   */
  readonly fingerprint: string;
  /**
   * The worker reads more about it than this row (a workspace's children): queue it at every run,
   * not once per re-check period, so its ticket follows those changes.
   */
  readonly refreshEveryRun: boolean;
}

/** What planning a page needs besides the rows. */
export interface SweepPlanContext {
  readonly facts: PageFacts;
  readonly settings: DetectionSettings;
  readonly now: Date;
  /** Finding codes of the unresolved ticket requests of a resource (by lower-case id). */
  readonly unresolvedTickets: (resourceId: string) => readonly string[] | undefined;
}

// Codes an evaluation decides; the stalled rotation is the sweep's own (see evaluateJob).
const ruleCodes: ReadonlySet<string> = new Set(FINDING_CODES.filter((c) => c !== "DesAutoRotationStalled"));

/** A digest of the parts of a resource the rules read. */
export function resourceFingerprint(resource: ArmResourceJson): string {
  return createHash("sha256")
    .update(
      JSON.stringify([
        resource.type.toLowerCase(),
        resource.kind ?? null,
        resource.location ?? null,
        resource.managedBy ?? null,
        resource.identity ?? null,
        resource.tags ?? null,
        resource.properties ?? null,
      ]),
    )
    .digest("base64url")
    .slice(0, 16);
}

/** True when the resource's key has a version newer than the one it is on. */
function behindNewest(resource: ArmResourceJson, facts: PageFacts): boolean {
  const key = consumerRuleFor(resource.type)?.currentKey(resource);
  if (key?.version === undefined) return false;
  const versions = facts.keyVersions(key.vaultUrl, key.keyName);
  const newest = versions === undefined ? undefined : newestVersion(versions);
  if (newest === undefined) return false;
  const current = versions?.find((v) => v.version.toLowerCase() === key.version?.toLowerCase());
  // A version missing from the list is a problem the rules report; the worker sorts it out.
  return current === undefined ? false : compareKeyVersions(newest, current) > 0;
}

/** The resource's digest, extended with the codes found (and an undetermined judgement) when any. */
function planFingerprint(resource: ArmResourceJson, evaluation: Evaluation): string {
  const base = resourceFingerprint(resource);
  const codes: string[] = evaluation.findings.map((f) => f.code as string).sort();
  if (evaluation.undetermined !== undefined) codes.push("(undetermined)");
  if (codes.length === 0) return base;
  return `${base}.${createHash("sha256").update(codes.join(",")).digest("base64url").slice(0, 8)}`;
}

function planOne(item: SweepResource, context: SweepPlanContext): SweepItemPlan {
  const { resource, subscriptionId } = item;
  // A Hub or a vault's use the rules need and could not have: nothing is judged without them.
  const problem = context.facts.problem(
    (moduleFor(resource.type)?.contextNeeds?.(resource) ?? []).filter(
      // Listing a workspace's children is the worker's: the sweep never reads them.
      (need): need is Exclude<typeof need, { kind: "mlRecreation" }> => need.kind !== "mlRecreation",
    ),
  );
  if (problem !== undefined) {
    return {
      resource,
      subscriptionId,
      fingerprint: resourceFingerprint(resource),
      refreshEveryRun: false,
      evaluation: evaluationOf(resource, { undetermined: `the sweep could not read: ${problem}` }),
      steps: [{ kind: "evaluate", reason: "facts-unavailable" }],
    };
  }
  const rule = consumerRuleFor(resource.type);
  const key = rule?.currentKey(resource);
  const evaluation = evaluateResource(
    resource,
    ruleContextFromFacts(resource, context.facts, context.settings, context.now),
  );
  const fingerprint = planFingerprint(resource, evaluation);
  const steps: SweepStep[] = [];
  if (evaluation.excluded !== undefined)
    return { resource, subscriptionId, fingerprint, refreshEveryRun: false, evaluation, steps };
  if (evaluation.undetermined !== undefined) {
    // The worker reads again (with retries) what could not be read, and acts on what was found.
    const unread = context.facts.problem([
      ...factsNeeded(resource),
      ...followUpFacts(resource, context.facts),
    ]);
    if (unread !== undefined) steps.push({ kind: "evaluate", reason: "facts-unavailable" });
    else if (evaluation.findings.length > 0) steps.push({ kind: "evaluate", reason: "findings" });
    return { resource, subscriptionId, fingerprint, refreshEveryRun: false, evaluation, steps };
  }

  const tickets = context.unresolvedTickets(resource.id) ?? [];
  const lagging = key !== undefined && behindNewest(resource, context.facts);
  if (evaluation.findings.length > 0) steps.push({ kind: "evaluate", reason: "findings" });
  else if (lagging && evaluation.maintenance.some((m) => m.kind === "catch-up-rotation"))
    steps.push({ kind: "evaluate", reason: "catch-up" });
  else if (tickets.some((code) => ruleCodes.has(code))) steps.push({ kind: "evaluate", reason: "resolve" });

  const autoRotates = rule?.consumerType === "diskEncryptionSet" && rule.autoRotates(resource);
  if (autoRotates && lagging) {
    steps.push({ kind: "check-auto-rotation", keyId: `${key.vaultUrl}/keys/${key.keyName}` });
  } else if (tickets.includes("DesAutoRotationStalled")) {
    steps.push({ kind: "resolve-stalled" });
  }
  const refreshEveryRun =
    evaluation.findings.length > 0 && moduleFor(resource.type)?.refreshEverySweep?.(resource) === true;
  return { resource, subscriptionId, fingerprint, refreshEveryRun, evaluation, steps };
}

/**
 * Plans one page of the sweep. Pure: the rows, the facts read for them, the ledger's unresolved
 * ticket requests and the time in; per resource its evaluation (the same rules as for an event)
 * and what to do. Only resources that need something are given steps: findings, a catch-up
 * rotation, a ticket to resolve, an automatic rotation to check. Compliant resources cost nothing
 * further.
 */
export function planSweepPage(items: readonly SweepResource[], context: SweepPlanContext): SweepItemPlan[] {
  return items.map((item) => planIsolated(item, context));
}

/**
 * One resource's plan; a resource the rules cannot read (a field of an unexpected shape) is
 * undetermined, naming the field when it is known, and left alone: it never stops the page.
 */
function planIsolated(item: SweepResource, context: SweepPlanContext): SweepItemPlan {
  try {
    return planOne(item, context);
  } catch (error) {
    const { resource, subscriptionId } = item;
    const field = error instanceof ArmFactsError ? error.field : undefined;
    const message = error instanceof Error ? error.message : String(error);
    return {
      resource,
      subscriptionId,
      fingerprint: resourceFingerprint(resource),
      evaluation: evaluationOf(resource, {
        undetermined: `the rules could not judge ${resource.id}: ${message}`,
        undeterminedField: field,
      }),
      refreshEveryRun: false,
      steps: [],
    };
  }
}

/** Whether a ticket request's resource type is one the sweep walks (so its absence means deletion). */
export function isSweptType(resourceId: string, sweptTypes: ReadonlySet<string>): boolean {
  const match = /\/providers\/([^/]+)\/([^/]+)\/[^/]+$/i.exec(resourceId);
  return match !== null && sweptTypes.has(`${match[1]}/${match[2]}`.toLowerCase());
}
