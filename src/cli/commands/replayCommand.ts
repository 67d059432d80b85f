import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { handleEvents } from "../../engine/handleEvents.js";
import { mergeReports, reportHasProblems, type Report } from "../../engine/report.js";
import { decodeDelivery } from "../../events/decodeDelivery.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { formatReportTable } from "../formatReport.js";
import { openLocalRuntime } from "../localRuntime.js";
import { readEventInputs } from "../readEventInputs.js";
import { usageError } from "../cliError.js";
import { sendDeliveries } from "../sendDeliveries.js";

/** Options of `cmkr replay`. */
export interface ReplayOptions {
  tenant?: string;
  target?: string;
  apply?: boolean;
  saveTenant?: string;
  json?: boolean;
}

/**
 * Replays captured deliveries through the same pipeline as the Event Grid triggers. With `--apply`
 * the queued jobs are run by an in-process worker and the report shows what it did; without it,
 * every resource is evaluated and nothing is written.
 */
export async function runReplay(
  paths: readonly string[],
  options: ReplayOptions,
  io: CliIo,
): Promise<ExitCode> {
  const deliveries = await readEventInputs(paths);
  if (options.target !== undefined) {
    if (options.tenant !== undefined || options.apply === true) {
      throw usageError(
        "--target sends the events to a deployed endpoint; it cannot be combined with --tenant or --apply",
        "TargetConflict",
      );
    }
    const sent = await sendDeliveries(deliveries, options.target, {
      functionKey: process.env.CMKR_FUNCTION_KEY,
    });
    const failed = sent.filter((s) => s.status < 200 || s.status >= 300);
    io.out(
      options.json === true
        ? `${JSON.stringify(
            sent.map((s) => ({ source: s.source, status: s.status })),
            null,
            2,
          )}\n`
        : `${sent.map((s) => `${s.status}  ${s.source}`).join("\n")}\nSent ${sent.length} deliveries to ${new URL(options.target).origin}; ${failed.length} not accepted.\n`,
    );
    return failed.length > 0 ? exitCodes.failure : exitCodes.ok;
  }
  const local = await openLocalRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: options.apply === true,
  });
  try {
    const apply = options.apply === true;
    const reports: Report[] = [];
    for (const delivery of deliveries) {
      // Out-of-scope ARM events are kept so triage reports each skip with its reason.
      const { events, errors } = decodeDelivery(delivery.body, { filterByScope: false });
      const report = await handleEvents(events, errors, local.runtime.ctx, { preview: !apply });
      reports.push({
        ...report,
        // Queued jobs are reported by the worker below; keep only what planning decided by itself.
        actions: apply ? report.actions.filter((a) => a.status !== "planned") : report.actions,
        errors: report.errors.map((e) => ({ ...e, input: `${delivery.source}: ${e.input}` })),
      });
      if (apply) reports.push({ dryRun: false, actions: (await local.drain()).actions, errors: [] });
    }
    const report = mergeReports(!apply, reports);
    io.out(options.json === true ? `${JSON.stringify(report, null, 2)}\n` : formatReportTable(report));
    if (options.saveTenant !== undefined && local.emulator !== undefined) {
      await writeFile(options.saveTenant, `${JSON.stringify(local.emulator.toTenantFile(), null, 2)}\n`);
    }
    return reportHasProblems(report) ? exitCodes.failure : exitCodes.ok;
  } finally {
    await local.close();
  }
}

/** Registers `cmkr replay`. */
export function registerReplayCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command("replay")
    .description(
      "Replay captured Event Grid deliveries (files, directories, JSON arrays, NDJSON) through the service.",
    )
    .argument("<paths...>", "event files or directories")
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option(
      "--target <url>",
      "send the events to a deployed /api/events endpoint, as Event Grid would (function key from CMKR_FUNCTION_KEY)",
    )
    .option("--apply", "make the changes (default: dry run, nothing is written)", false)
    .option("--save-tenant <file>", "with --tenant: write the emulator's final state to this file")
    .option("--json", "print the report as JSON", false)
    .action(async (paths: string[], options: ReplayOptions) => {
      setExit(await runReplay(paths, options, io));
    });
}
