/** How urgent a ticket is; sinks turn it into labels, tags or fields. */
export type TicketSeverity = "urgent" | "high" | "medium" | "low";

/** What a ticket says. */
export interface TicketContent {
  resourceId: string;
  resourceType: string;
  findingCode: string;
  title: string;
  /** Markdown. */
  body: string;
  severity: TicketSeverity;
  /** Extra labels (GitHub) or tags (Azure DevOps) besides the ones every ticket gets. */
  labels?: string[];
}

/** Where a ticket lives once opened. */
export interface TicketRef {
  sink: string;
  externalId: string;
  url: string;
}

/** The destinations a ticket can go to. */
export type TicketSinkName = "github" | "azure-devops" | "webhook" | "file";

/**
 * One destination for tickets: GitHub Issues, Azure DevOps work items, a webhook, a file.
 * Every method throws {@link TicketSinkError} on failure and never retries by itself: retrying is
 * the dispatcher's job, so one failing ticket cannot hold up the others.
 */
export interface TicketSink {
  readonly name: TicketSinkName;
  open(ticket: TicketContent): Promise<TicketRef>;
  /** The finding was seen again: add a comment (count, last seen, any new text). */
  update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void>;
  /** The finding is gone (compliant or resource deleted): comment and close. */
  close(ref: TicketRef, comment: string): Promise<void>;
}

/** Stable codes of {@link TicketSinkError}. */
export type TicketSinkErrorCode = "TicketSinkFailed" | "TicketSinkUnauthorized" | "TicketSinkRejected";

/** Details of a {@link TicketSinkError}. */
export interface TicketSinkErrorDetails {
  /** Whether trying again later can help. */
  retryable: boolean;
  /** The HTTP status, when the sink answered. */
  status?: number;
  /** How long the sink asked callers to wait (Retry-After, rate limit reset). */
  retryAfterMs?: number;
}

/**
 * A sink call that failed. `TicketSinkUnauthorized`: the credential was refused (not retryable);
 * `TicketSinkRejected`: the sink refused this request (not retryable); `TicketSinkFailed`: a
 * network failure, throttling or a server error (retryable). Messages never carry a secret.
 */
export class TicketSinkError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;

  constructor(
    readonly code: TicketSinkErrorCode,
    readonly sink: string,
    message: string,
    details: TicketSinkErrorDetails,
  ) {
    super(`${sink}: ${message}`);
    this.name = "TicketSinkError";
    this.retryable = details.retryable;
    if (details.status !== undefined) this.status = details.status;
    if (details.retryAfterMs !== undefined) this.retryAfterMs = details.retryAfterMs;
  }
}

/** What an HTTP failure looked like, for {@link sinkErrorForStatus}. */
export interface HttpFailure {
  status: number;
  /** Response headers (any case); used for Retry-After and rate limit hints. */
  headers?: Headers | Record<string, string | number | undefined>;
  /** A short explanation from the response body, if any; secrets are removed before it is used. */
  detail?: string;
}

function header(headers: HttpFailure["headers"], name: string): string | undefined {
  if (headers === undefined) return undefined;
  if (headers instanceof Headers) return headers.get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers))
    if (key.toLowerCase() === name && value !== undefined) return String(value);
  return undefined;
}

/** Retry-After as seconds or an HTTP date, or GitHub's rate limit reset (epoch seconds). */
function retryAfterMs(headers: HttpFailure["headers"], now: number): number | undefined {
  const after = header(headers, "retry-after");
  if (after !== undefined) {
    const seconds = Number(after);
    if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
    const date = Date.parse(after);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const reset = Number(header(headers, "x-ratelimit-reset"));
  if (header(headers, "x-ratelimit-remaining") === "0" && Number.isFinite(reset))
    return Math.max(0, reset * 1000 - now);
  return undefined;
}

/** A 403 that is a rate limit (GitHub answers rate limits with 403 plus these headers), not a refusal. */
function isRateLimit(failure: HttpFailure): boolean {
  return (
    header(failure.headers, "retry-after") !== undefined ||
    header(failure.headers, "x-ratelimit-remaining") === "0"
  );
}

const maxDetailChars = 300;

/**
 * Removes every secret from a text that came from outside (a response body, an SDK message) and
 * shortens it, so it can go into an error message.
 */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) {
    // Very short strings would blank out ordinary words; real secrets are long.
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join("[redacted]");
  }
  out = out.replace(/\s+/g, " ").trim();
  return out.length > maxDetailChars ? `${out.slice(0, maxDetailChars)}…` : out;
}

