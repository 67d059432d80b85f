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

/** Reads the body as text, refusing oversized ones from `content-length` or while reading. */
export async function readBody(
  request: { headers: Headers; text(): Promise<string> },
  limit: number,
): Promise<string | undefined> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) return undefined;
  const text = await request.text();
  return Buffer.byteLength(text, "utf8") > limit ? undefined : text;
}
