/**
 * The emulator's transport-neutral request and response. Both the in-process SDK `httpClient`
 * and the loopback HTTPS server translate to and from these, so every handler is written once.
 */
export interface EmulatorRequest {
  /** Upper-case HTTP method. */
  readonly method: string;
  /** Full URL as the SDK built it, e.g. `https://management.azure.com/subscriptions/...?api-version=...`. */
  readonly url: URL;
  /** Header names are lower-case. */
  readonly headers: Readonly<Record<string, string>>;
  /** Request body as text; undefined when there is none. */
  readonly body?: string | undefined;
}

/** A response produced by a handler. Header names are lower-case. */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body?: string | undefined;
}

/** The caller, read from the bearer token (see `emulatorCredential.ts`). */
export interface Principal {
  /** Object id of the caller (`oid` claim); "anonymous" when no token was sent. */
  readonly objectId: string;
  /** Application id (`appid` claim), when the token carries one. */
  readonly appId?: string | undefined;
  /** Tenant id (`tid` claim). */
  readonly tenantId?: string | undefined;
  /** Audience the token was issued for (`aud` claim), e.g. `https://management.azure.com`. */
  readonly audience?: string | undefined;
}

/** What every handler gets besides the request. */
export interface RequestContext {
  readonly principal: Principal;
  /** Milliseconds since the epoch, from the emulator's clock. */
  readonly now: number;
}

/** A handler of one Azure surface (ARM, Key Vault data plane, Resource Graph). */
export type SurfaceHandler = (
  request: EmulatorRequest,
  context: RequestContext,
) => EmulatorResponse | Promise<EmulatorResponse>;

/** Builds a JSON response. */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { "content-type": "application/json; charset=utf-8", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  };
}
