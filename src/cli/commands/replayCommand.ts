import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { handleEvents } from "../../app/handleEvents.js";
import {
  mergeReports,
  reportHasProblems,
  type Report,
  type ReportAction,
  type ReportError,
} from "../../core/report/report.js";
import { decodeDelivery } from "../../core/events/decodeDelivery.js";
import { failure, usageError, type CliError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { formatDeadLetters, type DeadLetterEntry } from "../formatDeadLetters.js";
import { formatReportTable } from "../formatReport.js";
import { openCliRuntime } from "../openCliRuntime.js";
import {
  DeadLetterSourceError,
  openDeadLetterSource,
  type DeadLetterSource,
} from "../../runtime/deadLetterSource.js";
import { parseInstant } from "../parseInstant.js";
import { createProgress, type Progress } from "../progress.js";
import { readEventInputs, type EventDelivery } from "../readEventInputs.js";
import { sendDeliveries } from "../sendDeliveries.js";

/** Options of `cmkr replay`. */
export interface ReplayOptions {
  tenant?: string;
  target?: string;
  apply?: boolean;
  saveTenant?: string;
  json?: boolean;
  deadLetter?: string;
  since?: Date;
  until?: Date;
}

/** A report action with the delivery it came from (`file`, `file:line`, `container/blob[index]`). */
export type SourcedAction = ReportAction & { source: string };

/**
 * What `cmkr replay` prints with `--json`: the report contract, each action naming its input, and
 * for dead-letter input one entry per replayed event with Event Grid's reasons.
 */
export interface ReplayReport extends Report {
  actions: SourcedAction[];
  deadLetters?: DeadLetterEntry[];
}

/** One step of the input: a delivery, or a dead-letter blob that could not be read. */
type InputItem = { delivery: EventDelivery } | { error: ReportError };

interface Counts {
  blobs: number;
  events: number;
  handled: number;
  jobsQueued: number;
  jobsDone: number;
}

async function* inputItems(
  files: readonly EventDelivery[],
  deadLetters: DeadLetterSource | undefined,
  options: ReplayOptions,
  counts: Counts,
): AsyncGenerator<InputItem> {
  for (const delivery of files) {
    counts.events++;
    yield { delivery };
  }
  if (deadLetters === undefined) return;
  try {
    for await (const blob of deadLetters.read({ since: options.since, until: options.until })) {
      counts.blobs++;
      if (blob.error !== undefined) yield { error: { input: blob.source, message: blob.error } };
      for (const delivery of blob.deliveries) {
        counts.events++;
        yield { delivery };
      }
    }
  } catch (error) {
    throw deadLetterCliError(error);
  }
}

/** A dead-letter location the user must fix is a usage error; a storage failure, a failure. */
function deadLetterCliError(error: unknown): unknown {
  if (!(error instanceof DeadLetterSourceError)) return error;
  const cli: CliError =
    error.kind === "usage" ? usageError(error.message, error.code) : failure(error.message, error.code);
  return cli;
}

/** An error as the report shows it: its stable code, when it has one, and its message. */
function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code}: ${error.message}` : error.message;
}

function text(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function deadLetterEntry(delivery: EventDelivery, actions: number): DeadLetterEntry | undefined {
  if (delivery.deadLetter === undefined) return undefined;
  const body = (typeof delivery.body === "object" && delivery.body !== null ? delivery.body : {}) as Record<
    string,
    unknown
  >;
  const eventId = text(body.id);
  const eventType = text(body.eventType) ?? text(body.type);
  return {
    source: delivery.source,
    ...(eventId === undefined ? {} : { eventId }),
    ...(eventType === undefined ? {} : { eventType }),
    ...delivery.deadLetter,
    actions,
  };
}

function sourced(actions: readonly ReportAction[], source: string): SourcedAction[] {
  return actions.map((a) => ({ ...a, source }));
}

function isReport(value: unknown): value is Report {
  return (
    typeof value === "object" &&
    value !== null &&
    Array.isArray((value as Report).actions) &&
    Array.isArray((value as Report).errors)
  );
}

// An endpoint's answer: its report when it sent one, else the status (and problem detail) as an error.
function answerReport(source: string, status: number, body: string): Report {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    parsed = undefined;
  }
  if (status >= 200 && status < 300) {
    return isReport(parsed) ? parsed : { dryRun: false, actions: [], errors: [] };
  }
  const problem = (typeof parsed === "object" && parsed !== null ? parsed : {}) as Record<string, unknown>;
  const detail = text(problem.detail) ?? text(problem.title);
  return {
    dryRun: false,
    actions: [],
    errors: [
      {
        input: source,
        message: `not accepted: HTTP ${status}${detail === undefined ? "" : ` ${detail.slice(0, 200)}`}`,
      },
    ],
  };
}

function progressLine(counts: Counts, apply: boolean, sending: boolean): string {
  const parts = [
    `replay: ${counts.events} event(s) read${counts.blobs > 0 ? ` from ${counts.blobs} blob(s)` : ""}`,
    `${counts.handled} ${sending ? "sent" : "handled"}`,
    ...(apply ? [`jobs ${counts.jobsDone} done of ${counts.jobsQueued} queued`] : []),
  ];
  return parts.join(", ");
}

function output(
  report: ReplayReport,
  io: CliIo,
  options: ReplayOptions,
  deadLetters: DeadLetterSource | undefined,
  counts: Counts,
  humanHead = "",
): void {
  if (options.json === true) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  io.out(humanHead);
  if (options.target === undefined) io.out(formatReportTable(report));
  if (deadLetters !== undefined)
    io.out(formatDeadLetters(report.deadLetters ?? [], counts.blobs, deadLetters));
}

async function sendAll(
  items: AsyncIterable<InputItem>,
  target: string,
  counts: Counts,
  progress: Progress,
  withDeadLetters: boolean,
): Promise<{ report: ReplayReport; lines: string[]; sent: number; failed: number }> {
  const report: ReplayReport = { dryRun: false, actions: [], errors: [] };
  const entries: DeadLetterEntry[] = [];
  const lines: string[] = [];
  let failed = 0;
  const functionKey = process.env.CMKR_FUNCTION_KEY;
  for await (const item of items) {
    if ("error" in item) {
      report.errors.push(item.error);
      continue;
    }
    const { delivery } = item;
    // One delivery per request, as Event Grid sends them (and so each answer maps to its input).
    const [answer] = await sendDeliveries([delivery], target, { functionKey });
    if (answer === undefined) continue;
    counts.handled++;
    progress.update(() => progressLine(counts, false, true));
    lines.push(`${answer.status}  ${answer.source}`);
    if (answer.status < 200 || answer.status >= 300) failed++;
    const answered = answerReport(delivery.source, answer.status, answer.body);
    report.actions.push(...sourced(answered.actions, delivery.source));
    report.errors.push(...answered.errors);
    const entry = deadLetterEntry(delivery, answered.actions.length);
    if (entry !== undefined) entries.push(entry);
  }
  if (withDeadLetters) report.deadLetters = entries;
  return { report, lines, sent: counts.handled, failed };
}

/**
 * Replays captured deliveries (files, directories, NDJSON, Event Grid dead-letter blobs) through the
 * same pipeline as the Event Grid triggers, or sends them to a deployed endpoint (`--target`). With
 * `--apply` the queued jobs are run by an in-process worker and the report shows what it did;
 * without it, every resource is evaluated and nothing is written.
 */
export async function runReplay(
  paths: readonly string[],
  options: ReplayOptions,
  io: CliIo,
): Promise<ExitCode> {
  if (paths.length === 0 && options.deadLetter === undefined) {
    throw usageError("give event files or directories, or --dead-letter LOCATION", "ReplayInputMissing");
  }
  if ((options.since !== undefined || options.until !== undefined) && options.deadLetter === undefined) {
    throw usageError(
      "--since and --until select dead-letter blobs: use them with --dead-letter",
      "WindowWithoutDeadLetter",
    );
  }
  if (options.since !== undefined && options.until !== undefined && options.since >= options.until) {
    throw usageError("--since must be before --until", "WindowEmpty");
  }
  if (options.saveTenant !== undefined && options.tenant === undefined) {
    throw usageError(
      "--save-tenant writes the emulator's state: use it with --tenant",
      "SaveTenantWithoutTenant",
    );
  }
  if (options.target !== undefined && (options.tenant !== undefined || options.apply === true)) {
    throw usageError(
      "--target sends the events to a deployed endpoint; it cannot be combined with --tenant or --apply",
      "TargetConflict",
    );
  }
  // Everything the user named is checked before anything starts.
  const files = await readEventInputs(paths);
  const deadLetters =
    options.deadLetter === undefined
      ? undefined
      : await openDeadLetterSource(options.deadLetter).catch((error: unknown) => {
          throw deadLetterCliError(error);
        });
  if (options.target !== undefined) await sendDeliveries([], options.target);

  const counts: Counts = { blobs: 0, events: 0, handled: 0, jobsQueued: 0, jobsDone: 0 };
  const items = inputItems(files, deadLetters, options, counts);
  const progress = createProgress(io.progress, { json: options.json === true });
  try {
    if (options.target !== undefined) {
      const { report, lines, sent, failed } = await sendAll(
        items,
        options.target,
        counts,
        progress,
        deadLetters !== undefined,
      );
      progress.done();
      const head = [...lines, ...report.errors.map((e) => `error: ${e.input}: ${e.message}`)];
      output(
        report,
        io,
        options,
        deadLetters,
        counts,
        `${head.map((l) => `${l}\n`).join("")}Sent ${sent} deliveries to ${new URL(options.target).origin}; ${failed} not accepted.\n`,
      );
      return failed > 0 || reportHasProblems(report) ? exitCodes.failure : exitCodes.ok;
    }
    return await replayLocally(items, options, io, deadLetters, counts, progress);
  } finally {
    progress.done();
  }
}

async function replayLocally(
  items: AsyncIterable<InputItem>,
  options: ReplayOptions,
  io: CliIo,
  deadLetters: DeadLetterSource | undefined,
  counts: Counts,
  progress: Progress,
): Promise<ExitCode> {
  const apply = options.apply === true;
  const local = await openCliRuntime({
    ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
    apply,
  });
  try {
    const reports: Report[] = [];
    const entries: DeadLetterEntry[] = [];
    for await (const item of items) {
      if ("error" in item) {
        reports.push({ dryRun: !apply, actions: [], errors: [item.error] });
        continue;
      }
      const { delivery } = item;
      // Out-of-scope ARM events are kept so triage reports each skip with its reason.
      const { events, errors } = decodeDelivery(delivery.body, { filterByScope: false });
      let planned: Report;
      try {
        planned = await handleEvents(events, errors, local.runtime.ctx, { preview: !apply });
      } catch (error) {
        // One delivery that cannot be handled is an error naming it; the others still replay.
        reports.push({
          dryRun: !apply,
          actions: [],
          errors: [{ input: delivery.source, message: errorText(error) }],
        });
        counts.handled++;
        continue;
      }
      const queued = apply ? planned.actions.filter((a) => a.status === "planned").length : 0;
      counts.jobsQueued += queued;
      progress.update(() => progressLine(counts, apply, false));
      // Queued jobs are reported by the worker; keep only what planning decided by itself.
      let actions = apply ? planned.actions.filter((a) => a.status !== "planned") : planned.actions;
      if (apply) {
        const drained = await local.drain(() => {
          counts.jobsDone++;
          progress.update(() => progressLine(counts, apply, false));
        });
        actions = [...actions, ...drained.actions];
      }
      counts.handled++;
      progress.update(() => progressLine(counts, apply, false));
      reports.push({
        dryRun: !apply,
        actions: sourced(actions, delivery.source),
        errors: planned.errors.map((e) => ({ ...e, input: `${delivery.source}: ${e.input}` })),
      });
      const entry = deadLetterEntry(delivery, actions.length);
      if (entry !== undefined) entries.push(entry);
    }
    const merged = mergeReports(!apply, reports);
    const report: ReplayReport = {
      ...merged,
      actions: merged.actions as SourcedAction[],
      ...(deadLetters === undefined ? {} : { deadLetters: entries }),
    };
    progress.done();
    output(report, io, options, deadLetters, counts);
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
      "Replay captured Event Grid deliveries (files, directories, JSON arrays, NDJSON, dead-letter blobs) through the service.",
    )
    .argument("[paths...]", "event files or directories")
    .option(
      "--dead-letter <location>",
      `also replay Event Grid dead-letter blobs: a container URL [/folder] (SAS in the URL, else your Azure sign-in), or {container}[/folder] on the account in AZURE_STORAGE_CONNECTION_STRING`,
    )
    .option(
      "--since <time>",
      "with --dead-letter: blobs filed at or after this ISO 8601 time (UTC)",
      parseInstant,
    )
    .option("--until <time>", "with --dead-letter: blobs filed before this ISO 8601 time (UTC)", parseInstant)
    .option("--tenant <file>", "run against the embedded emulator seeded from this tenant file")
    .option(
      "--target <url>",
      "send the events to a deployed /api/events endpoint, as Event Grid would (function key from CMKR_FUNCTION_KEY)",
    )
    .option("--apply", "make the changes (default: dry run, nothing is written)", false)
    .option("--save-tenant <file>", "with --tenant: write the emulator's final state to this file")
    .option("--json", "print the report as JSON", false)
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 some action failed or was refused (or an input could not be read), 2 usage error.",
    )
    .action(async (paths: string[], options: ReplayOptions) => {
      setExit(await runReplay(paths, options, io));
    });
}
