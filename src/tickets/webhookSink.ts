import { createHash } from "node:crypto";
import { signWebhook } from "./webhookSignature.js";
import {
  networkError,
  sinkErrorFor,
  type TicketContent,
  type TicketRef,
  type TicketSink,
} from "./ticketSink.js";

/** Generic JSON webhook settings (Teams, Slack, Logic Apps...). */
export interface WebhookSinkOptions {
  url: string;
  /** HMAC secret; the body is signed in `X-CMKR-Signature` when set. */
  secret?: string;
  now?: () => number;
}

/**
 * Tickets as JSON posts: `{event: "ticket.opened" | "ticket.updated" | "ticket.closed", ticket, note?,
 * sentAt}`. The ticket id is the webhook's `{id, url}` answer when it gives one, else a stable hash of
 * resource and finding.
 */
export function webhookSink(options: WebhookSinkOptions): TicketSink {
  const post = async (what: string, payload: Record<string, unknown>): Promise<unknown> => {
    const now = options.now?.() ?? Date.now();
    const body = JSON.stringify({ ...payload, sentAt: new Date(now).toISOString() });
    const timestamp = String(Math.floor(now / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-cmkr-timestamp": timestamp,
    };
    if (options.secret !== undefined)
      headers["x-cmkr-signature"] = signWebhook(options.secret, timestamp, body);
    let response: Response;
    try {
      response = await fetch(options.url, { method: "POST", headers, body });
    } catch (error) {
      throw networkError("webhook", what, error);
    }
    if (!response.ok) throw sinkErrorFor("webhook", response.status, what);
    const text = await response.text();
    try {
      return text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch {
      return undefined;
    }
  };
  return {
    name: "webhook",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const fallback = createHash("sha256")
        .update(`${ticket.resourceId.toLowerCase()}|${ticket.findingCode}`)
        .digest("hex")
        .slice(0, 16);
      const answer = (await post("posting the new ticket", {
        event: "ticket.opened",
        ticket: { ...ticket, id: fallback },
      })) as { id?: unknown; url?: unknown } | undefined;
      const id =
        typeof answer?.id === "string" || typeof answer?.id === "number" ? String(answer.id) : fallback;
      return {
        sink: "webhook",
        externalId: id,
        url: typeof answer?.url === "string" ? answer.url : `${options.url}#${id}`,
      };
    },
    async update(ref: TicketRef, ticket: TicketContent, note: string): Promise<void> {
      await post("posting the update", {
        event: "ticket.updated",
        ticket: { ...ticket, id: ref.externalId },
        note,
      });
    },
    async close(ref: TicketRef, comment: string): Promise<void> {
      await post("posting the closure", { event: "ticket.closed", ticket: { id: ref.externalId }, comment });
    },
  };
}
