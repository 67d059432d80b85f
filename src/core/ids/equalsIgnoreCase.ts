/**
 * `a.toLowerCase() === b.toLowerCase()`, without making the two lower-case copies when both are
 * ASCII (ids, types and operation names nearly always are). Any other character takes the
 * `toLowerCase` way, because some lower-case to ASCII letters or to two characters.
 */
export function equalsIgnoreCase(a: string, b: string): boolean {
  if (a === b) return true;
  if (a.length === b.length) {
    for (let i = 0; i < a.length; i++) {
      let x = a.charCodeAt(i);
      let y = b.charCodeAt(i);
      if (x >= 0x80 || y >= 0x80) return a.toLowerCase() === b.toLowerCase();
      if (x === y) continue;
      if (x >= 0x41 && x <= 0x5a) x |= 0x20;
      if (y >= 0x41 && y <= 0x5a) y |= 0x20;
      // Every character before this one is ASCII, so lower-casing cannot move this difference.
      if (x !== y) return false;
    }
    return true;
  }
  return isAscii(a, 0) && isAscii(b, 0) ? false : a.toLowerCase() === b.toLowerCase();
}

/** True when `text` holds only ASCII from `from` on. */
function isAscii(text: string, from: number): boolean {
  for (let i = from; i < text.length; i++) if (text.charCodeAt(i) >= 0x80) return false;
  return true;
}

/**
 * `text.length >= prefix.length && equalsIgnoreCase(text.slice(0, prefix.length), prefix)`, without
 * the copy when the compared characters are ASCII. Once every character before a difference is
 * ASCII, lower-casing cannot move it, so the first ASCII difference decides.
 */
export function startsWithIgnoreCase(text: string, prefix: string): boolean {
  if (text.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) {
    let x = text.charCodeAt(i);
    let y = prefix.charCodeAt(i);
    if (x >= 0x80 || y >= 0x80) return equalsIgnoreCase(text.slice(0, prefix.length), prefix);
    if (x === y) continue;
    if (x >= 0x41 && x <= 0x5a) x |= 0x20;
    if (y >= 0x41 && y <= 0x5a) y |= 0x20;
    if (x !== y) return false;
  }
  return true;
}
