import { HttpRequest, InvocationContext } from "@azure/functions";
import { inject } from "vitest";
import { createServiceHarness } from "./serviceHarness.js";
import { SINGLE_KEY, SingleKeyTenant } from "@cmkr/azure-emulator/tenant-builder";
import {
  applyRole,
  clientPrincipalHeader,
  encodeClientPrincipal,
  readRole,
} from "../../src/core/auth/clientPrincipal.js";

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

/** The object id and app id of the operator the HTTP tests call as. */
export const operatorOid = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
export const operatorAppId = "9a1b2c3d-0000-4000-8000-00000000c11e";

/**
 * The headers App Service authentication adds for an Entra ID caller with `roles` (default: both
 * app roles), as the HTTP handlers read them.
 */
export function callerHeaders(
  roles: readonly string[] = [readRole, applyRole],
  oid = operatorOid,
): Record<string, string> {
  return { [clientPrincipalHeader]: encodeClientPrincipal({ oid, appId: operatorAppId, roles }) };
}

/** A `POST /api/remediate` with `body`, made by an operator holding both app roles. */
export const remediatePost = (body: string, headers: Record<string, string> = callerHeaders()) =>
  jsonPost("https://app/api/remediate", body, headers);

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
