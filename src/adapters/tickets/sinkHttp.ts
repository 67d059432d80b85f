import { networkError, redact, sinkErrorForStatus, TicketSinkError } from "../../core/tickets/ticketSink.js";

/** One HTTP call of a sink that uses plain `fetch`. */
export interface SinkRequest {
  method: "GET" | "POST" | "PATCH";
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** Per-request time limit. */
  timeoutMs: number;
  /** Strings that must never reach an error message (tokens, keys). */
  secrets: readonly (string | undefined)[];
  /** `manual`: a redirect is an answer of its own (Azure DevOps redirects refused credentials to sign-in). */
  redirect?: "follow" | "manual";
  /**
   * Recognises answers that mean "credential refused" although their status does not say so
   * (Azure DevOps answers a bad PAT with 203 and a sign-in page, or a redirect to sign-in).
   */
  refused?: (status: number, contentType: string) => boolean;
}

/** A successful answer. */
export interface SinkResponse {
  status: number;
  headers: Headers;
  text: string;
}

/** The explanation in an error body (`message` in GitHub, Azure DevOps and most webhooks), if any. */
function errorDetail(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { message?: unknown; error?: { message?: unknown } } | null;
    if (typeof body?.message === "string") return body.message;
    if (typeof body?.error?.message === "string") return body.error.message;
  } catch {
    // Not JSON: an HTML error page says nothing useful in one line.
  }
  return undefined;
}

/**
 * Sends one request and turns every failure into a {@link TicketSinkError}: no answer is a
 * retryable network failure, a non-2xx answer is classified by status. The URL is never part of a
 * message, because webhook URLs often carry their key.
 */
export async function sinkFetch(sink: string, what: string, request: SinkRequest): Promise<SinkResponse> {
  let response: Response;
  try {
    response = await fetch(request.url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      redirect: request.redirect ?? "follow",
      signal: AbortSignal.timeout(request.timeoutMs),
    });
  } catch (error) {
    throw networkError(sink, what, error);
  }
  let text: string;
  try {
    text = await response.text();
  } catch (error) {
    throw networkError(sink, what, error);
  }
  if (request.refused?.(response.status, response.headers.get("content-type") ?? "") === true) {
    throw new TicketSinkError(
      "TicketSinkUnauthorized",
      sink,
      `${what} was refused (HTTP ${response.status}, a sign-in answer); check the credential`,
      { retryable: false, status: response.status },
    );
  }
  if (response.status < 200 || response.status > 299) {
    const detail = errorDetail(text);
    throw sinkErrorForStatus(sink, what, {
      status: response.status,
      headers: response.headers,
      ...(detail === undefined ? {} : { detail: redact(detail, request.secrets) }),
    });
  }
  return { status: response.status, headers: response.headers, text };
}
