import { armError } from "../armError.js";
import {
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
  type RequestContext,
  type SurfaceHandler,
} from "../emulatorTypes.js";
import type { TenantState } from "../tenantState.js";
import type { KqlType } from "./kql/kqlAst.js";
import { KqlError, runKql, type KqlColumn, type KqlResult, type Row } from "./kql/runKql.js";
import { ResourceGraphQuotaTracker, type ResourceGraphQuota } from "./resourceGraphQuota.js";
import {
  parseResourceGraphRequest,
  ResourceGraphRequestError,
  type ResourceGraphRequest,
} from "./resourceGraphRequest.js";
import { ResourceGraphResultCache, type ResultCacheLimits } from "./resourceGraphResultCache.js";
import { resourceGraphTables } from "./resourceGraphRows.js";
import { scopeSubscriptions } from "./resourceGraphScope.js";
import { decodeSkipToken, encodeSkipToken, querySignature } from "./resourceGraphSkipToken.js";

export type { ResourceGraphQuota } from "./resourceGraphQuota.js";

/** api-versions of `Microsoft.ResourceGraph/resources` (the SDK 5.0 sends 2024-04-01). */
const apiVersions = [
  "2018-09-01-preview",
  "2019-04-01",
  "2020-04-01-preview",
  "2021-03-01",
  "2021-06-01-preview",
  "2022-10-01",
  "2024-04-01",
];

const resourcesPath = /^\/providers\/microsoft\.resourcegraph\/resources\/?$/i;

/** Column types as the `table` result format names them. */
const tableTypes: Record<KqlType, string> = {
  string: "string",
  long: "integer",
  real: "number",
  bool: "boolean",
  dynamic: "object",
};

function invalidQuery(error: KqlError, headers: Record<string, string>): EmulatorResponse {
  return jsonResponse(
    400,
    {
      error: {
        code: "BadRequest",
        message: `Query is invalid. ${error.message}`,
        details: [
          {
            code: "InvalidQuery",
            message:
              "Query is invalid. Please refer to the documentation for the Azure Resource Graph service and fix the error before retrying.",
          },
          {
            code: error.code,
            message: error.message,
            construct: error.construct,
            line: error.line,
            characterPositionInLine: error.column,
          },
        ],
      },
    },
    headers,
  );
}

function data(request: ResourceGraphRequest, columns: readonly KqlColumn[], page: readonly Row[]): unknown {
  if (request.resultFormat === "objectArray") return page;
  return {
    columns: columns.map((c) => ({ name: c.name, type: tableTypes[c.type] })),
    rows: page.map((row) => columns.map((c) => row[c.name] ?? null)),
  };
}

/**
 * One page of a result. Like Azure, a query that limits itself (`take`/`limit`) or returns only
 * dynamic columns cannot be paged: it gets no `$skipToken`, and `resultTruncated` says whether
 * rows were left out.
 */
function answerPage(
  request: ResourceGraphRequest,
  result: KqlResult,
  signature: string,
  headers: Record<string, string>,
): { response: EmulatorResponse; more: boolean } {
  const pageable = !result.limited && result.columns.some((c) => c.type !== "dynamic");
  let offset = result.limited ? 0 : request.skip;
  if (request.skipToken !== undefined) {
    const decoded = pageable ? decodeSkipToken(request.skipToken, signature) : undefined;
    if (decoded === undefined) {
      return {
        response: armError(
          400,
          "BadRequest",
          "The '$skipToken' is not valid for this query: send the same query and scope that returned it.",
          headers,
        ),
        more: false,
      };
    }
    offset = decoded;
  }
  const page = result.rows.slice(offset, offset + request.top);
  const end = offset + page.length;
  const more = end < result.rows.length;
  const response = jsonResponse(
    200,
    {
      totalRecords: result.rows.length,
      count: page.length,
      resultTruncated: more && !pageable ? "true" : "false",
      ...(more && pageable ? { $skipToken: encodeSkipToken(signature, end) } : {}),
      data: data(request, result.columns, page),
      facets: [],
    },
    headers,
  );
  return { response, more: more && pageable };
}

function answer(
  state: TenantState,
  request: EmulatorRequest,
  headers: Record<string, string>,
  cache: ResourceGraphResultCache,
  now: number,
): EmulatorResponse {
  const path = request.url.pathname;
  if (!resourcesPath.test(path)) {
    return armError(
      404,
      "InvalidResourceType",
      `The emulator serves only POST /providers/Microsoft.ResourceGraph/resources, not ${path}.`,
      headers,
    );
  }
  if (request.method !== "POST") {
    return armError(
      405,
      "MethodNotAllowed",
      `Resource Graph queries are sent with POST, not ${request.method}.`,
      headers,
    );
  }
  const apiVersion = request.url.searchParams.get("api-version");
  if (apiVersion === null || apiVersion === "") {
    return armError(
      400,
      "MissingApiVersionParameter",
      "The api-version query parameter (?api-version=) is required for all requests.",
      headers,
    );
  }
  if (!apiVersions.includes(apiVersion)) {
    return armError(
      400,
      "InvalidApiVersionParameter",
      `The api-version '${apiVersion}' is invalid. The supported versions are '${apiVersions.join(",")}'.`,
      headers,
    );
  }
  let parsed: ResourceGraphRequest;
  try {
    parsed = parseResourceGraphRequest(request.body, apiVersion);
  } catch (error) {
    if (error instanceof ResourceGraphRequestError) return armError(400, error.code, error.message, headers);
    throw error;
  }
  const scope = scopeSubscriptions(
    state.tenantId,
    state.subscriptions(),
    parsed.subscriptions,
    parsed.managementGroups,
  );
  const signature = querySignature(parsed.query, scope);
  // A continuation reads the rows computed for the first page while the tenant is unchanged.
  let result = parsed.skipToken === undefined ? undefined : cache.get(signature, state.revision, now);
  if (result === undefined) {
    try {
      result = runKql(parsed.query, resourceGraphTables(state, scope));
    } catch (error) {
      if (error instanceof KqlError) return invalidQuery(error, headers);
      throw error;
    }
  }
  const { response, more } = answerPage(parsed, result, signature, headers);
  if (more) cache.set(signature, state.revision, result, now);
  else if (parsed.skipToken !== undefined) cache.delete(signature);
  return response;
}

/**
 * `POST /providers/Microsoft.ResourceGraph/resources`: runs the documented KQL subset (see KQL.md)
 * over the emulated tenant. Pages with `$skipToken` at `$top` (default 100, at most 1000), scopes
 * by subscriptions or management groups, answers KQL outside the subset with a 400 naming the
 * construct, and, when a quota is set, counts every request per principal and answers 429 past it.
 * Paged results are kept for their `$skipToken`s while the tenant is unchanged, so reading n rows
 * runs the query once, not once per page.
 */
export function createResourceGraphHandler(
  state: TenantState,
  options: { quota: ResourceGraphQuota | false; resultCache?: Partial<ResultCacheLimits> },
): SurfaceHandler {
  const quota = options.quota === false ? undefined : new ResourceGraphQuotaTracker(options.quota);
  const cache = new ResourceGraphResultCache(options.resultCache);
  return (request: EmulatorRequest, context: RequestContext): EmulatorResponse => {
    const decision = quota?.take(context.principal.objectId, context.now);
    const headers = decision?.headers ?? {};
    if (decision !== undefined && !decision.allowed) {
      return armError(
        429,
        "RateLimiting",
        "Client application has been throttled and should not attempt to repeat the request until an amount of time has elapsed.",
        headers,
      );
    }
    return answer(state, request, headers, cache, context.now);
  };
}
