import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import {
  clientPrincipalHeader,
  decodeClientPrincipal,
  type ClientPrincipal,
} from "../../core/auth/clientPrincipal.js";
import type { Actor } from "../../core/audit/actor.js";
import { problem } from "./httpProblem.js";

/**
 * The caller App Service authentication vouched for, when it holds `role`; otherwise the answer to
 * send: 401 when no authenticated caller is named (no or unreadable `X-MS-CLIENT-PRINCIPAL`: a
 * function key alone authenticates nobody), 403 when the caller lacks the role. Both name the role.
 */
export function requireRole(
  request: Pick<HttpRequest, "headers">,
  role: string,
): { principal: ClientPrincipal } | { refused: HttpResponseInit } {
  const principal = decodeClientPrincipal(request.headers.get(clientPrincipalHeader));
  if (principal === undefined) {
    return {
      refused: problem(
        401,
        "Unauthenticated",
        `this endpoint requires a Microsoft Entra ID caller with the app role ${role} (App Service authentication); a function key alone is not enough`,
        clientPrincipalHeader,
      ),
    };
  }
  if (!principal.roles.includes(role)) {
    return {
      refused: problem(
        403,
        "Missing app role",
        `the caller ${principal.oid} lacks the app role ${role}`,
        "roles",
      ),
    };
  }
  return { principal };
}

/** The audit trail's actor for an authenticated HTTP caller. */
export function httpActor(principal: ClientPrincipal): Actor {
  return {
    kind: "http",
    oid: principal.oid,
    ...(principal.appId === undefined ? {} : { appId: principal.appId }),
    ...(principal.name === undefined ? {} : { name: principal.name }),
  };
}
