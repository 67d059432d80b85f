import type { TicketContent } from "./ticketSink.js";

/** How often and when a finding was seen, as the ledger counts it. */
export interface TicketSightings {
  count: number;
  /** ISO 8601. */
  firstSeen: string;
  /** ISO 8601. */
  lastSeen: string;
}

/**
 * A ticket body as it goes to a sink: the finding's markdown, then a footer that lets a reader
 * match the ticket to the resource and the service without opening anything else.
 */
export function renderTicketBody(ticket: TicketContent, seen?: TicketSightings): string {
  const lines = [
    ticket.body.trimEnd(),
    "",
    "---",
    "",
    `- Resource: \`${ticket.resourceId}\` (${ticket.resourceType})`,
    `- Finding code: \`${ticket.findingCode}\`, severity ${ticket.severity}`,
  ];
  if (seen !== undefined) {
    lines.push(`- First seen: ${seen.firstSeen}; last seen: ${seen.lastSeen}; seen ${times(seen.count)}`);
  }
  lines.push(
    "",
    "Opened by the CMK remediation service. It comments here when the finding is seen again and closes this ticket when the finding is gone.",
  );
  return lines.join("\n");
}

function times(count: number): string {
  return count === 1 ? "once" : `${count} times`;
}

/** The comment for a finding seen again. */
export function ticketUpdateNote(seen: TicketSightings): string {
  return `Seen again: ${times(seen.count)} in total (first ${seen.firstSeen}, last ${seen.lastSeen}). The finding is still there.`;
}

/** The comment a ticket is closed with; `reason` says why the finding is gone. */
export function ticketCloseComment(reason: string | undefined, at: Date): string {
  const why = reason === undefined || reason.trim() === "" ? "the finding is gone" : reason.trim();
  return `Resolved on ${at.toISOString()}: ${why}. Closed by the CMK remediation service; a new ticket is opened if the finding comes back.`;
}

/**
 * Cuts text to a sink's size limit (GitHub issue bodies hold 65,536 characters), saying so at the
 * end rather than failing the whole ticket.
 */
export function truncateText(text: string, maxChars: number): string {
  if (text.length <= maxChars) return text;
  const marker = "\n\n…(cut to fit the ticket system's size limit)";
  return text.slice(0, Math.max(0, maxChars - marker.length)) + marker;
}
