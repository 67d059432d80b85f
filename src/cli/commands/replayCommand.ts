import type { Command } from "commander";
import { writeFile } from "node:fs/promises";
import { handleEvents } from "../../app/handleEvents.js";
import { canonicalResourceType } from "../../core/consumers/registry.js";
import { decodeDelivery } from "../../core/events/decodeDelivery.js";
import { EventTypes } from "../../core/events/eventTypes.js";
import { previewAction } from "../../core/report/previewAction.js";
import {
  reportHasProblems,
  type Report,
  type ReportAction,
  type ReportError,
} from "../../core/report/report.js";
import {
  DeadLetterSourceError,
  openDeadLetterSource,
  type DeadLetterSource,
} from "../../runtime/deadLetterSource.js";
import { createPreviewRun, type ServiceRun } from "../../runtime/previewRun.js";
import { failure, usageError, type CliError } from "../cliError.js";
import type { CliIo } from "../cliIo.js";
import { exitCodes, type ExitCode } from "../exitCodes.js";
import { formatDeadLetters, type DeadLetterEntry } from "../formatDeadLetters.js";
import { formatReportTable } from "../formatReport.js";
import { listenForInterrupt } from "../interruptSignal.js";
import { openCliRuntime } from "../openCliRuntime.js";
import { parseInstant } from "../parseInstant.js";
import { createProgress, type Progress } from "../progress.js";
import {
  listEventFiles,
  readEventFiles,
  type EventDelivery,
  type EventFile,
  type EventInput,
} from "../readEventInputs.js";
import { replayCounts, replayProgressLine, type ReplayCounts } from "../replayProgress.js";
import { checkTarget, parseTarget, sendDelivery, targetLabel } from "../sendDeliveries.js";
import { terminalWidth } from "../terminalWidth.js";

/** Options of `cmkr replay`. */
export interface ReplayOptions {
  tenant?: string;
  target?: string;
  apply?: boolean;
  saveTenant?: string;
  json?: boolean;
  wide?: boolean;
  deadLetter?: string;
  since?: Date;
  until?: Date;
}

/** A report action with the delivery it came from (`file`, `file:line`, `container/blob[index]`). */
export type SourcedAction = ReportAction & { source: string };

/** Events of types the service does not act on, counted by type. */
export interface IgnoredEvents {
  eventType: string;
  count: number;
}

/**
 * What `cmkr replay` prints with `--json`: the report contract, each action naming its input; for
 * dead-letter input one entry per replayed event with Event Grid's reasons; the events skipped
 * because the service does not handle their type; warnings about deliveries Event Grid could not
 * have sent as they are; and, when Ctrl-C stopped it, `interrupted`.
 */
export interface ReplayReport extends Report {
  actions: SourcedAction[];
  deadLetters?: DeadLetterEntry[];
  ignoredEvents?: IgnoredEvents[];
  warnings?: string[];
  interrupted?: boolean;
}

/** One step of the input: a file's delivery, warning or error, or a dead-letter blob's. */
type InputItem = EventInput;

/** Everything a run gathers while it goes, so an interrupted run can still report it. */
interface RunState {
  report: ReplayReport;
  entries: DeadLetterEntry[];
  ignored: Map<string, number>;
  counts: ReplayCounts;
  /** Lines of `--target` answers (`200  file`). */
  lines: string[];
  sent: number;
  notAccepted: number;
  interrupted?: NodeJS.Signals;
}

