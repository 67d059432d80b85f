/** Resource Graph's per-principal query quota (Azure: on the order of 15 queries per 5 s). */
export interface ResourceGraphQuota {
  /** Queries a principal may send per window. */
  limit: number;
  windowSeconds: number;
}

/** The outcome of counting one query against a principal's quota. */
export interface QuotaDecision {
  readonly allowed: boolean;
  /** `x-ms-user-quota-*` headers, plus `retry-after` when refused. */
  readonly headers: Record<string, string>;
}

function hhmmss(totalSeconds: number): string {
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${pad(Math.floor(totalSeconds / 3600))}:${pad(Math.floor((totalSeconds % 3600) / 60))}:${pad(totalSeconds % 60)}`;
}

/**
 * Fixed windows per principal: a window opens with the principal's first query and the whole
 * quota comes back when it ends, which is what `x-ms-user-quota-resets-after` reports.
 */
export class ResourceGraphQuotaTracker {
  private readonly windows = new Map<string, { start: number; used: number }>();

  constructor(private readonly quota: ResourceGraphQuota) {}

  /** Counts one query of `principal` at `now` (ms) unless the quota is spent. */
  take(principal: string, now: number): QuotaDecision {
    const windowMs = this.quota.windowSeconds * 1000;
    let window = this.windows.get(principal);
    if (window === undefined || now >= window.start + windowMs) {
      window = { start: now, used: 0 };
      this.windows.set(principal, window);
    }
    const allowed = window.used < this.quota.limit;
    if (allowed) window.used++;
    const resetsAfter = Math.max(0, Math.ceil((window.start + windowMs - now) / 1000));
    const headers: Record<string, string> = {
      "x-ms-user-quota-remaining": String(this.quota.limit - window.used),
      "x-ms-user-quota-resets-after": hhmmss(resetsAfter),
    };
    if (!allowed) headers["retry-after"] = String(Math.max(1, resetsAfter));
    return { allowed, headers };
  }
}
