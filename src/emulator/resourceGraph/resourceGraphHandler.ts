import { createHash, randomUUID } from "node:crypto";
import { armError } from "../armError.js";
import {
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
  type RequestContext,
  type SurfaceHandler,
} from "../emulatorTypes.js";
import type { TenantState } from "../tenantState.js";
import { KqlError } from "./kql/kqlError.js";
import { runKql, type Row } from "./kql/kqlEvaluate.js";
import { resourceContainerRows, resourceRows } from "./resourceGraphRows.js";

/** Resource Graph's per-principal query quota (Azure: on the order of 15 queries per 5 s). */
export interface ResourceGraphQuota {
  limit: number;
  windowSeconds: number;
}

interface QueryBody {
  subscriptions?: unknown;
  managementGroups?: unknown;
  query?: unknown;
  options?: { $top?: unknown; $skip?: unknown; $skipToken?: unknown; resultFormat?: unknown };
}

interface Snapshot {
  hash: string;
  rows: Row[];
}

interface SkipToken {
  snapshot: string;
  offset: number;
  hash: string;
}

const maxSnapshots = 16;

function encodeToken(token: SkipToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function decodeToken(text: string): SkipToken | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as Partial<SkipToken>;
    if (
      typeof value.snapshot === "string" &&
      typeof value.offset === "number" &&
      typeof value.hash === "string"
    ) {
      return value as SkipToken;
    }
  } catch {
    // Falls through to the invalid-token answer.
  }
  return undefined;
}

