import type { Command } from "commander";
import { remediateKey, remediateResource } from "../../app/remediate.js";
import { RemediationInputError } from "../../core/jobs/remediationInputError.js";
import { reportHasProblems } from "../../core/report/report.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { canonicalResourceType } from "../../core/consumers/registry.js";
import { formatReportTable } from "../formatReport.js";
import { terminalWidth } from "../terminalWidth.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { createProgress } from "../progress.js";

/** Options of `cmkr remediate`. */
export interface RemediateOptions {
  tenant?: string;
  apply?: boolean;
  json?: boolean;
  wide?: boolean;
}

/** Remediates one resource (ARM id) or every consumer of one key (Key Vault key URI) now. */
export async function runRemediate(target: string, options: RemediateOptions, io: CliIo): Promise<ExitCode> {
  const isKey = /^https:\/\//i.test(target);
  if (!isKey && !/^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\//i.test(target)) {
    throw usageError(
      `${target}: expected a resource id (/subscriptions/.../providers/...) or a key URI (https://{vault}.vault.azure.net/keys/{name}[/{version}])`,
      "RemediationTargetInvalid",
    );
  }
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
    const apply = { apply: options.apply === true };
    let report;
    try {
      report = isKey
        ? await remediateKey(target, local.runtime.ctx, apply)
        : await remediateResource(target, local.runtime.ctx, apply);
    } catch (error) {
      if (error instanceof RemediationInputError) throw usageError(error.message, error.code);
      throw error;
    } finally {
      clearInterval(ticker);
      progress.done();
    }
    // One spelling per resource type (Resource Graph answers in lower case, ARM in mixed).
    report = {
      ...report,
      actions: report.actions.map((a) => ({ ...a, resourceType: canonicalResourceType(a.resourceType) })),
    };
    io.out(
      options.json === true
        ? `${JSON.stringify(report, null, 2)}\n`
        : formatReportTable(report, {
            width: terminalWidth(io.outStream ?? {}),
            wide: options.wide === true,
          }),
    );
    return reportHasProblems(report) ? exitCodes.failure : exitCodes.ok;
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
    .description("Remediate one resource, or every consumer of one Key Vault key, now.")
    .argument("<target>", "resource id or key URI")
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option("--apply", "make the changes (default: dry run, nothing is written)", false)
    .option("--json", "print the report as JSON", false)
    .option("--wide", "print every field in full, one line per action, whatever the terminal width", false)
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 some action failed or was refused, 2 usage error (including a malformed target).",
    )
    .action(async (target: string, options: RemediateOptions) => {
      setExit(await runRemediate(target, options, io));
    });
}
