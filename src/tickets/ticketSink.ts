/** What a ticket says. */
export interface TicketContent {
  resourceId: string;
  resourceType: string;
  findingCode: string;
  title: string;
  /** Markdown. */
  body: string;
  severity: "urgent" | "high" | "medium" | "low";
}

/** Where a ticket lives once opened. */
export interface TicketRef {
  sink: string;
  externalId: string;
  url: string;
}

/** One destination for tickets: GitHub Issues, Azure DevOps, a webhook, a file. */
export interface TicketSink {
  readonly name: "github" | "azure-devops" | "webhook" | "file";
  open(ticket: TicketContent): Promise<TicketRef>;
  /** The finding was seen again: add a comment. */
  update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void>;
  /** The finding is gone: comment and close. */
  close(ref: TicketRef, comment: string): Promise<void>;
}

export type TicketSinkErrorCode = "TicketSinkFailed" | "TicketSinkUnauthorized" | "TicketSinkRejected";

/** A sink call that failed; `retryable` says whether trying again can help. Never carries a secret. */
export class TicketSinkError extends Error {
  constructor(
    readonly code: TicketSinkErrorCode,
    readonly sink: string,
    message: string,
    readonly retryable: boolean,
    readonly status?: number,
  ) {
    super(`${sink}: ${message}`);
    this.name = "TicketSinkError";
  }
}

/** Classifies an HTTP answer: 401/403 unauthorized, 408/429/5xx retryable, other 4xx rejected. */
export function sinkErrorFor(sink: string, status: number, what: string): TicketSinkError {
  if (status === 401 || status === 403) {
    return new TicketSinkError(
      "TicketSinkUnauthorized",
      sink,
      `${what} was refused (HTTP ${status}): check the credential`,
      false,
      status,
    );
  }
  if (status === 408 || status === 429 || status >= 500) {
    return new TicketSinkError("TicketSinkFailed", sink, `${what} failed (HTTP ${status})`, true, status);
  }
  return new TicketSinkError(
    "TicketSinkRejected",
    sink,
    `${what} was rejected (HTTP ${status})`,
    false,
    status,
  );
}

/** A network failure (no HTTP answer) is retryable. */
export function networkError(sink: string, what: string, error: unknown): TicketSinkError {
  const code = (error as { code?: unknown }).code;
  return new TicketSinkError(
    "TicketSinkFailed",
    sink,
    `${what} failed: ${typeof code === "string" ? code : "network error"}`,
    true,
  );
}

/** The footer every ticket body ends with. */
export function ticketFooter(ticket: TicketContent): string {
  return [
    "",
    "---",
    `Resource: \`${ticket.resourceId}\` · Finding: \`${ticket.findingCode}\` · Severity: ${ticket.severity}`,
    "Opened by the CMK remediation service. It updates this ticket when the finding is seen again and closes it when the finding is gone.",
  ].join("\n");
}
