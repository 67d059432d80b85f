import {
  createHttpHeaders,
  RestError,
  type HttpClient,
  type PipelineRequest,
  type PipelineResponse,
} from "@azure/core-rest-pipeline";
import type { EmulatorRequest, EmulatorResponse } from "./emulatorTypes.js";

/** Anything that answers emulator requests (the emulator itself). */
export interface EmulatorEndpoint {
  handle(request: EmulatorRequest): Promise<EmulatorResponse>;
}

async function bodyText(request: PipelineRequest): Promise<string | undefined> {
  const body = request.body;
  if (body === undefined || body === null) return undefined;
  if (typeof body === "string") return body;
  if (body instanceof Uint8Array) return Buffer.from(body).toString("utf8");
  if (body instanceof ArrayBuffer) return Buffer.from(body).toString("utf8");
  if (typeof body === "function")
    throw new RestError("The emulator does not accept streamed request bodies", {
      code: "EmulatorUnsupportedBody",
      request,
    });
  if (typeof Blob !== "undefined" && body instanceof Blob) return body.text();
  throw new RestError("The emulator does not accept this request body type", {
    code: "EmulatorUnsupportedBody",
    request,
  });
}

/**
 * An Azure SDK `httpClient` backed by the emulator: the SDK runs its whole pipeline (serialization,
 * authentication, retries, long-running-operation polling) and only the socket is replaced.
 */
export function emulatorHttpClient(endpoint: EmulatorEndpoint): HttpClient {
  return {
    async sendRequest(request: PipelineRequest): Promise<PipelineResponse> {
      if (request.abortSignal?.aborted === true) {
        throw new RestError("The operation was aborted.", { code: "ABORT_ERR", request });
      }
      const headers: Record<string, string> = {};
      for (const [name, value] of request.headers) headers[name.toLowerCase()] = value;
      const response = await endpoint.handle({
        method: request.method.toUpperCase(),
        url: new URL(request.url),
        headers,
        body: await bodyText(request),
      });
      return {
        request,
        status: response.status,
        headers: createHttpHeaders(response.headers),
        bodyAsText: response.body ?? "",
      };
    },
  };
}
