import { InvalidArgumentError } from "commander";

const isoInstant = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/i;

/**
 * Parses an ISO 8601 date (`2026-11-20`, midnight UTC) or date-time (`2026-11-20T08:30Z`; without
 * a zone it is UTC, as the dead-letter folders are) for options such as `--since`.
 */
export function parseInstant(value: string): Date {
  const m = isoInstant.exec(value.trim());
  if (m === null) {
    throw new InvalidArgumentError("Expected an ISO 8601 date or date-time, e.g. 2026-11-20T08:00Z.");
  }
  const text = value.trim();
  const withZone = text.includes("T") && m[1] === undefined ? `${text}Z` : text;
  const date = new Date(withZone);
  if (Number.isNaN(date.getTime())) throw new InvalidArgumentError("Not a valid date.");
  return date;
}
