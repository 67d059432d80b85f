import { access, constants, stat, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { Option, type Command } from "commander";
import { runSweep, listSweepSubscriptions } from "../../app/sweep.js";
import type { GraphScope } from "../../core/ports/graphScope.js";
import { createComplianceReportBuilder } from "../../report/complianceReportBuilder.js";
import type { ComplianceReport } from "../../report/complianceReport.js";
import { renderCsv } from "../../report/renderCsv.js";
import { renderHtml } from "../../report/renderHtml.js";
import { renderJson } from "../../report/renderJson.js";
import { renderTable } from "../../report/renderTable.js";
import { SEVERITY_ORDER } from "../../report/complianceReportBuilder.js";
import type { FindingSeverity } from "../../core/findings/finding.js";
import { usageError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { createProgress } from "../progress.js";
import { terminalWidth } from "../terminalWidth.js";

/** Formats of `cmkr scan`. */
export const scanFormats = ["table", "json", "csv", "html"] as const;

/** Options of `cmkr scan`. */
export interface ScanOptions {
  tenant?: string;
  subscription?: string[];
  format?: (typeof scanFormats)[number];
  out?: string;
  /** Exit 1 when a finding of this severity or a worse one exists (for pipelines). */
  failOn?: FindingSeverity;
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
      // Colors only for a person at a terminal; a file gets plain, uncut text; standard output
      // fits the terminal (80 columns when piped, or COLUMNS).
      const terminal = options.out === undefined && io.outStream?.isTTY === true;
      const noColor = process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== "";
      return renderTable(report, {
        color: terminal && !noColor,
        ...(options.out === undefined ? { width: terminalWidth(io.outStream ?? {}) } : {}),
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
 * `--out` is checked before the scan, so a long scan never ends on a path it cannot write: the
 * folder must exist and be writable, and the file, if it exists, must be a writable file.
 */
async function checkOut(out: string): Promise<void> {
  const folder = dirname(resolve(out));
  const info = await stat(folder).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw usageError(`--out ${out}: the folder ${folder} does not exist`, "OutFolderMissing");
  }
  const existing = await stat(out).catch(() => undefined);
  if (existing?.isDirectory() === true) {
    throw usageError(`--out ${out}: is a directory; give a file name`, "OutIsDirectory");
  }
  try {
    await access(existing === undefined ? folder : out, constants.W_OK);
  } catch {
    throw usageError(
      `--out ${out}: ${existing === undefined ? `the folder ${folder}` : "the file"} is not writable`,
      "OutNotWritable",
    );
  }
}

/** The findings at or above `severity` (urgent is the worst). */
function findingsAtOrAbove(report: ComplianceReport, severity: FindingSeverity): number {
  const limit = SEVERITY_ORDER.indexOf(severity);
  return report.findings.filter((f) => SEVERITY_ORDER.indexOf(f.severity) <= limit).length;
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
  if (options.out !== undefined) await checkOut(options.out);
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
    // A subscription the identity cannot see would scan as empty and pass: that is a mistake.
    const unknown = requested.filter(
      (id) => !covered.some((s) => s.subscriptionId.toLowerCase() === id.toLowerCase()),
    );
    if (unknown.length > 0) {
      throw usageError(
        `--subscription ${unknown.join(", ")}: no such subscription visible to the service's identity` +
          (requested.length > unknown.length ? "" : ` (it sees ${covered.length} in its scope)`),
        "SubscriptionNotFound",
      );
    }
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
    const report = builder.build();
    const text = render(report, options, io);
    progress.done();
    if (options.out === undefined) io.out(text.endsWith("\n") ? text : `${text}\n`);
    else {
      await writeFile(options.out, text, "utf8");
      io.err(`wrote ${options.out}\n`);
    }
    if (options.failOn !== undefined) {
      const failing = findingsAtOrAbove(report, options.failOn);
      if (failing > 0) {
        io.err(`fail-on ${options.failOn}: ${failing} finding(s) at or above ${options.failOn}\n`);
        return exitCodes.failure;
      }
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
    .addOption(
      new Option(
        "--fail-on <severity>",
        "exit 1 when a finding of this severity or a worse one exists (for pipelines)",
      ).choices(SEVERITY_ORDER),
    )
    .addHelpText(
      "after",
      "\nExit codes: 0 done (and, with --fail-on, no finding at or above it), 1 a finding at or above --fail-on, or the scan failed, 2 usage error (including a subscription the identity cannot see, or an --out it cannot write).",
    )
    .action(async (options: ScanOptions) => {
      setExit(await runScan(options, io));
    });
}
