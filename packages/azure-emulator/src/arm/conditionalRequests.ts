import type { EmulatorRequest, EmulatorResponse } from "../emulatorTypes.js";
import type { StoredResource } from "../tenantState.js";
import { preconditionFailed } from "./armErrors.js";

/** `"abc"`, `W/"abc"` and `abc` all name the same entity tag. */
function normalizeEtag(value: string): string {
  return value
    .trim()
    .replace(/^W\//i, "")
    .replace(/^"(.*)"$/, "$1");
}

function listMatches(header: string, etag: string): boolean {
  const wanted = normalizeEtag(etag);
  return header.split(",").some((candidate) => {
    const tag = candidate.trim();
    return tag === "*" || normalizeEtag(tag) === wanted;
  });
}

/**
 * Applies `If-Match` and `If-None-Match` to a write (or a read with If-Match): a mismatch answers
 * 412 PreconditionFailed; undefined when the request may proceed.
 */
export function checkPreconditions(
  request: EmulatorRequest,
  current: StoredResource | undefined,
): EmulatorResponse | undefined {
  const ifMatch = request.headers["if-match"];
  if (ifMatch !== undefined && ifMatch.trim() !== "") {
    if (current === undefined || !listMatches(ifMatch, current.etag)) return preconditionFailed();
  }
  const ifNoneMatch = request.headers["if-none-match"];
  if (
    ifNoneMatch !== undefined &&
    ifNoneMatch.trim() !== "" &&
    request.method !== "GET" &&
    request.method !== "HEAD"
  ) {
    if (current !== undefined && listMatches(ifNoneMatch, current.etag)) return preconditionFailed();
  }
  return undefined;
}
