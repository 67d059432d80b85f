import { writeFile } from "node:fs/promises";
import { Option, type Command } from "commander";
import { runSweep, listSweepSubscriptions } from "../../app/sweep.js";
import type { GraphScope } from "../../core/ports/graphScope.js";
import { createComplianceReportBuilder } from "../../report/complianceReportBuilder.js";
import type { ComplianceReport } from "../../report/complianceReport.js";
import { renderCsv } from "../../report/renderCsv.js";
import { renderHtml } from "../../report/renderHtml.js";
import { renderJson } from "../../report/renderJson.js";
import { renderTable } from "../../report/renderTable.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { createProgress } from "../progress.js";

/** Formats of `cmkr scan`. */
export const scanFormats = ["table", "json", "csv", "html"] as const;

/** Options of `cmkr scan`. */
export interface ScanOptions {
  tenant?: string;
  subscription?: string[];
  format?: (typeof scanFormats)[number];
  out?: string;
}

/** The report lists the ledger's newest actions, not its whole history. */
const maxActions = 1000;

const guid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function render(report: ComplianceReport, options: ScanOptions, io: CliIo): string {
  switch (options.format ?? "table") {
    case "json":
      return renderJson(report);
    case "csv":
      return renderCsv(report);
    case "html":
      return renderHtml(report);
    case "table": {
      // Colors and width only for a person at a terminal; a file gets plain, uncut text.
      const terminal = options.out === undefined && io.progress?.isTTY === true && process.stdout.isTTY;
      const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
      return renderTable(report, {
        color: terminal && !noColor,
        ...(terminal && process.stdout.columns > 0 ? { width: process.stdout.columns } : {}),
      });
    }
  }
}

function checkSubscriptions(requested: readonly string[], configured: readonly string[]): void {
  for (const id of requested) {
    if (!guid.test(id))
      throw usageError(`--subscription ${id}: expected a subscription GUID`, "SubscriptionInvalid");
    if (configured.length > 0 && !configured.some((c) => c.toLowerCase() === id.toLowerCase())) {
      throw usageError(
        `--subscription ${id}: outside the service's scope (CMKR_SCOPE_SUBSCRIPTIONS)`,
        "SubscriptionOutOfScope",
      );
    }
  }
}

/**
 * Reports compliance over the scope (or the given subscriptions): the sweep's walk and rules in
 * read-only mode (nothing is queued, nothing is written to Azure or the ledger), plus what the
 * ledger says the service did and which tickets it holds.
 */
export async function runScan(options: ScanOptions, io: CliIo): Promise<ExitCode> {
  const requested = options.subscription ?? [];
  // Malformed input is refused before anything starts.
  checkSubscriptions(requested, []);
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply: false,
  });
  const progress = createProgress(io.progress, {
    json: options.format !== undefined && options.format !== "table" && options.out === undefined,
  });
  try {
    const { ctx } = local.runtime;
    checkSubscriptions(requested, ctx.scope.subscriptions ?? []);
    const scope: GraphScope = requested.length > 0 ? { subscriptions: requested } : ctx.scope;
    let subscriptionPages = 0;
    const covered = await listSweepSubscriptions(ctx.port, scope, () => {
      subscriptionPages++;
    });
    const builder = createComplianceReportBuilder({
      scope: {
        subscriptions: [...(scope.subscriptions ?? [])],
        managementGroups: [...(scope.managementGroups ?? [])],
      },
      now: ctx.now(),
      subscriptionNames: new Map(covered.map((s) => [s.subscriptionId, s.displayName])),
    });
    const result = await runSweep(ctx, {
      mode: "scan",
      ...(requested.length > 0 ? { subscriptions: requested } : {}),
      coveredSubscriptions: covered,
      onEvaluation: (evaluation, subscriptionId) => {
        builder.add(evaluation, subscriptionId);
      },
      onProgress: (p) => {
        progress.update(() => `scanning: ${p.resourcesSeen} resources, ${p.nonCompliant} not compliant`);
      },
    });
    builder.addGraphPages(subscriptionPages + result.pages);
    const inCovered = (resourceId: string): boolean => {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(resourceId)?.[1]?.toLowerCase();
      return sub !== undefined && covered.some((s) => s.subscriptionId.toLowerCase() === sub);
    };
    const [actions, tickets] = await Promise.all([
      ctx.ledger.newestActions(maxActions, (a) => inCovered(a.resourceId)),
      ctx.ledger.listTicketRequests(),
    ]);
    builder.setLedger(
      actions,
      tickets.filter((t) => inCovered(t.resourceId)),
    );
    const text = render(builder.build(), options, io);
    progress.done();
    if (options.out === undefined) io.out(text.endsWith("\n") ? text : `${text}\n`);
    else {
      await writeFile(options.out, text, "utf8");
      io.err(`wrote ${options.out}\n`);
    }
    return exitCodes.ok;
  } finally {
    progress.done();
    await local.close();
  }
}

/** Registers `cmkr scan`. */
export function registerScanCommand(program: Command, io: CliIo, setExit: (code: ExitCode) => void): void {
  program
    .command("scan")
    .description("Report CMK compliance of the scope: findings, actions and tickets. Read-only.")
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option("--subscription <id...>", "limit the scan to these subscriptions")
    .addOption(new Option("--format <format>", "output format").choices(scanFormats).default("table"))
    .option("--out <file>", "write the report to this file instead of standard output")
    .action(async (options: ScanOptions) => {
      setExit(await runScan(options, io));
    });
}
