import { HttpRequest, InvocationContext } from "@azure/functions";
import { inject } from "vitest";
import { createServiceHarness } from "./serviceHarness.js";
import { RotationTenantBuilder, V1, V2, keyVersion } from "./rotationTenant.js";

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
  const b = new RotationTenantBuilder().withVersions([
    keyVersion(V1, "2026-01-01T00:00:00Z"),
    keyVersion(V2, "2026-11-20T00:00:00Z"),
  ]);
  const des = b.des("des-1");
  const h = await createServiceHarness(b.build(), inject("azuriteConnectionString"), { env });
  return { h, des, runtime: () => Promise.resolve(h.runtime) };
}
