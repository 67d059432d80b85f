/**
 * `text.trim()`, answered without the call when both ends are printable ASCII other than space:
 * `trim` removes only whitespace and line terminators, none of which is such a character, so it
 * would give the same text. Event fields nearly always look like that, and `trim` is a runtime
 * call the optimizing compiler does not inline; the hot path makes about ten per event.
 */
export function trimmed(text: string): string {
  const length = text.length;
  if (length > 0) {
    const first = text.charCodeAt(0);
    const last = text.charCodeAt(length - 1);
    if (first > 0x20 && first < 0x7f && last > 0x20 && last < 0x7f) return text;
  }
  return text.trim();
}
