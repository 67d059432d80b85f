import type { ReportAction } from "../report/report.js";

/**
 * Longest result text a ledger keeps with a finished job: Table Storage caps a property at 64 KiB
 * (32 K UTF-16 characters), and every ledger caps alike so a job reads back the same from each.
 */
export const maxJobResultChars = 30_000;

/**
 * The stored text of a finished job's actions. A job's actions are small (one resource); a
 * pathological one has its reasons shortened, then keeps its first actions only, so the stored
 * text is always whole JSON.
 */
export function jobResultText(result: readonly ReportAction[]): string {
  const full = JSON.stringify(result);
  if (full.length <= maxJobResultChars) return full;
  const short = result.map((a) =>
    a.reason.length > 500 ? { ...a, reason: `${a.reason.slice(0, 500)}…` } : a,
  );
  for (let n = short.length; n > 0; n--) {
    const text = JSON.stringify(short.slice(0, n));
    if (text.length <= maxJobResultChars) return text;
  }
  return "[]";
}
