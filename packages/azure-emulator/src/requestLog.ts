/** One request the emulator answered. */
export interface RequestLogEntry {
  readonly seq: number;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** Emulator clock at arrival, ms since the epoch. */
  readonly startedAt: number;
  readonly durationMs: number;
  /** Object id of the caller, "anonymous" without a token. */
  readonly principal: string;
  /** Answered by an injected fault. */
  readonly fault: boolean;
  /** Answered 429 by ARM throttling. */
  readonly throttled: boolean;
}

/** A filter over log entries: method and a URL pattern, both optional. */
export interface RequestLogFilter {
  method?: string;
  url?: RegExp | string;
  status?: number;
}

function matches(entry: RequestLogEntry, filter: RequestLogFilter): boolean {
  if (filter.method !== undefined && entry.method !== filter.method.toUpperCase()) return false;
  if (filter.status !== undefined && entry.status !== filter.status) return false;
  if (filter.url !== undefined) {
    const pattern = typeof filter.url === "string" ? new RegExp(filter.url, "i") : filter.url;
    if (!pattern.test(entry.url)) return false;
  }
  return true;
}

/**
 * Every request the emulator answered, in order. Tests assert on it (e.g. "exactly one PATCH per
 * consumer") and benchmarks count Azure requests with it. Bodies and headers are not kept, so no
 * token can leak through it.
 */
export class RequestLog {
  private readonly list: RequestLogEntry[] = [];

  record(entry: Omit<RequestLogEntry, "seq">): void {
    this.list.push({ seq: this.list.length + 1, ...entry });
  }

  /** All entries, oldest first. */
  entries(filter: RequestLogFilter = {}): readonly RequestLogEntry[] {
    return this.list.filter((e) => matches(e, filter));
  }

  /** How many entries match. */
  count(filter: RequestLogFilter = {}): number {
    let n = 0;
    for (const e of this.list) if (matches(e, filter)) n++;
    return n;
  }

  clear(): void {
    this.list.length = 0;
  }
}
