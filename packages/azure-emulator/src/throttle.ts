/** Token-bucket sizes and refill rates of ARM's subscription throttling. */
export interface ThrottleLimits {
  readBurst: number;
  readPerSecond: number;
  writeBurst: number;
  writePerSecond: number;
  deleteBurst: number;
  deletePerSecond: number;
}

/**
 * ARM's limits per subscription and principal (Azure Resource Manager throttling documentation):
 * reads 250 burst + 25/s, writes 200 + 10/s, deletes 200 + 10/s.
 */
export const armThrottleDefaults: ThrottleLimits = {
  readBurst: 250,
  readPerSecond: 25,
  writeBurst: 200,
  writePerSecond: 10,
  deleteBurst: 200,
  deletePerSecond: 10,
};

export type OperationKind = "read" | "write" | "delete";

/** The outcome of taking one token. */
export interface ThrottleDecision {
  allowed: boolean;
  /** Whole tokens left after this request (the `x-ms-ratelimit-remaining-*` value). */
  remaining: number;
  /** When refused: seconds until a token is available (at least 1, like ARM). */
  retryAfterSeconds: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

/** Token buckets keyed by subscription, principal and operation kind. */
export class ArmThrottle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly limits: ThrottleLimits,
    private readonly clock: () => number,
  ) {}

  take(subscriptionId: string | undefined, principal: string, kind: OperationKind): ThrottleDecision {
    const burst =
      kind === "read"
        ? this.limits.readBurst
        : kind === "write"
          ? this.limits.writeBurst
          : this.limits.deleteBurst;
    const rate =
      kind === "read"
        ? this.limits.readPerSecond
        : kind === "write"
          ? this.limits.writePerSecond
          : this.limits.deletePerSecond;
    const key = `${(subscriptionId ?? "tenant").toLowerCase()}|${principal}|${kind}`;
    const now = this.clock();
    const bucket = this.buckets.get(key) ?? { tokens: burst, updatedAt: now };
    bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.updatedAt) / 1000) * rate);
    bucket.updatedAt = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return { allowed: true, remaining: Math.floor(bucket.tokens), retryAfterSeconds: 0 };
    }
    const wait = rate > 0 ? (1 - bucket.tokens) / rate : Number.POSITIVE_INFINITY;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(wait)) };
  }
}
