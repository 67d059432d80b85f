/**
 * What was worked out about one list of object keys (the exact strings, in order), remembered for
 * the next object with the same keys.
 *
 * Events of one kind arrive with the same keys in the same order, so checking how their keys
 * match the decoder's tolerant rules (case, spaces, twins) once per key list, not once per event,
 * removes that work from the hot path. Object keys are internalized strings, so comparing a list
 * is one pointer comparison per key. The memo holds at most `capacity` lists and replaces the
 * oldest when full, so senders that vary their keys cost memory once, never more.
 */
export class KeyListMemo<T extends object> {
  private readonly lists: (readonly string[])[] = [];
  private readonly values: T[] = [];
  private nextSlot = 0;

  constructor(private readonly capacity: number) {}

  /** What was remembered for exactly these keys, in this order; undefined when nothing was. */
  get(keys: readonly string[]): T | undefined {
    const lists = this.lists;
    for (let i = 0; i < lists.length; i++) {
      const known = lists[i] as readonly string[];
      if (known.length !== keys.length) continue;
      let same = true;
      for (let k = 0; k < keys.length; k++) {
        if (known[k] !== keys[k]) {
          same = false;
          break;
        }
      }
      if (same) return this.values[i];
    }
    return undefined;
  }

  /**
   * What was remembered for the keys of `object` (as `Object.keys` lists them), found without
   * making the list: `for...in` walks the keys V8 keeps for objects of one shape. An inherited
   * enumerable key never matches, so such objects always miss (and are then worked out in full).
   */
  lookup(object: object): T | undefined {
    const lists = this.lists;
    for (let i = 0; i < lists.length; i++) {
      const known = lists[i] as readonly string[];
      let k = 0;
      let same = true;
      for (const key in object) {
        if (key !== known[k]) {
          same = false;
          break;
        }
        k++;
      }
      if (same && k === known.length) return this.values[i];
    }
    return undefined;
  }

  /** Remembers `value` for these keys (a copy of the list is kept). */
  set(keys: readonly string[], value: T): T {
    const slot = this.lists.length < this.capacity ? this.lists.length : this.nextSlot;
    this.lists[slot] = keys.slice();
    this.values[slot] = value;
    if (this.lists.length >= this.capacity) this.nextSlot = (slot + 1) % this.capacity;
    return value;
  }
}

/** How an object's keys meet the tolerant matching (trimmed, case-insensitive) of the decoder. */
export interface KeyMatch {
  /** True when two keys name the same field once trimmed and lower-cased. */
  readonly twins: boolean;
  /** For each wanted name (lower case), the first key that names it, as sent; undefined when none. */
  readonly keyOf: readonly (string | undefined)[];
}

/**
 * Matches `keys` as `TolerantObject` does (trimmed, lower-cased; the first key naming a field is the
 * one read), against `wanted` (lower-case names).
 */
export function matchKeys(keys: readonly string[], wanted: readonly string[]): KeyMatch {
  const seen = new Set<string>();
  const keyOf: (string | undefined)[] = wanted.map(() => undefined);
  let twins = false;
  for (const key of keys) {
    const normalized = key.trim().toLowerCase();
    if (seen.has(normalized)) twins = true;
    seen.add(normalized);
    const at = wanted.indexOf(normalized);
    if (at >= 0 && keyOf[at] === undefined) keyOf[at] = key;
  }
  return { twins, keyOf };
}
