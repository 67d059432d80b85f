import type { TokenCredential } from "@azure/core-auth";
import { markdownToHtml } from "./markdownToHtml.js";
import {
  networkError,
  sinkErrorFor,
  ticketFooter,
  TicketSinkError,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "./ticketSink.js";

/** Azure DevOps work item settings. */
export interface AzureDevOpsSinkOptions {
  /** e.g. https://dev.azure.com/contoso */
  orgUrl: string;
  project: string;
  /** A personal access token, or a credential (managed identity) for Entra tokens. */
  auth: { pat: string } | { credential: TokenCredential };
  workItemType?: string;
  /** State that closes a work item in the project's process (Agile: Closed, Basic: Done). */
  closedState?: string;
}

/** The Azure DevOps resource id, for Entra tokens. */
const azureDevOpsScope = "499b84ac-1321-427f-aa17-267ca6975798/.default";

/** Tickets as Azure DevOps work items, through the work item REST API (7.1). */
export function azureDevOpsSink(options: AzureDevOpsSinkOptions): TicketSink {
  const base = `${options.orgUrl.replace(/\/+$/, "")}/${encodeURIComponent(options.project)}/_apis/wit`;
  const authorization = async (): Promise<string> => {
    if ("pat" in options.auth) return `Basic ${Buffer.from(`:${options.auth.pat}`).toString("base64")}`;
    const token = await options.auth.credential.getToken(azureDevOpsScope);
    if (token === null) {
      throw new TicketSinkError(
        "TicketSinkUnauthorized",
        "azure-devops",
        "no token could be obtained for Azure DevOps",
        false,
      );
    }
    return `Bearer ${token.token}`;
  };
  const send = async (
    what: string,
    method: string,
    url: string,
    body: unknown,
    contentType: string,
  ): Promise<unknown> => {
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers: {
          authorization: await authorization(),
          "content-type": contentType,
          accept: "application/json",
        },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw networkError("azure-devops", what, error);
    }
    if (!response.ok) throw sinkErrorFor("azure-devops", response.status, what);
    return response.json();
  };
  return {
    name: "azure-devops",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const type = encodeURIComponent(`$${options.workItemType ?? "Task"}`);
      const created = (await send(
        "creating the work item",
        "POST",
        `${base}/workitems/${type}?api-version=7.1`,
        [
          { op: "add", path: "/fields/System.Title", value: ticket.title },
          {
            op: "add",
            path: "/fields/System.Description",
            value: markdownToHtml(ticket.body + ticketFooter(ticket)),
          },
          {
            op: "add",
            path: "/fields/System.Tags",
            value: `cmk-remediation; severity-${ticket.severity}; ${ticket.findingCode}`,
          },
        ],
        "application/json-patch+json",
      )) as { id: number; _links?: { html?: { href?: string } } };
      return {
        sink: "azure-devops",
        externalId: String(created.id),
        url:
          created._links?.html?.href ??
          `${options.orgUrl.replace(/\/+$/, "")}/${options.project}/_workitems/edit/${created.id}`,
      };
    },
    async update(ref: TicketRef, _ticket: TicketContent, note: string): Promise<void> {
      await send(
        "commenting",
        "POST",
        `${base}/workItems/${ref.externalId}/comments?api-version=7.1-preview.4`,
        { text: markdownToHtml(note) },
        "application/json",
      );
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      await send(
        "commenting",
        "POST",
        `${base}/workItems/${ref.externalId}/comments?api-version=7.1-preview.4`,
        { text: markdownToHtml(comment) },
        "application/json",
      );
      await send(
        "closing the work item",
        "PATCH",
        `${base}/workitems/${ref.externalId}?api-version=7.1`,
        [{ op: "add", path: "/fields/System.State", value: options.closedState ?? "Done" }],
        "application/json-patch+json",
      );
    },
  };
}
