import type { DeadLetterInfo } from "../core/events/unwrapDeadLetters.js";

/** One replayed dead-lettered event: where it came from and why Event Grid gave up on it. */
export interface DeadLetterEntry extends DeadLetterInfo {
  /** `{container}/{blob}[index]`. */
  readonly source: string;
  readonly eventId?: string;
  readonly eventType?: string;
  /** Report actions that came from this event. */
  readonly actions: number;
}

function why(e: DeadLetterEntry): string {
  const last = [
    e.lastDeliveryOutcome,
    e.lastHttpStatusCode === undefined ? undefined : `HTTP ${e.lastHttpStatusCode}`,
  ]
    .filter((s) => s !== undefined)
    .join(", ");
  return [
    e.reason ?? "no dead-letter reason",
    e.deliveryAttempts === undefined ? "" : ` after ${e.deliveryAttempts} attempt(s)`,
    last === "" ? "" : ` (last: ${last})`,
  ].join("");
}

/** The dead-lettered events of a replay, one line each, for the terminal. */
export function formatDeadLetters(
  entries: readonly DeadLetterEntry[],
  blobs: number,
  location: { readonly label: string; readonly prefix: string },
): string {
  if (entries.length === 0 && blobs === 0) {
    // Blob names are case-sensitive; a lower-case folder is the usual reason nothing matches.
    const hint = /[a-z]/.test(location.prefix)
      ? " (Event Grid writes topic and subscription folder names in upper case)"
      : "";
    return `No dead-letter blobs under ${location.label}${hint}.\n`;
  }
  const lines = entries.map(
    (e) =>
      `  ${e.source}  ${e.eventType ?? "?"}  ${why(e)}  -> ${e.actions} action(s)${e.eventId === undefined ? "" : `  [id ${e.eventId}]`}`,
  );
  return [
    `Dead-lettered events: ${entries.length} from ${blobs} blob(s) under ${location.label}`,
    ...lines,
    "",
  ].join("\n");
}
