import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import { createInterface } from "node:readline";
import { eventGridBatches, eventGridLimits } from "../core/events/eventGridLimits.js";
import { locateJsonSyntaxError } from "../core/events/locateJsonSyntaxError.js";
import type { DeadLetterInfo } from "../core/events/unwrapDeadLetters.js";
import type { ReportError } from "../core/report/report.js";
import { usageError } from "./cliError.js";

/** One delivery as Event Grid would send it: a single event or a batch (JSON array). */
export interface EventDelivery {
  /** Where it came from: `file`, `file:line` for NDJSON, `container/blob[index]` for a dead letter. */
  source: string;
  /** The parsed JSON. */
  body: unknown;
  text: string;
  /** Why Event Grid dead-lettered it, for an event read from a dead-letter blob. */
  deadLetter?: DeadLetterInfo;
}

/** A file to replay and its size (the total of a run's progress). */
export interface EventFile {
  readonly path: string;
  readonly bytes: number;
}

/**
 * One step of reading: a delivery (with how many events it holds and how many bytes of the input
 * it accounts for), an input that could not be read (named with file, line and column), or a
 * warning about a delivery Event Grid could not have sent as it is.
 */
export type EventInput =
  | {
      readonly kind: "delivery";
      readonly delivery: EventDelivery;
      readonly events: number;
      readonly bytes: number;
    }
  | { readonly kind: "error"; readonly error: ReportError; readonly bytes: number }
  | { readonly kind: "warning"; readonly message: string };

const eventFileExtensions = new Set([".json", ".ndjson", ".jsonl"]);

const mb = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(1)} MB`;

/**
 * Resolves the paths of `cmkr replay` to the files to read, in order: a file as given, a
 * directory's `.json`, `.ndjson` and `.jsonl` files in name order (so `01-...`, `02-...` replay in
 * sequence). A missing path, or a directory without event files, is a usage error: a run that
 * reads nothing must not end as a success.
 */
export async function listEventFiles(paths: readonly string[]): Promise<EventFile[]> {
  const out: EventFile[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw usageError(`${path}: no such file or directory`, "EventInputMissing");
    }
    if (!info.isDirectory()) {
      out.push({ path, bytes: info.size });
      continue;
    }
    const entries = (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile());
    const names = entries
      .map((e) => e.name)
      .filter((n) => eventFileExtensions.has(extname(n).toLowerCase()))
      .sort();
    if (names.length === 0) {
      const others = entries.map((e) => e.name).sort();
      throw usageError(
        `${path}: no event files in this directory (replay reads *.json, *.ndjson and *.jsonl)` +
          (others.length === 0
            ? ""
            : `; it holds ${others.length} other file(s), e.g. ${others.slice(0, 3).join(", ")}`),
        "EventInputEmpty",
      );
    }
    for (const name of names) {
      const file = join(path, name);
      out.push({ path: file, bytes: (await stat(file)).size });
    }
  }
  return out;
}

/** The JSON of one delivery, or where and why it is not JSON (never quoting the text). */
function parse(text: string, source: string, lineOffset = 0): { body: unknown } | { error: ReportError } {
  const json = text.replace(/^\uFEFF/, "");
  if (json.trim() === "") {
    return { error: { input: source, message: "empty; expected an event object or an array of events" } };
  }
  try {
    return { body: JSON.parse(json) as unknown };
  } catch {
    const where = locateJsonSyntaxError(json);
    if (where === undefined) return { error: { input: source, message: "not valid JSON" } };
    return {
      error: {
        input: `${source}:${where.line + lineOffset}:${where.column}`,
        message: `not valid JSON: ${where.problem}`,
      },
    };
  }
}

function byteLength(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value), "utf8");
}

/**
 * One parsed delivery as Event Grid could have delivered it: an array beyond Event Grid's batch
 * limits is split into batches within them, and every event over 1 MB is warned about.
 */
function* deliveriesOf(body: unknown, text: string, source: string, bytes: number): Generator<EventInput> {
  if (!Array.isArray(body)) {
    if (Buffer.byteLength(text, "utf8") > eventGridLimits.maxEventBytes) {
      yield {
        kind: "warning",
        message: `${source}: the event is ${mb(Buffer.byteLength(text, "utf8"))}, over Event Grid's 1 MB event limit; Event Grid would never deliver it`,
      };
    }
    yield { kind: "delivery", delivery: { source, body, text }, events: 1, bytes };
    return;
  }
  const events = body as unknown[];
  const textBytes = Buffer.byteLength(text, "utf8");
  const withinLimits =
    events.length <= eventGridLimits.maxEventsPerBatch && textBytes <= eventGridLimits.maxBatchBytes;
  if (withinLimits) {
    yield { kind: "delivery", delivery: { source, body, text }, events: events.length, bytes };
    return;
  }
  const sizes = events.map(byteLength);
  const tooLarge = sizes.filter((s) => s > eventGridLimits.maxEventBytes).length;
  if (tooLarge > 0) {
    yield {
      kind: "warning",
      message: `${source}: ${tooLarge} event(s) over Event Grid's 1 MB event limit; Event Grid would never deliver them`,
    };
  }
  const batches = eventGridBatches(events.length, (i) => sizes[i] ?? 0);
  yield {
    kind: "warning",
    message: `${source}: ${events.length.toLocaleString("en-US")} events (${mb(textBytes)}) in one delivery; Event Grid delivers at most 5,000 events and 1 MB per batch, so it is replayed as ${batches.length} batches`,
  };
  for (const [start, end] of batches) {
    const batch = events.slice(start, end);
    yield {
      kind: "delivery",
      delivery: { source: `${source}[${start}-${end - 1}]`, body: batch, text: JSON.stringify(batch) },
      events: batch.length,
      bytes: Math.round((bytes * batch.length) / events.length),
    };
  }
}

async function* readJsonFile(file: EventFile): AsyncGenerator<EventInput> {
  const text = await readFile(file.path, "utf8");
  const parsed = parse(text, file.path);
  if ("error" in parsed) {
    yield { kind: "error", error: parsed.error, bytes: file.bytes };
    return;
  }
  yield* deliveriesOf(parsed.body, text, file.path, file.bytes);
}

/** NDJSON a line at a time: memory stays flat however large the file. */
async function* readNdjsonFile(file: EventFile): AsyncGenerator<EventInput> {
  const lines = createInterface({
    input: createReadStream(file.path, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  let number = 0;
  for await (const raw of lines) {
    number++;
    const bytes = Buffer.byteLength(raw, "utf8") + 1;
    const line = number === 1 ? raw.replace(/^\uFEFF/, "") : raw;
    if (line.trim() === "") continue;
    const source = `${file.path}:${number}`;
    const parsed = parse(line, file.path, number - 1);
    if ("error" in parsed) {
      yield { kind: "error", error: parsed.error, bytes };
      continue;
    }
    yield* deliveriesOf(parsed.body, line.trim(), source, bytes);
  }
}

/**
 * Reads the files in order, one delivery at a time: a JSON file is one delivery (a JSON array is a
 * batch), each NDJSON line is one. Text that is not JSON is an error naming file, line and column;
 * the other deliveries are still read.
 */
export async function* readEventFiles(files: readonly EventFile[]): AsyncGenerator<EventInput> {
  for (const file of files) {
    const ext = extname(file.path).toLowerCase();
    yield* ext === ".ndjson" || ext === ".jsonl" ? readNdjsonFile(file) : readJsonFile(file);
  }
}
