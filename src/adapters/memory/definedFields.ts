/**
 * A copy of `value` without its `undefined` fields: Table Storage does not store a property whose
 * value is undefined, so a record read back from the in-memory ledger must not have it either.
 */
export function definedFields<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
