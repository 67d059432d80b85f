/**
 * Longest snapshot text a ledger keeps. Table Storage caps a property at 64 KiB (32 K UTF-16
 * characters); every ledger cuts at the same place so all of them read back alike.
 */
export const maxSnapshotChars = 30_000;

/**
 * The stored text of an action's before/after snapshot: its JSON, cut at {@link maxSnapshotChars}
 * with a visible marker (never dropped silently). Undefined when there is no snapshot.
 */
export function snapshotText(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = JSON.stringify(value);
  return text.length > maxSnapshotChars ? `${text.slice(0, maxSnapshotChars)}…(truncated)` : text;
}
