import { createHash } from "node:crypto";
import { appendFile, mkdir } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { TicketContent, TicketRef, TicketSink } from "./ticketSink.js";

/**
 * Tickets as JSON lines in a local file, one line per operation: for local runs and as an audit
 * trail. Writes are chained so concurrent tickets never interleave within a line.
 */
export function fileSink(path: string, now: () => number = Date.now): TicketSink {
  const file = resolve(path);
  let chain: Promise<void> = mkdir(dirname(file), { recursive: true }).then(() => undefined);
  const write = (record: Record<string, unknown>): Promise<void> => {
    const line = `${JSON.stringify({ ...record, at: new Date(now()).toISOString() })}\n`;
    const next = chain.then(() => appendFile(file, line, "utf8"));
    chain = next.catch(() => undefined);
    return next;
  };
  return {
    name: "file",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const id = createHash("sha256")
        .update(`${ticket.resourceId.toLowerCase()}|${ticket.findingCode}|${now()}`)
        .digest("hex")
        .slice(0, 16);
      const ref = { sink: "file", externalId: id, url: `${pathToFileURL(file).href}#${id}` };
      await write({ op: "open", ref, ticket });
      return ref;
    },
    async update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void> {
      await write({ op: "update", ref, ticket, note });
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      await write({ op: "close", ref, comment });
    },
  };
}
