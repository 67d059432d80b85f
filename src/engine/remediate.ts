import { randomUUID } from "node:crypto";
import { consumerRuleFor } from "../rules/consumerRules.js";
import { keyRefFromUri } from "../rules/keyRef.js";
import type { RotateJob } from "./job.js";
import type { Report, ReportAction } from "./report.js";
import { rotateConsumer } from "./rotateConsumer.js";
import type { ServiceContext } from "./serviceContext.js";

/** A remediation target that is not a key or resource the service handles. */
export class RemediationInputError extends Error {
  readonly code = "RemediationTargetInvalid";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = "RemediationInputError";
  }
}

function manualJob(
  resourceId: string,
  resourceType: string,
  keyId: string,
  correlationId: string,
  now: Date,
): RotateJob {
  return {
    v: 1,
    kind: "rotate",
    jobId: randomUUID(),
    dedupeKey: `manual|${resourceId.toLowerCase()}|${keyId.toLowerCase()}|${correlationId}`,
    claimGroup: `manual|${correlationId}`,
    resourceId,
    resourceType,
    keyId,
    trigger: "Manual",
    eventId: `manual-${correlationId}`,
    correlationId,
    enqueuedAt: now.toISOString(),
  };
}

async function runAll(
  jobs: readonly RotateJob[],
  ctx: ServiceContext,
  apply: boolean,
  concurrency = 8,
): Promise<ReportAction[]> {
  const actions: ReportAction[] = new Array<ReportAction>(jobs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const index = next++;
      const job = jobs[index];
      if (job !== undefined) actions[index] = await rotateConsumer(job, { ...ctx, dryRun: !apply });
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return actions;
}

/**
 * Moves every consumer of a key to its newest usable version now (or, without `apply`, shows what
 * would happen). The key id may name a version or not: either way only a newer, usable version is
 * ever a target.
 */
export async function remediateKey(
  keyId: string,
  ctx: ServiceContext,
  options: { apply: boolean },
): Promise<Report> {
  const key = keyRefFromUri(keyId);
  if (key === undefined) {
    throw new RemediationInputError(
      "keyId",
      `${keyId} is not a Key Vault key URI (https://{vault}/keys/{name}[/{version}])`,
    );
  }
  const correlationId = randomUUID();
  const jobs: RotateJob[] = [];
  for await (const page of ctx.port.findConsumers(key, ctx.scope)) {
    for (const c of page) jobs.push(manualJob(c.id, c.type, key.keyId, correlationId, ctx.now()));
  }
  return { dryRun: !options.apply, actions: await runAll(jobs, ctx, options.apply), errors: [] };
}

/** Moves one consumer to the newest usable version of the key it uses now. */
export async function remediateResource(
  resourceId: string,
  ctx: ServiceContext,
  options: { apply: boolean },
): Promise<Report> {
  const resource = await ctx.port.readResource(resourceId);
  if (resource === undefined) {
    return {
      dryRun: !options.apply,
      actions: [],
      errors: [{ input: resourceId, message: "the resource does not exist or cannot be read" }],
    };
  }
  const rule = consumerRuleFor(resource.type);
  const current = rule?.currentKey(resource);
  if (rule === undefined || current === undefined) {
    return {
      dryRun: !options.apply,
      actions: [
        {
          resourceId,
          resourceType: resource.type,
          action: "none",
          status: "skipped",
          reason:
            rule === undefined
              ? `${resource.type} is not a key consumer the service rotates`
              : "the resource does not use a customer-managed key",
        },
      ],
      errors: [],
    };
  }
  const job = manualJob(
    resource.id,
    resource.type,
    `${current.vaultUrl}/keys/${current.keyName}`,
    randomUUID(),
    ctx.now(),
  );
  return { dryRun: !options.apply, actions: await runAll([job], ctx, options.apply), errors: [] };
}
