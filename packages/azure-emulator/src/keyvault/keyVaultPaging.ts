import { badParameter } from "./keyVaultRequestError.js";

/** Key Vault's largest (and default) page for the list operations. */
export const maxPageSize = 25;

/** One page of a sorted listing and, when more remain, the marker of the next item. */
export interface Page<T> {
  items: T[];
  nextMarker?: string;
}

/** The `maxresults` query parameter: absent, or an integer 1..25 as Key Vault requires. */
export function readMaxResults(url: URL): number | undefined {
  const raw = url.searchParams.get("maxresults");
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < 1 || value > maxPageSize) {
    throw badParameter(`The value of maxresults (${raw}) must be an integer between 1 and ${maxPageSize}.`);
  }
  return value;
}

/**
 * Encodes a resume marker the way Key Vault's `$skiptoken` looks (base64 JSON with `NextMarker`).
 * The marker names the next item rather than an offset, so a version created between two page
 * requests neither repeats nor hides an item.
 */
export function encodeSkipToken(marker: string): string {
  return Buffer.from(JSON.stringify({ NextMarker: marker, TargetLocation: 0 }), "utf8").toString("base64url");
}

/** Reads a `$skiptoken` made by {@link encodeSkipToken}; 400 `BadParameter` for anything else. */
export function decodeSkipToken(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { NextMarker?: unknown };
    if (typeof parsed.NextMarker === "string") return parsed.NextMarker;
  } catch {
    // falls through to the error below
  }
  throw badParameter("The $skiptoken query parameter is not valid.");
}

/**
 * The page of `items` (sorted by `markerOf`, ascending) that starts at the `$skiptoken` marker.
 */
export function pageOf<T>(
  items: readonly T[],
  markerOf: (item: T) => string,
  skipToken: string | null,
  size: number,
): Page<T> {
  const resume = skipToken === null ? undefined : decodeSkipToken(skipToken);
  const start = resume === undefined ? 0 : items.findIndex((item) => markerOf(item) >= resume);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + size);
  const next = items[from + size];
  return next === undefined ? { items: page } : { items: page, nextMarker: markerOf(next) };
}

/**
 * The `nextLink` Key Vault sends: absolute, with an explicit `:443`, the api-version, the
 * `$skiptoken` and the caller's `maxresults` when it gave one.
 */
export function nextLink(
  url: URL,
  apiVersion: string,
  marker: string,
  maxResults: number | undefined,
): string {
  const authority = url.port === "" ? `${url.hostname}:443` : url.host;
  const query = [
    `api-version=${encodeURIComponent(apiVersion)}`,
    `$skiptoken=${encodeSkipToken(marker)}`,
    ...(maxResults === undefined ? [] : [`maxresults=${String(maxResults)}`]),
  ];
  return `${url.protocol}//${authority}${url.pathname}?${query.join("&")}`;
}