async function* inputItems(
  files: AsyncIterable<EventInput>,
  deadLetters: DeadLetterSource | undefined,
  options: ReplayOptions,
  counts: ReplayCounts,
): AsyncGenerator<InputItem> {
  yield* files;
  if (deadLetters === undefined) return;
  try {
    for await (const blob of deadLetters.read({ since: options.since, until: options.until })) {
      counts.blobs++;
      if (blob.error !== undefined)
        yield { kind: "error", error: { input: blob.source, message: blob.error }, bytes: 0 };
      for (const delivery of blob.deliveries) yield { kind: "delivery", delivery, events: 1, bytes: 0 };
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

/** Each action with its input, and one spelling of every resource type (the registry's). */
function sourced(actions: readonly ReportAction[], source: string): SourcedAction[] {
  return actions.map((a) => ({ ...a, resourceType: canonicalResourceType(a.resourceType), source }));
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

/** A decode error of one delivery, named by its input and, inside it, the JSON path. */
function decodeErrorOf(source: string, field: string, problem: string): ReportError {
  return { input: field === "$" ? source : `${source} at ${field}`, message: problem };
}

const handledTypes = [
  EventTypes.KeyNewVersionCreated,
  EventTypes.KeyNearExpiry,
  EventTypes.KeyExpired,
  EventTypes.ResourceWriteSuccess,
  EventTypes.ResourceDeleteSuccess,
  EventTypes.ResourceCreatedOrUpdated,
  EventTypes.ResourceDeleted,
];

function ignoredList(ignored: ReadonlyMap<string, number>): IgnoredEvents[] {
  return [...ignored.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .map(([eventType, count]) => ({ eventType, count }));
}

function ignoredNote(ignored: readonly IgnoredEvents[]): string | undefined {
  if (ignored.length === 0) return undefined;
  const total = ignored.reduce((sum, i) => sum + i.count, 0);
  return `Skipped ${total} event(s) of types the service does not handle: ${ignored.map((i) => `${i.eventType} (${i.count})`).join(", ")}.`;
}

function interruptedNote(state: RunState, verb: string): string | undefined {
  if (state.interrupted === undefined) return undefined;
  return `Interrupted (${state.interrupted}) after ${state.counts.handled} deliver${state.counts.handled === 1 ? "y" : "ies"} ${verb}; what was in flight was finished, the rest was not read.`;
}

function finalReport(state: RunState, deadLetters: DeadLetterSource | undefined): ReplayReport {
  const ignoredEvents = ignoredList(state.ignored);
  return {
    ...state.report,
    ...(deadLetters === undefined ? {} : { deadLetters: state.entries }),
    ...(ignoredEvents.length === 0 ? {} : { ignoredEvents }),
    ...(state.interrupted === undefined ? {} : { interrupted: true }),
  };
}

function output(
  report: ReplayReport,
  io: CliIo,
  options: ReplayOptions,
  deadLetters: DeadLetterSource | undefined,
  state: RunState,
  humanHead = "",
): void {
  if (options.json === true) {
    io.out(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  io.out(humanHead);
  const notes = [
    ignoredNote(report.ignoredEvents ?? []),
    interruptedNote(state, options.target === undefined ? "handled" : "sent"),
  ].filter((n) => n !== undefined);
  if (options.target === undefined) {
    io.out(
      formatReportTable(report, {
        width: terminalWidth(io.outStream ?? {}),
        wide: options.wide === true,
        notes,
      }),
    );
  } else {
    for (const note of notes) io.out(`${note}\n`);
    for (const e of report.errors) io.out(`error: ${e.input}: ${e.message}\n`);
  }
  if (deadLetters !== undefined)
    io.out(formatDeadLetters(report.deadLetters ?? [], state.counts.blobs, deadLetters));
}

/** Takes a warning or an error of the input; true when the item was a delivery to handle. */
function takeItem(
  item: InputItem,
  state: RunState,
  io: CliIo,
  progress: Progress,
): item is Extract<InputItem, { kind: "delivery" }> {
  if (item.kind === "warning") {
    // Shown at once (a long run should not keep them to the end) and kept for the report.
    (state.report.warnings ??= []).push(item.message);
    progress.clear();
    io.err(`warning: ${item.message}\n`);
    return false;
  }
  state.counts.bytesDone += item.bytes;
  if (item.kind === "error") {
    state.report.errors.push(item.error);
    return false;
  }
  state.counts.deliveries++;
  state.counts.events += item.events;
  return true;
}

async function sendAll(
  items: AsyncIterable<InputItem>,
  url: URL,
  state: RunState,
  io: CliIo,
  progress: Progress,
  stopping: () => boolean,
  started: number,
): Promise<void> {
  const functionKey = process.env.CMKR_FUNCTION_KEY;
  for await (const item of items) {
    if (!takeItem(item, state, io, progress)) continue;
    const { delivery } = item;
    // One delivery per request, as Event Grid sends them (and so each answer maps to its input).
    const answer = await sendDelivery(delivery, url, { functionKey });
    state.counts.handled++;
    state.sent++;
    progress.update(() => replayProgressLine(state.counts, Date.now() - started, "sent"));
    state.lines.push(`${answer.status}  ${answer.source}`);
    if (answer.status < 200 || answer.status >= 300) state.notAccepted++;
    const answered = answerReport(delivery.source, answer.status, answer.body);
    state.report.actions.push(...sourced(answered.actions, delivery.source));
    state.report.errors.push(...answered.errors);
    const entry = deadLetterEntry(delivery, answered.actions.length);
    if (entry !== undefined) state.entries.push(entry);
    if (stopping()) return;
  }
}

async function replayLocally(
  items: AsyncIterable<InputItem>,
  run: ServiceRun,
  preview: boolean,
  state: RunState,
  io: CliIo,
  progress: Progress,
  stopping: () => boolean,
  started: number,
): Promise<void> {
  const tick = () => {
    progress.update(() => replayProgressLine(state.counts, Date.now() - started, "read"));
  };
  for await (const item of items) {
    if (!takeItem(item, state, io, progress)) continue;
    const { delivery } = item;
    // Out-of-scope ARM events are kept so triage reports each skip with its reason.
    const { events, errors } = decodeDelivery(delivery.body, { filterByScope: false });
    for (const e of events) {
      if (e.kind === "Ignored") state.ignored.set(e.eventType, (state.ignored.get(e.eventType) ?? 0) + 1);
    }
    // The apply path in both modes: a dry run's context writes nothing (see createPreviewRun).
    let planned: Report;
    try {
      planned = await handleEvents(events, [], run.ctx, { preview: false });
    } catch (error) {
      // One delivery that cannot be handled is an error naming it; the others still replay.
      state.report.errors.push({ input: delivery.source, message: errorText(error) });
      state.counts.handled++;
      tick();
      if (stopping()) return;
      continue;
    }
    state.counts.jobsQueued += planned.actions.filter((a) => a.status === "planned").length;
    tick();
    // Queued jobs are reported by the worker; keep only what planning decided by itself.
    const drained = await run.drain(() => {
      state.counts.jobsDone++;
      tick();
    });
    let actions = [...planned.actions.filter((a) => a.status !== "planned"), ...drained.actions];
    if (preview) actions = actions.map(previewAction);
    state.counts.handled++;
    tick();
    state.report.actions.push(...sourced(actions, delivery.source));
    state.report.errors.push(...errors.map((e) => decodeErrorOf(delivery.source, e.field, e.problem)));
    const entry = deadLetterEntry(delivery, actions.length);
    if (entry !== undefined) state.entries.push(entry);
    if (stopping()) return;
  }
}

function checkOptions(paths: readonly string[], options: ReplayOptions): void {
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
}

/**
 * A replay that read deliveries but none holding an event the service acts on did nothing a user
 * could have wanted: a wrong file, a topic's other traffic. Usage error, after the report.
 */
function nothingHandled(state: RunState, files: readonly EventFile[]): CliError | undefined {
  const ignored = [...state.ignored.values()].reduce((sum, n) => sum + n, 0);
  if (state.interrupted !== undefined || state.report.actions.length > 0 || state.report.errors.length > 0) {
    return undefined;
  }
  // An empty dead-letter folder is good news; event files without events are a mistake.
  if (ignored === 0) {
    return state.counts.events === 0 && state.counts.blobs === 0 && files.length > 0
      ? usageError(
          `nothing to read: ${files.length === 1 ? (files[0]?.path ?? "the file") : `the ${files.length} files`} hold${files.length === 1 ? "s" : ""} no events`,
          "NoEvents",
        )
      : undefined;
  }
  return usageError(
    `nothing to do: none of the ${ignored} event(s) read is of a type the service handles (${handledTypes.join(", ")})`,
    "NoHandledEvents",
  );
}

function exitCodeOf(state: RunState): ExitCode {
  if (state.interrupted !== undefined) return exitCodes.interrupted;
  return state.notAccepted > 0 || reportHasProblems(state.report) ? exitCodes.failure : exitCodes.ok;
}

/**
 * Replays captured deliveries (files, directories, NDJSON, Event Grid dead-letter blobs) through the
 * same pipeline as the Event Grid triggers, or sends them to a deployed endpoint (`--target`). With
 * `--apply` the queued jobs are run by an in-process worker and the report shows what it did;
 * without it, the same path runs against a per-run overlay that writes nothing (a faithful preview).
 * Input is streamed (NDJSON a line at a time) with a progress line on a terminal. Ctrl-C stops
 * taking new deliveries, finishes the one in flight, reports, saves `--save-tenant` and exits 130.
 */
export async function runReplay(
  paths: readonly string[],
  options: ReplayOptions,
  io: CliIo,
): Promise<ExitCode> {
  checkOptions(paths, options);
  // Listening from the start: a Ctrl-C while the emulator and storage start still ends cleanly.
  const interrupt = (io.interrupt ?? listenForInterrupt)();
  let interrupted: NodeJS.Signals | undefined;
  void interrupt.signal.then((signal) => {
    interrupted = signal;
  });
  try {
    return await replay(paths, options, io, () => interrupted);
  } finally {
    interrupt.dispose();
  }
}

async function replay(
  paths: readonly string[],
  options: ReplayOptions,
  io: CliIo,
  interruptedBy: () => NodeJS.Signals | undefined,
): Promise<ExitCode> {
  // Everything the user named is checked before anything starts.
  const files = await listEventFiles(paths);
  const deadLetters =
    options.deadLetter === undefined
      ? undefined
      : await openDeadLetterSource(options.deadLetter).catch((error: unknown) => {
          throw deadLetterCliError(error);
        });
  const url = options.target === undefined ? undefined : parseTarget(options.target);
  if (url !== undefined) await checkTarget(url, { functionKey: process.env.CMKR_FUNCTION_KEY });

  const state: RunState = {
    report: { dryRun: url === undefined ? options.apply !== true : false, actions: [], errors: [] },
    entries: [],
    ignored: new Map(),
    counts: replayCounts(files.reduce((sum, f) => sum + f.bytes, 0)),
    lines: [],
    sent: 0,
    notAccepted: 0,
  };
  const items = inputItems(readEventFiles(files), deadLetters, options, state.counts);
  const progress = createProgress(io.progress, { json: options.json === true });
  const stopping = () => {
    state.interrupted ??= interruptedBy();
    return state.interrupted !== undefined;
  };
  try {
    if (url !== undefined) {
      await sendAll(items, url, state, io, progress, stopping, Date.now());
      progress.done();
      const report = finalReport(state, deadLetters);
      output(
        report,
        io,
        options,
        deadLetters,
        state,
        `${state.lines.map((l) => `${l}\n`).join("")}Sent ${state.sent} deliveries to ${targetLabel(url)}; ${state.notAccepted} not accepted.\n`,
      );
      const none = nothingHandled(state, files);
      if (none !== undefined) throw none;
      return exitCodeOf(state);
    }
    const apply = options.apply === true;
    const local = await openCliRuntime({
      ...(options.tenant === undefined ? {} : { tenant: options.tenant }),
      apply,
    });
    try {
      const run: ServiceRun = apply
        ? { ctx: local.runtime.ctx, drain: (onJob) => local.drain(onJob) }
        : createPreviewRun(local.runtime.ctx);
      // The rate and the time left count from here, not from the emulator's and storage's start.
      const started = Date.now();
      if (!stopping()) await replayLocally(items, run, !apply, state, io, progress, stopping, started);
      progress.done();
      output(finalReport(state, deadLetters), io, options, deadLetters, state);
      if (options.saveTenant !== undefined && local.emulator !== undefined) {
        await writeFile(options.saveTenant, `${JSON.stringify(local.emulator.toTenantFile(), null, 2)}\n`);
      }
      const none = nothingHandled(state, files);
      if (none !== undefined) throw none;
      return exitCodeOf(state);
    } finally {
      await local.close();
    }
  } finally {
    progress.done();
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
    .option("--apply", "make the changes (default: dry run, a faithful preview that writes nothing)", false)
    .option("--save-tenant <file>", "with --tenant: write the emulator's final state to this file")
    .option("--json", "print the report as JSON", false)
    .option("--wide", "print every field in full, one line per action, whatever the terminal width", false)
    .addHelpText(
      "after",
      "\nExit codes: 0 done, 1 some action failed or was refused (or an input could not be read), 2 usage error (including no event files, or no event the service handles), 130 interrupted (Ctrl-C) after printing what was done.",
    )
    .action(async (paths: string[], options: ReplayOptions) => {
      setExit(await runReplay(paths, options, io));
    });
}
