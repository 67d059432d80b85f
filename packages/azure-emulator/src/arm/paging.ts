/** One page of an ARM list: `{value, nextLink}`. */
export interface Page<T> {
  value: T[];
  nextLink?: string;
}

const skipTokenNames = ["$skiptoken", "skiptoken"];

/** The request's skip token parameter name as sent (ARM accepts any casing), if any. */
function skipTokenParameter(url: URL): string | undefined {
  for (const name of url.searchParams.keys()) if (skipTokenNames.includes(name.toLowerCase())) return name;
  return undefined;
}

/** Thrown for a skip token this emulator did not issue. */
export class InvalidSkipTokenError extends Error {
  readonly code = "InvalidSkipToken";
  constructor(readonly token: string) {
    super(`The skip token '${token}' is not valid.`);
    this.name = "InvalidSkipTokenError";
  }
}

/**
 * Cuts one page out of a list. The next link is the request URL (same host, api-version and filter
 * kept) with `$skipToken` set to where the next page starts, so SDK pagers can follow it as is.
 * @throws {@link InvalidSkipTokenError} for a malformed skip token.
 */
export function pageOf<T>(items: readonly T[], requestUrl: URL, pageSize: number): Page<T> {
  const parameter = skipTokenParameter(requestUrl);
  const token = parameter === undefined ? null : requestUrl.searchParams.get(parameter);
  let offset = 0;
  if (token !== null) {
    if (!/^\d+$/.test(token)) throw new InvalidSkipTokenError(token);
    offset = Number(token);
  }
  const size = Math.max(1, Math.floor(pageSize));
  const value = items.slice(offset, offset + size);
  if (offset + size >= items.length) return { value };
  const next = new URL(requestUrl.toString());
  if (parameter !== undefined) next.searchParams.delete(parameter);
  next.searchParams.set("$skipToken", String(offset + size));
  return { value, nextLink: next.toString() };
}
