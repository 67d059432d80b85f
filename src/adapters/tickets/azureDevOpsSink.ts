import type { TokenCredential } from "@azure/core-auth";
import { markdownToHtml } from "../../core/tickets/markdownToHtml.js";
import { sinkFetch } from "./sinkHttp.js";
import { truncateText } from "../../core/tickets/ticketMarkdown.js";
import {
  TicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "../../core/tickets/ticketSink.js";

/** How the sink signs in to Azure DevOps. */
export type AzureDevOpsAuth = { pat: string } | { credential: TokenCredential };

/** Azure DevOps work item settings. */
export interface AzureDevOpsSinkOptions {
  /** The organization (or collection) URL, e.g. https://dev.azure.com/contoso. */
  orgUrl: string;
  project: string;
  /** A personal access token (scope Work Items: read and write), or a credential for Entra tokens. */
  auth: AzureDevOpsAuth;
  /** Default `Task`. */
  workItemType?: string;
  /** The state that closes a work item in the project's process: `Done` (Basic, Scrum; the default) or `Closed` (Agile, CMMI). */
  closedState?: string;
  /** Tags every work item gets besides `cmk-remediation`, `severity:<severity>` and the finding code. */
  tags?: string[];
  /** Per-request time limit; default 30 s. */
  timeoutMs?: number;
}

/** The Azure DevOps resource, for Entra tokens. */
export const azureDevOpsScope = "499b84ac-1321-427f-aa17-267ca6975798/.default";

const workItemsApiVersion = "7.1";
const commentsApiVersion = "7.1-preview.4";
// System.Title holds at most 255 characters.
const maxTitleChars = 255;
const maxHtmlChars = 500_000;

/** The System.Tags value: tags separated by "; " (a tag itself cannot hold ";" or ","). */
export function azureDevOpsTags(ticket: TicketContent, extra: readonly string[] = []): string {
  const tags = [
    "cmk-remediation",
    `severity:${ticket.severity}`,
    ticket.findingCode,
    ...extra,
    ...(ticket.labels ?? []),
  ]
    .map((t) => t.replace(/[;,]/g, "-").trim())
    .filter((t) => t !== "");
  return [...new Set(tags)].join("; ");
}

interface CreatedWorkItem {
  id?: unknown;
  _links?: { html?: { href?: unknown } };
}

/**
 * Tickets as Azure DevOps work items through the REST API: open creates a work item (title,
 * description as HTML, tags), update adds a comment, close sets the closed state and adds the
 * closing comment in one update (System.History), so a retry never leaves a second comment.
 */
export function azureDevOpsSink(options: AzureDevOpsSinkOptions): TicketSink {
  const orgUrl = options.orgUrl.replace(/\/+$/, "");
  const projectUrl = `${orgUrl}/${encodeURIComponent(options.project)}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const pat = "pat" in options.auth ? options.auth.pat : undefined;

  const authorization = async (what: string): Promise<{ header: string; secret: string }> => {
    if ("pat" in options.auth) {
      const encoded = Buffer.from(`:${options.auth.pat}`).toString("base64");
      return { header: `Basic ${encoded}`, secret: encoded };
    }
    let token: { token: string } | null;
    try {
      token = await options.auth.credential.getToken(azureDevOpsScope);
    } catch (error) {
      const name = error instanceof Error ? error.name : "error";
      // An unavailable credential is configuration; anything else (IMDS hiccup) may pass.
      const retryable = name !== "CredentialUnavailableError";
      throw new TicketSinkError(
        retryable ? "TicketSinkFailed" : "TicketSinkUnauthorized",
        "azure-devops",
        `${what} failed: no Entra token for Azure DevOps (${name})`,
        { retryable },
      );
    }
    if (token === null) {
      throw new TicketSinkError(
        "TicketSinkUnauthorized",
        "azure-devops",
        `${what} failed: the credential gave no token for Azure DevOps`,
        { retryable: false },
      );
    }
    return { header: `Bearer ${token.token}`, secret: token.token };
  };

  const send = async (
    what: string,
    method: "POST" | "PATCH",
    url: string,
    body: unknown,
    contentType: string,
  ): Promise<string> => {
    const auth = await authorization(what);
    const response = await sinkFetch("azure-devops", what, {
      method,
      url,
      headers: {
        authorization: auth.header,
        "content-type": contentType,
        accept: "application/json",
        // Makes Azure DevOps answer a refused credential with 401 instead of a sign-in page.
        "x-tfs-fedauthredirect": "Suppress",
      },
      body: JSON.stringify(body),
      timeoutMs,
      secrets: [pat, auth.secret],
      redirect: "manual",
      refused: (status, type) =>
        status === 203 || (status >= 300 && status < 400) || (status < 300 && !type.includes("json")),
    });
    return response.text;
  };

  const workItemId = (ref: TicketRef): string => {
    if (!/^\d+$/.test(ref.externalId)) {
      throw new TicketSinkError(
        "TicketSinkRejected",
        "azure-devops",
        `"${ref.externalId}" is not a work item id`,
        { retryable: false },
      );
    }
    return ref.externalId;
  };

  return {
    name: "azure-devops",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const type = encodeURIComponent(options.workItemType ?? "Task");
      const text = await send(
        "creating the work item",
        "POST",
        `${projectUrl}/_apis/wit/workitems/$${type}?api-version=${workItemsApiVersion}`,
        [
          { op: "add", path: "/fields/System.Title", value: ticket.title.slice(0, maxTitleChars) },
          {
            op: "add",
            path: "/fields/System.Description",
            value: truncateText(markdownToHtml(ticket.body), maxHtmlChars),
          },
          { op: "add", path: "/fields/System.Tags", value: azureDevOpsTags(ticket, options.tags) },
        ],
        "application/json-patch+json",
      );
      const created = parseJson(text) as CreatedWorkItem | undefined;
      if (typeof created?.id !== "number") {
        throw new TicketSinkError(
          "TicketSinkFailed",
          "azure-devops",
          "creating the work item gave an answer without an id",
          { retryable: true },
        );
      }
      const href = created._links?.html?.href;
      return {
        sink: "azure-devops",
        externalId: String(created.id),
        url: typeof href === "string" ? href : `${projectUrl}/_workitems/edit/${created.id}`,
      };
    },
    async update(ref: TicketRef, _ticket: TicketContent, note: string): Promise<void> {
      await send(
        "commenting on the work item",
        "POST",
        `${projectUrl}/_apis/wit/workItems/${workItemId(ref)}/comments?api-version=${commentsApiVersion}`,
        { text: truncateText(markdownToHtml(note), maxHtmlChars) },
        "application/json",
      );
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      await send(
        "closing the work item",
        "PATCH",
        `${projectUrl}/_apis/wit/workitems/${workItemId(ref)}?api-version=${workItemsApiVersion}`,
        [
          { op: "add", path: "/fields/System.State", value: options.closedState ?? "Done" },
          {
            op: "add",
            path: "/fields/System.History",
            value: truncateText(markdownToHtml(comment), maxHtmlChars),
          },
        ],
        "application/json-patch+json",
      );
    },
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
