/**
 * The one place job claims and locks are named. A dedupe key decides when two plans are the same
 * work (a duplicate event, a second sweep the same day): its job is queued once. A claim group keeps
 * the claims of one plan together (one key event, one manual run, one sweep period) so they are made
 * and listed in bulk. Ids and key URIs are lower-cased because Azure compares them so. Dry-run
 * claims are kept apart from live ones, so turning the service live plans the work again.
 */

/** The dedupe key and claim group of one job. */
export interface JobClaim {
  readonly dedupeKey: string;
  readonly claimGroup: string;
}

const mode = (dryRun: boolean): string => (dryRun ? "dry-run|" : "");

/** Prefix of a subscription listing job's dedupe key; its operation's other jobs are resources. */
export const listingJobPrefix = "listing|";

export const jobKeys = {
  /** One consumer of a key event: once per event kind, consumer and announced key version. */
  keyEvent(event: { kind: string; keyId: string }, consumerId: string, dryRun: boolean): JobClaim {
    return {
      dedupeKey: `${mode(dryRun)}${event.kind}|${consumerId.toLowerCase()}|${event.keyId.toLowerCase()}`,
      claimGroup: `${mode(dryRun)}${event.kind}|${event.keyId.toLowerCase()}`,
    };
  },

  /**
   * The dedupe record of a key event's fan-out (the claim of its first plan page): one per event
   * kind and announced key version, so a redelivery, under any event id, is one conflict. Its plan
   * pages are claimed beside it, in a group of their own, apart from the consumers' claims.
   */
  keyEventFanOut(event: { kind: string; keyId: string }, dryRun: boolean): JobClaim {
    const key = `${mode(dryRun)}${event.kind}|fan-out|${event.keyId.toLowerCase()}`;
    return { dedupeKey: key, claimGroup: key };
  },

  /**
   * The claim of one plan page of a fan-out: the first page is the fan-out's record; later pages
   * are claimed per planning (`runId`), so a replan after a failure walks every page again.
   */
  keyEventPlanPage(fanOut: JobClaim, runId: string, page: number): JobClaim {
    return {
      dedupeKey: page === 1 ? fanOut.dedupeKey : `${fanOut.dedupeKey}|${runId}|page:${page}`,
      claimGroup: fanOut.claimGroup,
    };
  },

  /** The name of one batch message of a plan page (never claimed: its consumers are). */
  keyEventBatch(fanOut: JobClaim, runId: string, page: number, index: number): JobClaim {
    return {
      dedupeKey: `${fanOut.dedupeKey}|${runId}|page:${page}|batch:${index}`,
      claimGroup: fanOut.claimGroup,
    };
  },

  /** The resource of an ARM or Resource Notifications event: once per event. */
  resourceEvent(eventId: string, resourceId: string, dryRun: boolean): JobClaim {
    return {
      dedupeKey: `${mode(dryRun)}evaluate|${eventId}|${resourceId.toLowerCase()}`,
      claimGroup: `${mode(dryRun)}evaluate|${eventId}`,
    };
  },

  /** A manual rotation of one consumer to a key (the remediation's correlation id makes it unique). */
  manualRotation(resourceId: string, keyId: string, correlationId: string): JobClaim {
    return {
      dedupeKey: `manual|${resourceId.toLowerCase()}|${keyId.toLowerCase()}|${correlationId}`,
      claimGroup: `manual|${correlationId}`,
    };
  },

  /** A manual evaluation of one resource. */
  manualEvaluation(resourceId: string, correlationId: string): JobClaim {
    return {
      dedupeKey: `manual|${resourceId.toLowerCase()}|${correlationId}`,
      claimGroup: `manual|${correlationId}`,
    };
  },

  /** The catch-up rotation an evaluation runs in its own job: claimed beside it. */
  catchUpRotation(evaluation: JobClaim): JobClaim {
    return { dedupeKey: `${evaluation.dedupeKey}|rotate`, claimGroup: evaluation.claimGroup };
  },

  /** The claim group of a sweep: one per re-check period, so a resource is queued once a period. */
  sweepGroup(period: number, dryRun: boolean): string {
    return `${mode(dryRun)}sweep|${period}`;
  },

  /** A sweep's job for a resource: once per what the rules read (`fingerprint`) and period group. */
  sweepJob(kind: "evaluate" | "rotate", resourceId: string, fingerprint: string, dryRun: boolean): string {
    return `${mode(dryRun)}sweep|${kind}|${resourceId.toLowerCase()}|${fingerprint}`;
  },

  /** The listing job of a subscription-wide remediation. */
  subscriptionListing(subscriptionId: string): string {
    return `${listingJobPrefix}${subscriptionId.toLowerCase()}`;
  },
};

/** Names of the locks runs take so that two never work on the same thing at once. */
export const lockNames = {
  /** A sweep of a scope (its subscriptions, or the whole configured scope). */
  sweep(subscriptions: readonly string[]): string {
    return `sweep|${
      subscriptions
        .map((s) => s.toLowerCase())
        .sort()
        .join(",") || "scope"
    }`;
  },

  /** A manual remediation of one resource or one key, over HTTP. */
  manualTarget(target: string): string {
    return `manual|${target.toLowerCase()}`;
  },

  /** A subscription-wide manual remediation, held until its listing has queued its jobs. */
  subscription(subscriptionId: string): string {
    return `subscription|${subscriptionId.toLowerCase()}`;
  },
};
