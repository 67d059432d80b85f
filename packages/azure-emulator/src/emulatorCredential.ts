import type { AccessToken, GetTokenOptions, TokenCredential } from "@azure/core-auth";
import type { Principal } from "./emulatorTypes.js";

function base64url(value: string): string {
  return Buffer.from(value, "utf8").toString("base64url");
}

/** Who the emulator credential claims to be. */
export interface EmulatorIdentity {
  objectId: string;
  appId?: string;
  tenantId?: string;
}

/**
 * A `TokenCredential` for the emulator: it issues unsigned JWT-shaped tokens that carry the
 * caller's `oid`, `appid` and `tid`, so the emulator can apply per-principal throttling and tests
 * can act as different identities. Never accepted by Azure.
 */
export class EmulatorCredential implements TokenCredential {
  /** Every scope a token was requested for, in order (tests assert on the Key Vault challenge). */
  readonly requestedScopes: string[] = [];

  constructor(
    private readonly identity: EmulatorIdentity = { objectId: "00000000-0000-0000-0000-0000000000e1" },
  ) {}

  getToken(scopes: string | string[], options?: GetTokenOptions): Promise<AccessToken> {
    const list = Array.isArray(scopes) ? scopes : [scopes];
    this.requestedScopes.push(...list);
    const audience = (list[0] ?? "").replace(/\/\.default$/, "");
    const expiresOnTimestamp = Date.now() + 60 * 60 * 1000;
    const payload = {
      aud: audience,
      oid: this.identity.objectId,
      appid: this.identity.appId,
      tid: options?.tenantId ?? this.identity.tenantId,
      exp: Math.floor(expiresOnTimestamp / 1000),
    };
    const token = `${base64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${base64url(JSON.stringify(payload))}.`;
    return Promise.resolve({ token, expiresOnTimestamp, tokenType: "Bearer" });
  }
}

/** The anonymous caller (no `Authorization` header). */
export const anonymousPrincipal: Principal = { objectId: "anonymous" };

/**
 * Reads the principal from an `Authorization: Bearer` header. Returns undefined when there is no
 * bearer token; a token that is not JWT-shaped yields an "unknown" principal rather than an error,
 * because the emulator does not verify signatures.
 */
export function principalFromAuthorization(header: string | undefined): Principal | undefined {
  const match = header === undefined ? null : /^Bearer\s+(\S+)$/i.exec(header);
  const token = match?.[1];
  if (token === undefined) return undefined;
  const payload = token.split(".")[1];
  try {
    const claims = JSON.parse(Buffer.from(payload ?? "", "base64url").toString("utf8")) as Record<
      string,
      unknown
    >;
    const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
    return {
      objectId: str(claims.oid) ?? "unknown",
      appId: str(claims.appid),
      tenantId: str(claims.tid),
      audience: str(claims.aud),
    };
  } catch {
    return { objectId: "unknown" };
  }
}
