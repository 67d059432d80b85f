import { RestError, type ContainerClient } from "@azure/storage-blob";
import {
  DeadLetterFormatError,
  unwrapDeadLetters,
  type DeadLetterInfo,
} from "../../core/events/unwrapDeadLetters.js";
import type { DeadLetterContainer } from "./deadLetterContainer.js";
import { DeadLetterSourceError } from "./deadLetterSourceError.js";

/** One event of a dead-letter blob, as a delivery to replay. */
export interface DeadLetterDelivery {
  /** `container/blob[index]`. */
  readonly source: string;
  readonly body: unknown;
  readonly text: string;
  /** Why Event Grid dead-lettered it. */
  readonly deadLetter: DeadLetterInfo;
}

/** One dead-letter blob: its events as deliveries, or why it could not be read. */
export interface DeadLetterBlobRead {
  /** `{container}/{blob name}`. */
  readonly source: string;
  /** One delivery per event, in the blob's order; empty when `error` is set. */
  readonly deliveries: readonly DeadLetterDelivery[];
  readonly error?: string;
}

/** Which blobs to read. */
export interface DeadLetterSelection {
  /** Blobs Event Grid filed at or after this instant. */
  readonly since?: Date | undefined;
  /** Blobs Event Grid filed before this instant. */
  readonly until?: Date | undefined;
  /** Larger blobs are reported as errors instead of being read (default 64 MiB). */
  readonly maxBlobBytes?: number;
  /** Blobs downloaded ahead of the one being replayed (default 8). */
  readonly readAhead?: number;
}

interface Listed {
  name: string;
  /** Start and end (exclusive) of the time Event Grid filed the blob in, in ms. */
  from: number;
  to: number;
  size: number;
}

const hourMs = 3_600_000;

// Status and code only: a storage error's message can quote the request URL, SAS included.
function describe(error: RestError): string {
  return error.statusCode === undefined
    ? (error.code ?? "network error")
    : `HTTP ${error.statusCode}${error.code === undefined ? "" : ` ${error.code}`}`;
}

/*
 * Event Grid files dead letters as `{TOPIC}/{SUBSCRIPTION}/{year}/{month}/{day}/{hour}/{guid}.json`
 * (UTC, not zero-padded; namespace topics add a level). The hour is all the path tells, so a blob
 * covers that whole hour; a blob outside that layout is dated by its last modification.
 */
const datedPath = /(?:^|\/)(\d{4})\/(\d{1,2})\/(\d{1,2})\/(\d{1,2})\/[^/]+$/;

function dated(name: string, lastModified: Date, size: number): Listed {
  const m = datedPath.exec(name);
  if (m !== null) {
    const from = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]));
    return { name, from, to: from + hourMs, size };
  }
  return { name, from: lastModified.getTime(), to: lastModified.getTime() + 1, size };
}

function selected(blob: Listed, selection: DeadLetterSelection): boolean {
  return (
    (selection.since === undefined || blob.to > selection.since.getTime()) &&
    (selection.until === undefined || blob.from < selection.until.getTime())
  );
}

async function listBlobs(location: DeadLetterContainer, selection: DeadLetterSelection): Promise<Listed[]> {
  const listed: Listed[] = [];
  try {
    for await (const item of location.client.listBlobsFlat({ prefix: location.prefix })) {
      if (!item.name.toLowerCase().endsWith(".json")) continue;
      const blob = dated(item.name, item.properties.lastModified, item.properties.contentLength ?? 0);
      if (selected(blob, selection)) listed.push(blob);
    }
  } catch (error) {
    if (!(error instanceof RestError)) throw error;
    if (error.statusCode === 404) {
      throw new DeadLetterSourceError(
        "DeadLetterContainerNotFound",
        `${location.label}: no such container`,
        "usage",
      );
    }
    throw new DeadLetterSourceError(
      "DeadLetterListFailed",
      `${location.label}: cannot list the dead-letter blobs (${describe(error)})`,
      "failure",
    );
  }
  // Oldest first, so events replay in the order Event Grid gave up on them.
  return listed.sort((a, b) => a.from - b.from || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

async function readText(client: ContainerClient, name: string, maxBytes: number): Promise<string> {
  const response = await client.getBlobClient(name).download();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response.readableStreamBody ?? []) {
    const buffer = typeof chunk === "string" ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > maxBytes) throw new DeadLetterFormatError(`larger than ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

// Reads and unwraps one blob; every problem with the blob itself becomes its error entry.
async function readBlob(
  client: ContainerClient,
  blob: Listed,
  source: string,
  maxBytes: number,
): Promise<DeadLetterBlobRead> {
  if (blob.size > maxBytes) {
    return { source, deliveries: [], error: `the blob is ${blob.size} bytes, larger than ${maxBytes}` };
  }
  try {
    const events = unwrapDeadLetters(await readText(client, blob.name, maxBytes));
    return {
      source,
      deliveries: events.map((e) => ({
        source: `${source}[${e.index}]`,
        body: e.event,
        text: JSON.stringify(e.event),
        deadLetter: e.deadLetter,
      })),
    };
  } catch (error) {
    if (error instanceof DeadLetterFormatError) {
      return { source, deliveries: [], error: `the blob is ${error.message}` };
    }
    if (error instanceof RestError) {
      return { source, deliveries: [], error: `cannot read the blob (${describe(error)})` };
    }
    throw error;
  }
}

/**
 * Lists the dead-letter blobs under the location's folder (only `.json` blobs, as Event Grid writes
 * them), oldest first, and yields each blob's events in that order, the dead-letter properties taken
 * off. A few blobs are downloaded ahead (`readAhead`, default 8) so a large container is not read one
 * round trip at a time. A blob that cannot be read or is not events yields an `error` naming it; the
 * others still replay. A missing container is a usage error; a refused listing a failure.
 */
export async function* readDeadLetterBlobs(
  location: DeadLetterContainer,
  selection: DeadLetterSelection = {},
): AsyncGenerator<DeadLetterBlobRead> {
  const maxBytes = selection.maxBlobBytes ?? 64 * 1024 * 1024;
  const readAhead = Math.max(1, selection.readAhead ?? 8);
  const container = location.client.containerName;
  const blobs = await listBlobs(location, selection);
  const pending: Promise<DeadLetterBlobRead>[] = [];
  let next = 0;
  const fill = (): void => {
    while (pending.length < readAhead && next < blobs.length) {
      const blob = blobs[next++];
      if (blob === undefined) break;
      const read = readBlob(location.client, blob, `${container}/${blob.name}`, maxBytes);
      // Settled in order below; this only keeps a failure of a later read from going unhandled meanwhile.
      read.catch(() => undefined);
      pending.push(read);
    }
  };
  fill();
  for (let head = pending.shift(); head !== undefined; head = pending.shift()) {
    const read = await head;
    fill();
    yield read;
  }
}
