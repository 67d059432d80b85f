import type { HttpResponseInit } from "@azure/functions";

/**
 * An RFC 9457 problem answer (`application/problem+json`), naming the offending field when there is
 * one. This file registers no function.
 */
export function problem(status: number, title: string, detail: string, field?: string): HttpResponseInit {
  return {
    status,
    headers: { "content-type": "application/problem+json" },
    body: JSON.stringify({
      type: "about:blank",
      title,
      status,
      detail,
      ...(field === undefined ? {} : { field }),
    }),
  };
}

/** Largest request body the HTTP endpoints read (Event Grid batches are at most 1 MB). */
export const maxBodyBytes = 1024 * 1024;

/**
 * Reads the body as UTF-8 text, or undefined when it is larger than `limit` bytes: refused at once
 * from `content-length`, otherwise while streaming, so no more than `limit` bytes (plus one chunk)
 * are ever held, whatever a chunked request claims or sends.
 */
export async function readBody(
  request: { headers: Headers; body: { getReader(): ReadableStreamDefaultReader<unknown> } | null },
  limit: number,
): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return undefined;
  if (request.body === null) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    // The Functions host and fetch's Request stream bytes; anything else is not a body we read.
    if (!(value instanceof Uint8Array)) throw new TypeError("the request body stream did not yield bytes");
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      return undefined;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
