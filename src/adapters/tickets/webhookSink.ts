import { createHash } from "node:crypto";
import { sinkFetch } from "./sinkHttp.js";
import type { TicketContent, TicketRef, TicketSink } from "../../core/tickets/ticketSink.js";
import { signatureHeader, signWebhook, timestampHeader } from "../../core/tickets/webhookSignature.js";

/** Generic JSON webhook settings (Teams and Slack workflows, Logic Apps, an HTTP endpoint). */
export interface WebhookSinkOptions {
  /** The receiver. Treated as a secret: it never appears in messages or ticket references. */
  url: string;
  /** HMAC secret; when set, every body is signed (see {@link signWebhook}). */
  secret?: string;
  /** Per-request time limit; default 30 s. */
  timeoutMs?: number;
  /** The clock, in milliseconds since the epoch. */
  now?: () => number;
}

/** The events a webhook receives. */
export type WebhookEvent = "ticket.opened" | "ticket.updated" | "ticket.closed";

/**
 * What a webhook receives: `ticket` is the full content with its `id` for `ticket.opened` and
 * `ticket.updated`, and `{id, url}` for `ticket.closed`; `note` comes with updates, `comment` with
 * closures.
 */
export interface WebhookEnvelope {
  event: WebhookEvent;
  ticket: (TicketContent & { id: string }) | { id: string; url: string };
  note?: string;
  comment?: string;
  /** ISO 8601. */
  sentAt: string;
}

/** The id a ticket gets when the receiver does not name one: the same for the same resource and finding. */
export function webhookTicketId(ticket: Pick<TicketContent, "resourceId" | "findingCode">): string {
  return createHash("sha256")
    .update(`${ticket.resourceId.toLowerCase()}\n${ticket.findingCode}`)
    .digest("hex")
    .slice(0, 24);
}

/** Parts of a webhook URL that may be its key (Logic Apps `sig=`, Slack and Teams paths). */
function urlSecrets(url: string): string[] {
  const parts = [url];
  try {
    const parsed = new URL(url);
    if (parsed.pathname.length > 1) parts.push(parsed.pathname);
    for (const value of parsed.searchParams.values()) parts.push(value);
    if (parsed.password !== "") parts.push(parsed.password);
  } catch {
    // Not a URL: fetch refuses it before anything is sent.
  }
  return parts;
}

function isHttpUrl(value: unknown): value is string {
  return typeof value === "string" && /^https?:\/\//i.test(value);
}

/**
 * Tickets as signed JSON posts ({@link WebhookEnvelope}). A receiver that answers `{id, url}` to
 * `ticket.opened` names the ticket; otherwise the id is {@link webhookTicketId} and the reference
 * URL a `urn:cmkr:ticket:` name (the webhook URL itself may carry a key, so it is never stored).
 */
export function webhookSink(options: WebhookSinkOptions): TicketSink {
  const now = options.now ?? Date.now;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const secrets = [options.secret, ...urlSecrets(options.url)];
  const post = async (what: string, envelope: Omit<WebhookEnvelope, "sentAt">): Promise<string> => {
    const at = now();
    const body = JSON.stringify({ ...envelope, sentAt: new Date(at).toISOString() });
    const timestamp = String(Math.floor(at / 1000));
    const headers: Record<string, string> = {
      "content-type": "application/json; charset=utf-8",
      "x-cmkr-event": envelope.event,
      [timestampHeader]: timestamp,
    };
    if (options.secret !== undefined) headers[signatureHeader] = signWebhook(options.secret, timestamp, body);
    const response = await sinkFetch("webhook", what, {
      method: "POST",
      url: options.url,
      headers,
      body,
      timeoutMs,
      secrets,
    });
    return response.text;
  };
  return {
    name: "webhook",
    async open(ticket: TicketContent): Promise<TicketRef> {
      const fallback = webhookTicketId(ticket);
      const text = await post("posting the new ticket", {
        event: "ticket.opened",
        ticket: { ...ticket, id: fallback },
      });
      let answer: { id?: unknown; url?: unknown } | undefined;
      try {
        answer = JSON.parse(text) as typeof answer;
      } catch {
        // Teams, Slack and many receivers answer with plain text: the ticket keeps its own id.
      }
      const named =
        (typeof answer?.id === "string" && answer.id !== "") || typeof answer?.id === "number"
          ? String(answer.id)
          : undefined;
      const id = named ?? fallback;
      return {
        sink: "webhook",
        externalId: id,
        url: isHttpUrl(answer?.url) ? answer.url : `urn:cmkr:ticket:${encodeURIComponent(id)}`,
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
      await post("posting the closure", {
        event: "ticket.closed",
        ticket: { id: ref.externalId, url: ref.url },
        comment,
      });
    },
  };
}
