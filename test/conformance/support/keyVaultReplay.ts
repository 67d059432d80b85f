import {
  createHttpHeaders,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";

/** A response as a recording or an example holds it. */
export interface ServedResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: unknown;
}

/** What a replayed vault answers with: published bodies only, nothing made up. */
export interface ReplayedVault {
  /** The 401 Key Vault answers a request without a token with (recorded). */
  readonly challenge: ServedResponse;
  /** Key bundles (create, get, rotate and update answers); a GET of a version serves the bundle whose `kid` ends in it. */
  readonly bundles?: readonly unknown[];
  /** Pages of `GET /keys/{name}/versions`, in order: the first without `$skiptoken`, then one per `nextLink` followed. */
  readonly versionPages?: readonly unknown[];
}

function respond(request: PipelineRequest, served: ServedResponse): PipelineResponse {
  return {
    request,
    status: served.status,
    headers: createHttpHeaders({ "content-type": "application/json; charset=utf-8", ...served.headers }),
    bodyAsText: served.body === undefined || served.body === null ? "" : JSON.stringify(served.body),
  };
}

function kidOf(bundle: unknown): string {
  const kid = (bundle as { key?: { kid?: unknown }; kid?: unknown }).key?.kid;
  return typeof kid === "string" ? kid : "";
}

/**
 * An SDK `httpClient` that answers Key Vault requests with recorded (or published) responses, so
 * the real KeyClient and the service's adapter parse exactly what Azure sent. The host is ignored
 * (recordings are sanitised: requests go to `Sanitized.vault.azure.net`, bodies name
 * `keyvault_name.vault.azure.net`). Unmatched requests get Key Vault's 404 `KeyNotFound`.
 */
export function keyVaultReplayClient(vault: ReplayedVault): HttpClient & { requests: string[] } {
  const requests: string[] = [];
  let pagesServed = 0;
  return {
    requests,
    sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      const url = new URL(request.url);
      requests.push(
        `${request.method} ${url.pathname}${request.headers.has("authorization") ? "" : " (no token)"}`,
      );
      if (!request.headers.has("authorization")) return Promise.resolve(respond(request, vault.challenge));
      const segments = url.pathname.split("/").filter((s) => s !== "");
      if (request.method === "GET" && segments[0] === "keys" && segments[2] === "versions") {
        const page = vault.versionPages?.[url.searchParams.has("$skiptoken") ? pagesServed : 0];
        pagesServed = url.searchParams.has("$skiptoken") ? pagesServed + 1 : 1;
        if (page !== undefined) return Promise.resolve(respond(request, { status: 200, body: page }));
      } else if (request.method === "GET" && segments[0] === "keys" && segments[1] !== undefined) {
        const name = decodeURIComponent(segments[1]).toLowerCase();
        const version = segments[2]?.toLowerCase();
        const ofKey = (vault.bundles ?? []).filter((b) => kidOf(b).toLowerCase().includes(`/keys/${name}/`));
        const bundle =
          version === undefined
            ? ofKey.at(-1)
            : ofKey.find((b) => kidOf(b).toLowerCase().endsWith(`/${version}`));
        if (bundle !== undefined) return Promise.resolve(respond(request, { status: 200, body: bundle }));
      }
      return Promise.resolve(
        respond(request, {
          status: 404,
          body: { error: { code: "KeyNotFound", message: `no served response for ${url.pathname}` } },
        }),
      );
    },
  };
}
