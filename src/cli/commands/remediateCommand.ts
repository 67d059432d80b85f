import { readFile, writeFile } from "node:fs/promises";
import type { Command } from "commander";
import { remediateKey, remediateResource } from "../../app/remediate.js";
import { RemediationInputError } from "../../core/jobs/remediationInputError.js";
import { reportHasProblems, type Report } from "../../core/report/report.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { canonicalResourceType } from "../../core/consumers/registry.js";
import { formatReportTable } from "../formatReport.js";
import { terminalWidth } from "../terminalWidth.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { createProgress } from "../progress.js";
import { createPlanExclusively, type DirectPlanTarget } from "../../app/plans/createPlan.js";
import { applyPlan } from "../../app/plans/applyPlan.js";
import { PlanError } from "../../core/plans/planErrors.js";
import type { Plan } from "../../core/plans/plan.js";
import { loadConfig } from "../../runtime/config.js";
import { cliActor } from "../cliActor.js";

/** Options of `cmkr remediate`. */
export interface RemediateOptions {
  tenant?: string;
  apply?: boolean;
  planOut?: string;
  applyPlan?: string;
  json?: boolean;
  wide?: boolean;
}

function planTarget(target: string): DirectPlanTarget {
  const isKey = /^https:\/\//i.test(target);
  if (!isKey && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(target)) {
    throw usageError(
      `${target}: expected a resource id (/subscriptions/.../providers/...) or a key URI (https://{vault}.vault.azure.net/keys/{name}[/{version}])`,
      "RemediationTargetInvalid",
    );
  }
  return isKey ? { kind: "key", keyId: target } : { kind: "resource", resourceId: target };
}

/** The plan's time to live from `CMKR_PLAN_TTL_MINUTES` (a bad value is the user's to fix). */
function planTtlMs(): number {
  try {
    return loadConfig().CMKR_PLAN_TTL_MINUTES * 60_000;
  } catch (error) {
    throw usageError(error instanceof Error ? error.message : String(error), "ConfigInvalid");
  }
}

/**
 * Remediates one resource (ARM id) or every consumer of one key (Key Vault key URI) now; with
 * `--plan-out` writes the dry run's plan to a file, with `--apply-plan` applies exactly a plan file.
 */
export async function runRemediate(
  target: string | undefined,
  options: RemediateOptions,
  io: CliIo,
): Promise<ExitCode> {
  if (options.applyPlan !== undefined) {
    if (target !== undefined) {
      throw usageError(`${target}: --apply-plan applies the plan's own target; give no target`, "UsageError");
    }
    if (options.apply === true) throw usageError("--apply-plan already applies; drop --apply", "UsageError");
    return runApplyPlan(options.applyPlan, options, io);
  }
  if (target === undefined) throw usageError("give a resource id or a key URI, or --apply-plan FILE");
  if (options.planOut !== undefined && options.apply === true) {
    throw usageError("--plan-out makes a plan (a dry run); apply it with --apply-plan", "UsageError");
  }
  const parsed = planTarget(target);
  const isKey = parsed.kind === "key";
  const ttlMs = options.planOut === undefined ? 0 : planTtlMs();
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: options.apply === true,
  });
  // The engine reports nothing until it is done: show that it is alive and for how long.
  const progress = createProgress(io.progress, { json: options.json === true });
  const started = Date.now();
  const ticker = setInterval(() => {
    progress.update(
      () =>
        `remediate: ${isKey ? "every consumer of the key" : "the resource"}, ${Math.round((Date.now() - started) / 1000)} s`,
    );
  }, 100);
  ticker.unref();
  try {
    const ctx = { ...local.runtime.ctx, audit: { actor: cliActor() } };
    let report: Report;
    let plan: Plan | undefined;
    try {
      if (options.planOut !== undefined) {
        const planned = await createPlanExclusively(parsed, ctx, { ttlMs, actor: cliActor() });
        if (planned === "busy") throw usageError("another remediation of this target is running", "Busy");
        ({ report, plan } = planned);
      } else {
        const apply = { apply: options.apply === true };
        report = isKey ? await remediateKey(target, ctx, apply) : await remediateResource(target, ctx, apply);
      }
    } catch (error) {
      if (error instanceof RemediationInputError) throw usageError(error.message, error.code);
      throw error;
    } finally {
      clearInterval(ticker);
      progress.done();
    }
    if (plan !== undefined && options.planOut !== undefined) {
      await writeFile(options.planOut, `${JSON.stringify(plan, null, 2)}\n`);
    }
    printReport(report, options, io, plan === undefined ? [] : planNotes(plan, options.planOut ?? ""));
    return reportHasProblems(report) ? exitCodes.failure : exitCodes.ok;
  } finally {
    await local.close();
  }
}

