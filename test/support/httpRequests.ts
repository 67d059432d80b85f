import { HttpRequest, InvocationContext } from "@azure/functions";
import { inject } from "vitest";
import { createServiceHarness } from "./serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";

const { v1: V1, v2: V2 } = SINGLE_KEY.versions;

/** An invocation context whose logs go nowhere (tests that check logs pass their own handler). */
export const quietContext = (invocationId = "inv-http") =>
  new InvocationContext({ functionName: "http", invocationId, logHandler: () => undefined });

/** A JSON `POST`, as the Functions host hands it to an HTTP handler. */
export const jsonPost = (url: string, body: string, headers: Record<string, string> = {}) =>
  new HttpRequest({
    method: "POST",
    url,
    body: { string: body },
    headers: { "content-type": "application/json", ...headers },
  });

/** An RFC 9457 problem body, parsed. */
export function problemOf(body: unknown): { status: number; field?: string; detail: string } {
  if (typeof body !== "string") throw new Error("expected a JSON text body");
  return JSON.parse(body) as { status: number; field?: string; detail: string };
}

/** The service against a tenant with one disk encryption set on V1 while V2 is the newest version. */
export async function oneDesHarness(env: Record<string, string> = {}) {
  const b = new SingleKeyTenant({
    versions: [
      { version: V1, createdOn: "2026-01-01T00:00:00Z" },
      { version: V2, createdOn: "2026-11-20T00:00:00Z" },
    ],
  });
  const des = b.diskEncryptionSet("des-1").id;
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), { env });
  return { h, des, runtime: () => Promise.resolve(h.runtime) };
}
