import { userInfo } from "node:os";
import type { Actor } from "../core/audit/actor.js";
import { applyRole, readRole, type ClientPrincipal } from "../core/auth/clientPrincipal.js";

/** The local user running `cmkr` (the OS account name; the audit trail's CLI actor). */
export function cliUserName(): string {
  try {
    return userInfo().username;
  } catch {
    // Some containers run as a uid with no passwd entry.
    return process.env.USER ?? process.env.USERNAME ?? "unknown";
  }
}

/** The audit trail's actor for a `cmkr` command. */
export function cliActor(): Actor {
  return { kind: "cli", user: cliUserName() };
}

/**
 * The caller `cmkr serve` makes every request as: the local user, with both app roles. `serve` runs
 * the functions on loopback against an emulated tenant, for the person who started it.
 */
export function localOperator(): ClientPrincipal {
  const user = cliUserName();
  return { oid: `local:${user}`, name: user, roles: [readRole, applyRole] };
}
