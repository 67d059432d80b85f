import type { PipelinePolicy, PipelineRequest, PipelineResponse } from "@azure/core-rest-pipeline";

/** Token-bucket size and refill rate of each ARM operation kind. */
export interface ArmBucketLimits {
  readBurst: number;
  readPerSecond: number;
  writeBurst: number;
  writePerSecond: number;
  deleteBurst: number;
  deletePerSecond: number;
}

/**
 * ARM's throttling since 2024 (Microsoft Learn, "Understand how Azure Resource Manager throttles
 * requests", azure-resource-manager/management/request-limits-and-throttling.md, "Regional
 * throttling and token bucket algorithm"): a token bucket per subscription, per service principal,
 * per operation type and per region: reads 250 tokens refilled 25/s, writes 200 refilled 10/s,
 * deletes 200 refilled 10/s (the tenant-level buckets are the same sizes). Remaining tokens are
 * reported in `x-ms-ratelimit-remaining-subscription-{reads,writes,deletes}`, and a throttled
 * request is answered 429 with `Retry-After`. Free and trial subscriptions may get less; the
 * response headers correct the pacer when they do.
 */
export const armBucketLimits: ArmBucketLimits = {
  readBurst: 250,
  readPerSecond: 25,
  writeBurst: 200,
  writePerSecond: 10,
  deleteBurst: 200,
  deletePerSecond: 10,
};

type Kind = "read" | "write" | "delete";

interface Bucket {
  /** May go below zero: each request reserves its token at once and waits its turn. */
  tokens: number;
  updatedAt: number;
  /** A 429's `Retry-After`: nothing of this kind is sent before this time. */
  pausedUntil: number;
}

/** What the pacer did, for benchmarks and telemetry. */
export interface ArmPacerStats {
  /** Requests that waited for a token (the bucket, not the caller, set the pace). */
  waited: number;
  /** Total time requests waited, in ms. */
  waitedMs: number;
  /** Throttled answers (429) that came through anyway; each pauses the bucket for its Retry-After. */
  throttled: number;
}

/** A client-side mirror of ARM's buckets, as a pipeline policy. */
export interface ArmPacer {
  readonly policy: PipelinePolicy;
  readonly stats: Readonly<ArmPacerStats>;
}

/** Options of {@link createArmPacer}. */
export interface ArmPacerOptions {
  limits?: Partial<ArmBucketLimits>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const remainingHeader: Record<Kind, string> = {
  read: "x-ms-ratelimit-remaining-subscription-reads",
  write: "x-ms-ratelimit-remaining-subscription-writes",
  delete: "x-ms-ratelimit-remaining-subscription-deletes",
};

function kindOf(method: string): Kind {
  if (method === "GET" || method === "HEAD") return "read";
  return method === "DELETE" ? "delete" : "write";
}

/** Resource Graph has its own quota (per-user query windows), not ARM's subscription buckets. */
const resourceGraph = /^\/providers\/microsoft\.resourcegraph\//i;

function retryAfterMs(response: PipelineResponse): number | undefined {
  const header = response.headers.get("retry-after");
  if (header === undefined) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

/**
 * Paces the service's ARM requests so each subscription's reads, writes and deletes stay inside
 * ARM's token buckets ({@link armBucketLimits}) instead of running into 429s and the SDK's
 * back-off: each request takes a token from its subscription's bucket of its kind, waiting for the
 * refill when the bucket is empty. The buckets follow what ARM reports: a lower
 * `x-ms-ratelimit-remaining-*` than the local count (another instance of the service, or another
 * tool under the same principal, spent tokens) lowers it, and a 429 pauses the bucket for its
 * `Retry-After`. Placed per retry, so every retry of the SDK's retry policy is paced too.
 *
 * Requests to other hosts (Key Vault, Storage) and to Resource Graph pass through untouched.
 */
export function createArmPacer(options: ArmPacerOptions = {}): ArmPacer {
  const limits = { ...armBucketLimits, ...options.limits };
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const buckets = new Map<string, Bucket>();
  const stats: ArmPacerStats = { waited: 0, waitedMs: 0, throttled: 0 };
  const size = (kind: Kind): number =>
    kind === "read" ? limits.readBurst : kind === "write" ? limits.writeBurst : limits.deleteBurst;
  const rate = (kind: Kind): number =>
    kind === "read"
      ? limits.readPerSecond
      : kind === "write"
        ? limits.writePerSecond
        : limits.deletePerSecond;

  const bucketFor = (key: string, kind: Kind): Bucket => {
    const t = now();
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: size(kind), updatedAt: t, pausedUntil: 0 };
      buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(size(kind), bucket.tokens + ((t - bucket.updatedAt) / 1000) * rate(kind));
    bucket.updatedAt = t;
    return bucket;
  };

  /** Reserves a token; resolves when it is this request's turn. */
  async function take(key: string, kind: Kind): Promise<void> {
    const bucket = bucketFor(key, kind);
    bucket.tokens -= 1;
    const refillWait = bucket.tokens >= 0 ? 0 : (-bucket.tokens / rate(kind)) * 1000;
    const wait = Math.max(refillWait, bucket.pausedUntil - now());
    if (wait <= 0) return;
    stats.waited++;
    stats.waitedMs += wait;
    await sleep(Math.ceil(wait));
  }

  const policy: PipelinePolicy = {
    name: "cmkrArmPacer",
    async sendRequest(request: PipelineRequest, next): Promise<PipelineResponse> {
      const url = new URL(request.url);
      if (resourceGraph.test(url.pathname)) return next(request);
      const kind = kindOf(request.method);
      const subscription = /^\/+subscriptions\/([^/?]+)/i.exec(url.pathname)?.[1]?.toLowerCase() ?? "tenant";
      const key = `${url.host.toLowerCase()}|${subscription}|${kind}`;
      await take(key, kind);
      const response = await next(request);
      const bucket = bucketFor(key, kind);
      const remaining = Number(response.headers.get(remainingHeader[kind]) ?? Number.NaN);
      if (Number.isFinite(remaining) && remaining < bucket.tokens) bucket.tokens = remaining;
      if (response.status === 429) {
        stats.throttled++;
        bucket.tokens = Math.min(bucket.tokens, 0);
        bucket.pausedUntil = Math.max(bucket.pausedUntil, now() + (retryAfterMs(response) ?? 1000));
      }
      return response;
    },
  };
  return { policy, stats };
}
