import { Octokit } from "@octokit/rest";
import { truncateText } from "../../core/tickets/ticketMarkdown.js";
import {
  networkError,
  toTicketSinkError,
  TicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "../../core/tickets/ticketSink.js";

/** GitHub Issues settings. */
export interface GitHubSinkOptions {
  owner: string;
  repo: string;
  /** A token that may write issues (fine-grained: Issues read and write). */
  token: string;
  /** API base URL for GitHub Enterprise Server (https://HOST/api/v3); default https://api.github.com. */
  baseUrl?: string;
  /** Labels every issue gets besides `cmk-remediation`, `severity:<severity>` and the finding code. */
  labels?: string[];
  /** Per-request time limit; default 30 s. */
  timeoutMs?: number;
}

// GitHub refuses issue and comment bodies over 65,536 characters, and label names over 50.
const maxBodyChars = 65_000;
const maxLabelChars = 50;

/** The labels of an issue: product, severity, finding code, then the configured and the ticket's own. */
export function githubLabels(ticket: TicketContent, extra: readonly string[] = []): string[] {
  const labels = [
    "cmk-remediation",
    `severity:${ticket.severity}`,
    ticket.findingCode,
    ...extra,
    ...(ticket.labels ?? []),
  ]
    .map((l) => l.trim().slice(0, maxLabelChars))
    .filter((l) => l !== "");
  return [...new Set(labels)];
}

/**
 * Tickets as GitHub issues: open creates an issue, update comments on it, close closes it as
 * completed and then comments (in that order, so a retry after a failed comment does not post the
 * closing comment twice).
 */
export function githubSink(options: GitHubSinkOptions): TicketSink {
  const octokit = new Octokit({
    auth: options.token,
    userAgent: "cmk-remediation",
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl.replace(/\/+$/, "") }),
    // Octokit would log failed requests itself; failures are reported once, by the dispatcher.
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const call = async <T>(what: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> => {
    try {
      return await fn(AbortSignal.timeout(timeoutMs));
    } catch (error) {
      // Octokit reports a failure without any answer (refused, timed out) as status 500 without a response.
      // (RequestError declares `response` as a class field, so test its value, not its presence.)
      const answered =
        typeof error === "object" &&
        error !== null &&
        (error as { response?: unknown }).response !== undefined;
      if (!answered) throw networkError("github", what, (error as { cause?: unknown }).cause ?? error);
      throw toTicketSinkError("github", what, error, [options.token]);
    }
  };
  const { owner, repo } = options;
  const extraLabels = options.labels ?? [];
  return {
    name: "github",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const { data } = await call("creating the issue", (signal) =>
        octokit.rest.issues.create({
          owner,
          repo,
          title: ticket.title,
          body: truncateText(ticket.body, maxBodyChars),
          labels: githubLabels(ticket, extraLabels),
          request: { signal },
        }),
      );
      return { sink: "github", externalId: String(data.number), url: data.html_url };
    },
    async update(ref: TicketRef, _ticket: TicketContent, note: string): Promise<void> {
      await call("commenting on the issue", (signal) =>
        octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number: issueNumber(ref),
          body: truncateText(note, maxBodyChars),
          request: { signal },
        }),
      );
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      const issue_number = issueNumber(ref);
      await call("closing the issue", (signal) =>
        octokit.rest.issues.update({
          owner,
          repo,
          issue_number,
          state: "closed",
          state_reason: "completed",
          request: { signal },
        }),
      );
      await call("commenting on the issue", (signal) =>
        octokit.rest.issues.createComment({
          owner,
          repo,
          issue_number,
          body: truncateText(comment, maxBodyChars),
          request: { signal },
        }),
      );
    },
  };
}

function issueNumber(ref: TicketRef): number {
  const n = Number(ref.externalId);
  if (!Number.isInteger(n) || n <= 0) {
    throw new TicketSinkError("TicketSinkRejected", "github", `"${ref.externalId}" is not an issue number`, {
      retryable: false,
    });
  }
  return n;
}