/**
 * Classifies an HTTP failure: 401/403 unauthorized (a 403 that is a rate limit is retryable),
 * 408/429/5xx retryable, other 4xx rejected. `what` names the operation, e.g. "creating the issue".
 */
export function sinkErrorForStatus(
  sink: string,
  what: string,
  failure: HttpFailure,
  now: number = Date.now(),
): TicketSinkError {
  const { status } = failure;
  const detail = failure.detail !== undefined && failure.detail !== "" ? `: ${failure.detail}` : "";
  const wait = retryAfterMs(failure.headers, now);
  const timing = wait === undefined ? {} : { retryAfterMs: wait };
  if (status === 401 || (status === 403 && !isRateLimit(failure))) {
    return new TicketSinkError(
      "TicketSinkUnauthorized",
      sink,
      `${what} was refused (HTTP ${status}); check the credential and its permissions${detail}`,
      { retryable: false, status },
    );
  }
  if (status === 403 || status === 408 || status === 429 || status >= 500) {
    return new TicketSinkError("TicketSinkFailed", sink, `${what} failed (HTTP ${status})${detail}`, {
      retryable: true,
      status,
      ...timing,
    });
  }
  return new TicketSinkError("TicketSinkRejected", sink, `${what} was rejected (HTTP ${status})${detail}`, {
    retryable: false,
    status,
  });
}

/** The status of an SDK error: `statusCode` (Azure RestError) or `status` (Octokit RequestError). */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { statusCode, status } = error as { statusCode?: unknown; status?: unknown };
  if (typeof statusCode === "number") return statusCode;
  return typeof status === "number" ? status : undefined;
}

/**
 * A failure without an HTTP answer (connection refused, DNS, timeout): retryable. Only the error's
 * name and code are used, so nothing from a request (headers, URLs with keys) reaches the message.
 */
export function networkError(sink: string, what: string, error: unknown): TicketSinkError {
  const e = (typeof error === "object" && error !== null ? error : {}) as {
    name?: unknown;
    code?: unknown;
    cause?: { code?: unknown };
  };
  const code =
    typeof e.cause?.code === "string"
      ? e.cause.code
      : typeof e.code === "string"
        ? e.code
        : e.name === "TimeoutError" || e.name === "AbortError"
          ? "timed out"
          : "network error";
  return new TicketSinkError("TicketSinkFailed", sink, `${what} failed: ${code}`, { retryable: true });
}

/**
 * Any failure as a {@link TicketSinkError}: kept as is when it already is one, classified by its
 * HTTP status when it has one, else treated as a network failure.
 */
export function toTicketSinkError(
  sink: string,
  what: string,
  error: unknown,
  secrets: readonly (string | undefined)[] = [],
): TicketSinkError {
  if (error instanceof TicketSinkError) return error;
  const status = statusOf(error);
  if (status === undefined) return networkError(sink, what, error);
  const response = (error as { response?: { headers?: HttpFailure["headers"]; data?: unknown } }).response;
  const data = response?.data as { message?: unknown } | undefined;
  return sinkErrorForStatus(sink, what, {
    status,
    ...(response?.headers === undefined ? {} : { headers: response.headers }),
    ...(typeof data?.message === "string" ? { detail: redact(data.message, secrets) } : {}),
  });
}
