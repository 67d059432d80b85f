import { createHash } from "node:crypto";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import {
  TicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "../../core/tickets/ticketSink.js";

/** JSON-lines file settings. */
export interface FileSinkOptions {
  path: string;
  /** The clock, in milliseconds since the epoch. */
  now?: () => number;
}

/** One line of the file. */
export interface FileSinkRecord {
  op: "open" | "update" | "close";
  /** ISO 8601. */
  at: string;
  ref: TicketRef;
  ticket?: TicketContent;
  note?: string;
  comment?: string;
}

// One chain per file for the whole process: two sinks on the same file still write one line at a time.
const chains = new Map<string, Promise<void>>();

function append(file: string, line: string): Promise<void> {
  const previous = chains.get(file) ?? Promise.resolve();
  const next = previous.then(async () => {
    await mkdir(dirname(file), { recursive: true });
    await appendFile(file, line, "utf8");
  });
  const settled = next.catch(() => undefined);
  chains.set(file, settled);
  void settled.then(() => {
    if (chains.get(file) === settled) chains.delete(file);
  });
  return next;
}

function fileError(what: string, error: unknown): TicketSinkError {
  const code = (error as { code?: unknown } | null)?.code;
  const name = typeof code === "string" ? code : "error";
  if (name === "EACCES" || name === "EPERM") {
    return new TicketSinkError("TicketSinkUnauthorized", "file", `${what} failed: ${name}`, {
      retryable: false,
    });
  }
  if (name === "EISDIR" || name === "ENOTDIR" || name === "EROFS") {
    return new TicketSinkError("TicketSinkRejected", "file", `${what} failed: ${name}`, { retryable: false });
  }
  return new TicketSinkError("TicketSinkFailed", "file", `${what} failed: ${name}`, { retryable: true });
}

/**
 * Tickets as JSON lines in a local file, one {@link FileSinkRecord} per operation: for local runs
 * and as an audit trail. The directory is created when missing; appends to one file are chained,
 * so concurrent tickets never interleave within a line.
 */
export function fileSink(options: FileSinkOptions): TicketSink {
  const file = resolve(options.path);
  const fileUrl = pathToFileURL(file).href;
  const now = options.now ?? Date.now;
  const write = async (what: string, record: Omit<FileSinkRecord, "at">): Promise<void> => {
    const { op, ...rest } = record;
    const line: FileSinkRecord = { op, at: new Date(now()).toISOString(), ...rest };
    try {
      await append(file, `${JSON.stringify(line)}\n`);
    } catch (error) {
      throw fileError(what, error);
    }
  };
  return {
    name: "file",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const id = createHash("sha256")
        .update(`${ticket.resourceId.toLowerCase()}\n${ticket.findingCode}\n${now()}`)
        .digest("hex")
        .slice(0, 16);
      const ref: TicketRef = { sink: "file", externalId: id, url: `${fileUrl}#${id}` };
      await write("writing the new ticket", { op: "open", ref, ticket });
      return ref;
    },
    async update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void> {
      await write("writing the update", { op: "update", ref, ticket, note });
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      await write("writing the closure", { op: "close", ref, comment });
    },
  };
}