function hhmmss(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${pad(Math.floor(s / 3600))}:${pad(Math.floor((s % 3600) / 60))}:${pad(s % 60)}`;
}

function stringList(value: unknown, field: string): string[] | EmulatorResponse {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    return armError(400, "BadRequest", `'${field}' must be an array of strings`);
  }
  return value;
}

/**
 * `POST /providers/Microsoft.ResourceGraph/resources`: runs the documented KQL subset over the
 * emulated tenant, pages with `$skipToken` at `$top` (max 1000), and answers unsupported KQL with a
 * 400 naming the construct. Paging reads from a snapshot taken at the first page, as Azure does.
 */
export function createResourceGraphHandler(
  state: TenantState,
  options: { quota: ResourceGraphQuota | false },
): SurfaceHandler {
  const snapshots = new Map<string, Snapshot>();
  const usage = new Map<string, number[]>();

  function quotaHeaders(context: RequestContext): { allowed: boolean; headers: Record<string, string> } {
    if (options.quota === false) return { allowed: true, headers: {} };
    const windowMs = options.quota.windowSeconds * 1000;
    const recent = (usage.get(context.principal.objectId) ?? []).filter((t) => context.now - t < windowMs);
    const allowed = recent.length < options.quota.limit;
    if (allowed) recent.push(context.now);
    usage.set(context.principal.objectId, recent);
    const oldest = recent[0] ?? context.now;
    const resetsIn = (oldest + windowMs - context.now) / 1000;
    return {
      allowed,
      headers: {
        "x-ms-user-quota-remaining": String(Math.max(0, options.quota.limit - recent.length)),
        "x-ms-user-quota-resets-after": hhmmss(resetsIn),
        ...(allowed ? {} : { "retry-after": String(Math.max(1, Math.ceil(resetsIn))) }),
      },
    };
  }

  return (request: EmulatorRequest, context: RequestContext): EmulatorResponse => {
    if (request.url.searchParams.get("api-version") === null) {
      return armError(
        400,
        "MissingApiVersionParameter",
        "The api-version query parameter (?api-version=) is required for all requests.",
      );
    }
    if (
      !/^\/providers\/microsoft\.resourcegraph\/resources\/?$/i.test(request.url.pathname) ||
      request.method !== "POST"
    ) {
      return armError(
        404,
        "NotFound",
        `Resource Graph does not serve ${request.method} ${request.url.pathname}`,
      );
    }
    const quota = quotaHeaders(context);
    if (!quota.allowed) {
      return armError(
        429,
        "RateLimiting",
        "Please provide below info when asking for support: the user quota for Resource Graph queries is exhausted.",
        quota.headers,
      );
    }
    let body: QueryBody;
    try {
      body = JSON.parse(request.body ?? "") as QueryBody;
    } catch {
      return armError(400, "BadRequest", "The request body is not valid JSON.", quota.headers);
    }
    if (typeof body.query !== "string" || body.query.trim() === "") {
      return armError(400, "BadRequest", "The 'query' field is required.", quota.headers);
    }
    const subscriptions = stringList(body.subscriptions, "subscriptions");
    if (!Array.isArray(subscriptions)) return subscriptions;
    const managementGroups = stringList(body.managementGroups, "managementGroups");
    if (!Array.isArray(managementGroups)) return managementGroups;
    const topValue = body.options?.$top ?? 100;
    if (typeof topValue !== "number" || !Number.isInteger(topValue) || topValue < 1 || topValue > 1000) {
      return armError(400, "BadRequest", "'$top' must be a whole number from 1 to 1000.", quota.headers);
    }

    // Scope: the listed subscriptions; management groups (or no scope) mean every subscription of
    // the tenant whose managementGroupId matches (or all, when none carries one).
    const all = state.subscriptions();
    const groups = new Set(managementGroups.map((g) => g.toLowerCase()));
    const scope = new Set<string>(
      subscriptions.length > 0
        ? subscriptions.map((s) => s.toLowerCase())
        : all
            .filter(
              (s) =>
                groups.size === 0 ||
                s.managementGroupId === undefined ||
                groups.has(s.managementGroupId.toLowerCase()),
            )
            .map((s) => s.subscriptionId.toLowerCase()),
    );
    const hash = createHash("sha256")
      .update(JSON.stringify([body.query, [...scope].sort()]))
      .digest("hex")
      .slice(0, 16);

    let rows: Row[];
    let offset = 0;
    let limited = false;
    const skipText = body.options?.$skipToken;
    if (typeof skipText === "string" && skipText !== "") {
      const token = decodeToken(skipText);
      const snapshot = token === undefined ? undefined : snapshots.get(token.snapshot);
      if (token === undefined || snapshot === undefined || token.hash !== hash) {
        return armError(400, "BadRequest", "The $skipToken is not valid for this query.", quota.headers);
      }
      rows = snapshot.rows;
      offset = token.offset;
    } else {
      try {
        const result = runKql(body.query, (table) =>
          table === "resourcecontainers" ? resourceContainerRows(state, scope) : resourceRows(state, scope),
        );
        rows = result.rows;
        limited = result.limited;
      } catch (error) {
        if (error instanceof KqlError) {
          return jsonResponse(
            400,
            {
              error: {
                code: "BadRequest",
                message: `Query is invalid: ${error.message}`,
                details: [{ code: error.code, message: error.message }],
              },
            },
            quota.headers,
          );
        }
        throw error;
      }
      const skip = body.options?.$skip;
      if (typeof skip === "number" && Number.isInteger(skip) && skip > 0) offset = skip;
    }
    const page = rows.slice(offset, offset + topValue);
    const nextOffset = offset + page.length;
    let skipToken: string | undefined;
    if (!limited && nextOffset < rows.length) {
      let snapshotId = typeof skipText === "string" ? decodeToken(skipText)?.snapshot : undefined;
      if (snapshotId === undefined) {
        snapshotId = randomUUID();
        snapshots.set(snapshotId, { hash, rows });
        if (snapshots.size > maxSnapshots) snapshots.delete(snapshots.keys().next().value as string);
      }
      skipToken = encodeToken({ snapshot: snapshotId, offset: nextOffset, hash });
    }
    return jsonResponse(
      200,
      {
        totalRecords: rows.length,
        count: page.length,
        resultTruncated: "false",
        ...(skipToken === undefined ? {} : { $skipToken: skipToken }),
        data: page,
        facets: [],
      },
      quota.headers,
    );
  };
}
