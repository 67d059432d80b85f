import { Octokit } from "@octokit/rest";
import {
  networkError,
  sinkErrorFor,
  ticketFooter,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "./ticketSink.js";

/** GitHub Issues settings. */
export interface GitHubSinkOptions {
  owner: string;
  repo: string;
  token: string;
  /** API base URL (GitHub Enterprise Server, or tests); default https://api.github.com. */
  baseUrl?: string;
}

function status(error: unknown): number | undefined {
  const s = (error as { status?: unknown }).status;
  return typeof s === "number" ? s : undefined;
}

/** Tickets as GitHub issues, labelled by product, severity and finding code. */
export function githubSink(options: GitHubSinkOptions): TicketSink {
  const octokit = new Octokit({
    auth: options.token,
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
    // Retries are the dispatcher's job, so a failing sink never blocks others for long.
    request: { retries: 0 },
    log: { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined },
  });
  const call = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      const s = status(error);
      throw s === undefined ? networkError("github", what, error) : sinkErrorFor("github", s, what);
    }
  };
  const { owner, repo } = options;
  return {
    name: "github",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const { data } = await call("creating the issue", () =>
        octokit.rest.issues.create({
          owner,
          repo,
          title: ticket.title,
          body: ticket.body + ticketFooter(ticket),
          labels: ["cmk-remediation", `severity:${ticket.severity}`, ticket.findingCode],
        }),
      );
      return { sink: "github", externalId: String(data.number), url: data.html_url };
    },
    async update(ref: TicketRef, _ticket: TicketContent, note: string): Promise<void> {
      await call("commenting", () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number: Number(ref.externalId), body: note }),
      );
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      const issue_number = Number(ref.externalId);
      await call("commenting", () =>
        octokit.rest.issues.createComment({ owner, repo, issue_number, body: comment }),
      );
      await call("closing the issue", () =>
        octokit.rest.issues.update({ owner, repo, issue_number, state: "closed", state_reason: "completed" }),
      );
    },
  };
}