function planNotes(plan: Plan, file: string): string[] {
  return [
    `plan ${plan.planId} (${plan.digest.slice(0, 19)}…) written to ${file}; it expires at ${plan.expiresAt}.`,
    `apply exactly this plan with: cmkr remediate --apply-plan ${file}`,
  ];
}

function printReport(report: Report, options: RemediateOptions, io: CliIo, notes: string[]): void {
  // One spelling per resource type (Resource Graph answers in lower case, ARM in mixed).
  const shown = {
    ...report,
    actions: report.actions.map((a) => ({ ...a, resourceType: canonicalResourceType(a.resourceType) })),
  };
  io.out(
    options.json === true
      ? `${JSON.stringify(shown, null, 2)}\n`
      : formatReportTable(shown, {
          width: terminalWidth(io.outStream ?? {}),
          wide: options.wide === true,
          notes,
        }),
  );
}

/** `--apply-plan FILE`: the plan file read, checked (schema, digest, expiry) and applied exactly. */
async function runApplyPlan(file: string, options: RemediateOptions, io: CliIo): Promise<ExitCode> {
  let value: unknown;
  try {
    value = JSON.parse(await readFile(file, "utf8"));
  } catch (error) {
    throw usageError(
      `${file}: ${error instanceof SyntaxError ? `not JSON: ${error.message}` : "cannot be read"}`,
      "PlanInvalid",
    );
  }
  const ttlMs = planTtlMs();
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: true,
  });
  try {
    let result;
    try {
      result = await applyPlan(value, local.runtime.ctx, { actor: cliActor(), ttlMs, source: file });
    } catch (error) {
      if (error instanceof PlanError) throw usageError(error.message, error.code);
      throw error;
    }
    if (result === "busy") throw usageError("another remediation of this target is running", "Busy");
    const notes: string[] = [];
    if (result.replan !== undefined) {
      const replanFile = options.planOut ?? `${file.replace(/\.json$/i, "")}.replan.json`;
      await writeFile(replanFile, `${JSON.stringify(result.replan, null, 2)}\n`);
      const stale = result.report.actions.filter((a) => a.codes?.includes("PlanStale") === true).length;
      notes.push(
        `${stale} action(s) not applied: their facts changed since the plan (PlanStale).`,
        ...planNotes(result.replan, replanFile),
      );
    }
    printReport(result.report, options, io, notes);
    const stale = result.replan !== undefined;
    return reportHasProblems(result.report) || stale ? exitCodes.failure : exitCodes.ok;
  } finally {
    await local.close();
  }
}

/** Registers `cmkr remediate`. */
export function registerRemediateCommand(
  program: Command,
  io: CliIo,
  setExit: (code: ExitCode) => void,
): void {
  program
    .command("remediate")
    .description(
      "Remediate one resource, or every consumer of one Key Vault key, now; or plan, then apply a plan.",
    )
    .argument("[target]", "resource id or key URI (none with --apply-plan)")
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option("--apply", "make the changes (default: dry run, nothing is written)", false)
    .option(
      "--plan-out <file>",
      "dry run, and write its plan (id, digest, expiry, each action with its facts)",
    )
    .option("--apply-plan <file>", "apply exactly the plan in this file; changed actions are re-planned")
    .option("--json", "print the report as JSON", false)
    .option("--wide", "print every field in full, one line per action, whatever the terminal width", false)
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 some action failed, was refused or was stale (re-planned), 2 usage error (including a malformed target, and an expired or edited plan).",
    )
    .action(async (target: string | undefined, options: RemediateOptions) => {
      setExit(await runRemediate(target, options, io));
    });
}
