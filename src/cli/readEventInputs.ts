import { readdir, readFile, stat } from "node:fs/promises";
import { extname, join } from "node:path";
import type { DeadLetterInfo } from "../core/events/unwrapDeadLetters.js";
import { usageError } from "./cliError.js";

/** One delivery as Event Grid would send it: a single event or a batch (JSON array). */
export interface EventDelivery {
  /** Where it came from: `file`, `file:line` for NDJSON, `container/blob[index]` for a dead letter. */
  source: string;
  /** The parsed JSON, or the raw text when it is not JSON (the decoder reports it). */
  body: unknown;
  text: string;
  /** Why Event Grid dead-lettered it, for an event read from a dead-letter blob. */
  deadLetter?: DeadLetterInfo;
}

const eventFileExtensions = new Set([".json", ".ndjson", ".jsonl"]);

async function readOne(path: string): Promise<EventDelivery[]> {
  const text = await readFile(path, "utf8");
  const ext = extname(path).toLowerCase();
  if (ext === ".ndjson" || ext === ".jsonl") {
    return text
      .split(/\r?\n/)
      .map((line, i) => ({ line: line.trim(), number: i + 1 }))
      .filter((l) => l.line.length > 0)
      .map((l) => ({ source: `${path}:${l.number}`, text: l.line, body: parseOrText(l.line) }));
  }
  return [{ source: path, text, body: parseOrText(text) }];
}

function parseOrText(text: string): unknown {
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch {
    return text;
  }
}

/**
 * Reads event files and directories in the order given; a directory's `.json`, `.ndjson` and
 * `.jsonl` files in name order (so `01-...`, `02-...` replay in sequence). A JSON file is one
 * delivery (a JSON array is a batch); each NDJSON line is one delivery.
 */
export async function readEventInputs(paths: readonly string[]): Promise<EventDelivery[]> {
  const out: EventDelivery[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch {
      throw usageError(`${path}: no such file or directory`, "EventInputMissing");
    }
    if (info.isDirectory()) {
      const names = (await readdir(path))
        .filter((n) => eventFileExtensions.has(extname(n).toLowerCase()))
        .sort();
      for (const name of names) out.push(...(await readOne(join(path, name))));
    } else {
      out.push(...(await readOne(path)));
    }
  }
  return out;
}
