import { armError } from "./armError.js";
import type { EmulatorRequest, EmulatorResponse } from "./emulatorTypes.js";
import { seededRandom } from "./seededRandom.js";

/** Status codes the emulator can inject, as Azure answers them. */
export type InjectedStatus = 408 | 429 | 500 | 502 | 503 | 504;

/**
 * One fault: which requests it applies to and how often. A rule with neither `rate` nor `count`
 * applies to every matching request until removed.
 */
export interface FaultRule {
  status: InjectedStatus;
  /** Only this HTTP method (upper-case). */
  method?: string;
  /** Only URLs matching this pattern (a string is a case-insensitive regular expression). */
  url?: RegExp | string;
  /** Probability 0..1 that a matching request fails (seeded, so runs repeat). */
  rate?: number;
  /** Fail at most this many matching requests, then stop. */
  count?: number;
  /** `Retry-After` seconds sent with 429 and 503. Omitted for 429 means ARM's "no header" case. */
  retryAfterSeconds?: number;
  /**
   * Decide `rate` per request from this seed instead of the shared random sequence: the n-th time a
   * given method and URL is seen always gets the same answer, so concurrent callers meet the same
   * faults run after run whatever order their requests interleave in (what a chaos replay needs).
   */
  seed?: number;
}

const codes: Record<InjectedStatus, string> = {
  408: "RequestTimeout",
  429: "TooManyRequests",
  500: "InternalServerError",
  502: "BadGateway",
  503: "ServiceUnavailable",
  504: "GatewayTimeout",
};

interface ActiveRule {
  rule: FaultRule;
  pattern: RegExp | undefined;
  remaining: number;
  /** Requests seen per method and URL, for seeded rules. */
  seen: Map<string, number>;
}

/** 32-bit FNV-1a: a stable, well-spread number for a string. */
function fnv1a(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * The identity of a request for seeded rules. Long-running-operation names are random, so the
 * status and result URLs of operations are reduced to their kind.
 */
function requestIdentity(request: EmulatorRequest): string {
  const url = request.url.toString().replace(/\/(operationStatuses|operationResults)\/[^/?]+/i, "/$1/*");
  return `${request.method} ${url.toLowerCase()}`;
}

/** Decides, per request, whether an injected fault answers it instead of the emulated service. */
export class FaultInjector {
  private readonly rules: ActiveRule[] = [];
  /** Faults injected so far. */
  injected = 0;
  /** Faults injected so far, by status code. */
  readonly injectedByStatus = new Map<InjectedStatus, number>();

  constructor(private readonly random: () => number) {}

  add(rule: FaultRule): void {
    if (rule.rate !== undefined && (rule.rate < 0 || rule.rate > 1)) {
      throw new RangeError(`fault rate must be between 0 and 1, got ${rule.rate}`);
    }
    const pattern =
      rule.url === undefined
        ? undefined
        : typeof rule.url === "string"
          ? new RegExp(rule.url, "i")
          : rule.url;
    this.rules.push({ rule, pattern, remaining: rule.count ?? Number.POSITIVE_INFINITY, seen: new Map() });
  }

  clear(): void {
    this.rules.length = 0;
  }

  /** The injected answer for this request, or undefined to let it through. */
  match(request: EmulatorRequest): EmulatorResponse | undefined {
    const url = request.url.toString();
    for (const active of this.rules) {
      const { rule } = active;
      if (active.remaining <= 0) continue;
      if (rule.method !== undefined && rule.method.toUpperCase() !== request.method) continue;
      if (active.pattern !== undefined && !active.pattern.test(url)) continue;
      if (rule.rate !== undefined && this.draw(active, request) >= rule.rate) continue;
      active.remaining--;
      this.injected++;
      this.injectedByStatus.set(rule.status, (this.injectedByStatus.get(rule.status) ?? 0) + 1);
      const headers: Record<string, string> = {};
      if (rule.retryAfterSeconds !== undefined) headers["retry-after"] = String(rule.retryAfterSeconds);
      return armError(
        rule.status,
        codes[rule.status],
        `Injected fault ${rule.status} for ${request.method} ${request.url.pathname}`,
        headers,
      );
    }
    return undefined;
  }

  /** A number in 0..1 for this request: seeded per request identity, or the next of the shared sequence. */
  private draw(active: ActiveRule, request: EmulatorRequest): number {
    const seed = active.rule.seed;
    if (seed === undefined) return this.random();
    const identity = requestIdentity(request);
    const n = active.seen.get(identity) ?? 0;
    active.seen.set(identity, n + 1);
    return seededRandom(fnv1a(`${seed}|${identity}|${n}`))();
  }
}
