import {
  createHttpHeaders,
  createPipelineRequest,
  RestError,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import type { ArmResourceJson } from "../../core/arm/armResource.js";

/** Sends one request through an SDK client's pipeline (auth, retries, pacing). */
export type ArmSend = (request: PipelineRequest) => Promise<PipelineResponse>;

/** Where and how to PATCH one resource. */
export interface ArmPatchRequest {
  /** ARM endpoint, e.g. `https://management.azure.com`. */
  endpoint: string;
  resourceId: string;
  apiVersion: string;
  /** ARM merge patch in wire shape. */
  patch: Record<string, unknown>;
  ifMatch?: string | undefined;
  /** Wait between polls when Azure sends no `Retry-After`. */
  pollIntervalMs: number;
  /** Waits; tests may pass one that does not sleep. */
  sleep?: (ms: number) => Promise<void>;
}

const terminalStates = new Set(["succeeded", "failed", "canceled", "cancelled"]);

function parseBody(response: PipelineResponse): unknown {
  if (response.bodyAsText === undefined || response.bodyAsText === null || response.bodyAsText === "")
    return undefined;
  try {
    return JSON.parse(response.bodyAsText) as unknown;
  } catch {
    return undefined;
  }
}

function provisioningState(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const properties = (body as { properties?: unknown }).properties;
  if (typeof properties !== "object" || properties === null) return undefined;
  const state = (properties as { provisioningState?: unknown }).provisioningState;
  return typeof state === "string" ? state : undefined;
}

/** An answer ≥ 400 as the SDK would throw it: `statusCode` and ARM's error `code`. */
function restError(request: PipelineRequest, response: PipelineResponse, what: string): RestError {
  const body = parseBody(response) as { error?: { code?: unknown; message?: unknown } } | undefined;
  const code = typeof body?.error?.code === "string" ? body.error.code : undefined;
  const message = typeof body?.error?.message === "string" ? body.error.message : `${what} failed`;
  return new RestError(message, {
    statusCode: response.status,
    ...(code === undefined ? {} : { code }),
    request,
    response,
  });
}

/**
 * `Retry-After` in milliseconds (delta-seconds or an HTTP date), else the configured interval. ARM's
 * asynchronous operations guidance: clients wait at least `Retry-After` between polls.
 */
function pollDelay(response: PipelineResponse, fallbackMs: number): number {
  const header = response.headers.get("retry-after");
  if (header === undefined) return fallbackMs;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? fallbackMs : Math.max(0, at - Date.now());
}

const defaultSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * PATCHes one resource and follows its long-running operation to the end, returning the resource
 * as the operation's final result (undefined when ARM answered without one).
 *
 * It spends as few ARM reads as ARM's asynchronous-operation protocol allows, because every read
 * draws on the subscription's read bucket (25/s) that rotations share:
 * - a synchronous 200/201 whose body is in a terminal provisioning state is the result itself;
 * - with a `Location` header, that URL is polled: it answers 202 while the operation runs and the
 *   final resource (200) when it has succeeded, so no separate final GET is needed (the SDK's
 *   poller polls `Azure-AsyncOperation` and then GETs the result, one read more);
 * - with only `Azure-AsyncOperation`, the status is polled to its end and the resource read once.
 * Every wait honours `Retry-After`. A failed or cancelled operation throws a `RestError` carrying
 * ARM's error code, as the SDK poller does.
 */
export async function patchAndAwait(
  send: ArmSend,
  req: ArmPatchRequest,
): Promise<ArmResourceJson | undefined> {
  const sleep = req.sleep ?? defaultSleep;
  const resourceUrl = `${req.endpoint.replace(/\/+$/, "")}${req.resourceId}?api-version=${encodeURIComponent(req.apiVersion)}`;
  const headers = createHttpHeaders({ "content-type": "application/json", accept: "application/json" });
  if (req.ifMatch !== undefined) headers.set("If-Match", req.ifMatch);
  const patchRequest = createPipelineRequest({
    url: resourceUrl,
    method: "PATCH",
    headers,
    body: JSON.stringify(req.patch),
  });
  const answer = await send(patchRequest);
  if (answer.status >= 400) throw restError(patchRequest, answer, `PATCH ${req.resourceId}`);

  const get = async (url: string): Promise<PipelineResponse> => {
    const request = createPipelineRequest({
      url,
      method: "GET",
      headers: createHttpHeaders({ accept: "application/json" }),
    });
    const response = await send(request);
    if (response.status >= 400) throw restError(request, response, `GET ${url}`);
    return response;
  };
  const readResource = async (): Promise<ArmResourceJson | undefined> =>
    parseBody(await get(resourceUrl)) as ArmResourceJson | undefined;

  const location = answer.headers.get("location");
  const asyncOperation = answer.headers.get("azure-asyncoperation");
  if (answer.status !== 202 && location === undefined && asyncOperation === undefined) {
    // Synchronous, or a 200/201 whose body is the resource still provisioning: poll the resource.
    let body = parseBody(answer);
    let last = answer;
    while (
      body !== undefined &&
      !terminalStates.has((provisioningState(body) ?? "succeeded").toLowerCase())
    ) {
      await sleep(pollDelay(last, req.pollIntervalMs));
      last = await get(resourceUrl);
      body = parseBody(last);
    }
    return settled(body, req, patchRequest, last);
  }

  if (location !== undefined) {
    let last = answer;
    let url = location;
    for (;;) {
      await sleep(pollDelay(last, req.pollIntervalMs));
      last = await get(url);
      if (last.status === 202) {
        url = last.headers.get("location") ?? url;
        continue;
      }
      const body = parseBody(last);
      // 204 (or an empty 200): the operation ended without a result body; read the resource.
      return body === undefined ? await readResource() : settled(body, req, patchRequest, last);
    }
  }

  let last = answer;
  for (;;) {
    await sleep(pollDelay(last, req.pollIntervalMs));
    last = await get(asyncOperation ?? resourceUrl);
    const status = (parseBody(last) as { status?: unknown } | undefined)?.status;
    const state = typeof status === "string" ? status.toLowerCase() : "inprogress";
    if (!terminalStates.has(state)) continue;
    if (state !== "succeeded")
      throw restError(patchRequest, { ...last, status: 400 }, `PATCH ${req.resourceId}`);
    return readResource();
  }
}

/** The final body, or the operation's failure when the resource says it ended Failed or Canceled. */
function settled(
  body: unknown,
  req: ArmPatchRequest,
  request: PipelineRequest,
  response: PipelineResponse,
): ArmResourceJson | undefined {
  const state = provisioningState(body)?.toLowerCase();
  if (state === "failed" || state === "canceled" || state === "cancelled") {
    throw new RestError(`the operation on ${req.resourceId} ended ${provisioningState(body)}`, {
      statusCode: 400,
      code: "OperationFailed",
      request,
      response,
    });
  }
  return body as ArmResourceJson | undefined;
}
