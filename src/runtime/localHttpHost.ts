import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
// A CommonJS bundle whose names Node cannot detect for an ESM named import: take the module object.
import functions, { type HttpRequest, type HttpResponseInit, type InvocationContext } from "@azure/functions";
import type { DrainResult } from "../core/ports/drainOptions.js";
import type { ReportAction } from "../core/report/report.js";
import { createEventsWebhookHandler } from "./http/eventsWebhookHandler.js";
import { maxBodyBytes, problem } from "./http/httpProblem.js";
import { createRemediateHandler } from "./http/remediateHandler.js";
import { createRemediationStatusHandler } from "./http/remediationStatusHandler.js";
import type { ServiceRuntime } from "./serviceRuntime.js";
import {
  clientPrincipalHeader,
  encodeClientPrincipal,
  type ClientPrincipal,
} from "../core/auth/clientPrincipal.js";

/** Options of {@link startLocalHttpHost}. */
export interface LocalHttpHostOptions {
  /** TCP port on 127.0.0.1; 0 lets the system pick a free one. */
  readonly port: number;
  /**
   * Runs queued jobs until the queue is empty: the queue trigger, in this process. `onJob` gets
   * each job's actions as it ends.
   */
  readonly drain: (
    onJob: (actions: readonly ReportAction[]) => void,
  ) => Promise<{ actions: ReportAction[]; result: DrainResult }>;
  /** One line per request and per job the worker ran. */
  readonly log?: (line: string) => void;
  /** How long the worker waits for work when the queue is empty (ms). */
  readonly idleMs?: number;
  /**
   * The caller every request is made as, standing in for App Service authentication (which strips
   * `X-MS-CLIENT-PRINCIPAL*` headers a client sends and sets its own). Without it requests carry no
   * principal, so the remediation endpoints refuse them.
   */
  readonly operator?: ClientPrincipal;
}

/** The service's HTTP functions served on loopback, with the queue worker running beside them. */
export interface LocalHttpHost {
  /** `http://127.0.0.1:{port}`. */
  readonly url: string;
  /** Stops taking requests, lets those in flight and the worker's current jobs finish. */
  close(): Promise<void>;
}

/** Stable codes of {@link LocalHttpHostError}. */
export type LocalHttpHostErrorCode = "PortInUse" | "ListenFailed";

/** The host could not listen. */
export class LocalHttpHostError extends Error {
  constructor(
    readonly code: LocalHttpHostErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "LocalHttpHostError";
  }
}

type Handler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

interface Route {
  readonly name: string;
  readonly pattern: RegExp;
  readonly methods: readonly string[];
  readonly handler: Handler;
  /** Whether a call may queue jobs (the worker is woken after it). */
  readonly queues: boolean;
}

/** Reads at most `limit + 1` bytes: enough for the handler to see that a body is too large. */
async function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    if (size > limit) continue; // drain the rest unread
    chunks.push(chunk);
    size += chunk.length;
  }
  const body = Buffer.concat(chunks);
  return body.length > limit + 1 ? body.subarray(0, limit + 1) : body;
}

async function send(res: ServerResponse, init: HttpResponseInit): Promise<number> {
  const response = new functions.HttpResponse(init);
  const body = Buffer.from(await response.arrayBuffer());
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  res.writeHead(response.status, { ...headers, "content-length": String(body.length) }).end(body);
  return response.status;
}

/**
 * Serves the service's HTTP functions on 127.0.0.1 as `func start` would: `POST|OPTIONS
 * /api/events`, `POST /api/remediate` and `GET /api/remediate/{operationId}`, through the very
 * handlers the Functions app registers, and runs the queue worker in this process, woken after
 * each request and otherwise polling the queue. Function keys are not checked, as the Functions
 * host does not check them locally; `CMKR_EVENTS_SHARED_SECRET` is, by the events handler itself.
 */
export async function startLocalHttpHost(
  runtime: ServiceRuntime,
  options: LocalHttpHostOptions,
): Promise<LocalHttpHost> {
  const log = options.log ?? (() => undefined);
  const get = () => Promise.resolve(runtime);
  const routes: Route[] = [
    {
      name: "events",
      pattern: /^\/api\/events\/?$/i,
      methods: ["POST", "OPTIONS"],
      handler: createEventsWebhookHandler(get),
      queues: true,
    },
    {
      name: "remediate",
      pattern: /^\/api\/remediate\/?$/i,
      methods: ["POST"],
      handler: createRemediateHandler(get),
      queues: true,
    },
    {
      name: "remediationStatus",
      pattern: /^\/api\/remediate\/(?<operationId>[^/]+)\/?$/i,
      methods: ["GET"],
      handler: createRemediationStatusHandler(get),
      queues: false,
    },
  ];

  // The worker: drains the queue, then sleeps until a request wakes it or `idleMs` passes.
  const workerState = { stopping: false };
  let wake: () => void = () => undefined;
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  const worker = (async () => {
    while (!workerState.stopping) {
      try {
        const { result } = await options.drain((actions) => {
          for (const a of actions) {
            const name = a.resourceId.split("/").pop() ?? a.resourceId;
            log(
              `job: ${a.action} ${a.status} ${name}${a.codes?.[0] === undefined ? "" : ` (${a.codes[0]})`}`,
            );
          }
        });
        if (result.processed === 0 && result.poisoned === 0) await sleep(options.idleMs ?? 500);
      } catch (error) {
        log(`worker: ${error instanceof Error ? error.message : String(error)}; retrying`);
        await sleep(1000);
      }
    }
  })();

  const inFlight = new Set<Promise<void>>();
  const server = createServer((req, res) => {
    const task = (async () => {
      const started = Date.now();
      const url = new URL(req.url ?? "/", "http://127.0.0.1");
      const method = (req.method ?? "GET").toUpperCase();
      const route = routes.find((r) => r.pattern.test(url.pathname));
      let status: number;
      if (route === undefined) {
        req.resume();
        status = await send(
          res,
          problem(
            404,
            "Not found",
            `no function at ${url.pathname}; this host serves /api/events, /api/remediate and /api/remediate/{operationId}`,
          ),
        );
      } else if (!route.methods.includes(method)) {
        req.resume();
        status = await send(res, {
          ...problem(405, "Method not allowed", `${url.pathname} takes ${route.methods.join(", ")}`),
          headers: { allow: route.methods.join(", "), "content-type": "application/problem+json" },
        });
      } else {
        const body = await readLimited(req, maxBodyBytes);
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(req.headers)) {
          // As App Service does: a client cannot name its own principal.
          if (name.toLowerCase().startsWith(clientPrincipalHeader)) continue;
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(", ") : value;
        }
        if (options.operator !== undefined)
          headers[clientPrincipalHeader] = encodeClientPrincipal(options.operator);
        const request = new functions.HttpRequest({
          method,
          url: url.href,
          headers,
          ...(body.length === 0 ? {} : { body: { bytes: body } }),
          query: Object.fromEntries(url.searchParams),
          params: { ...(route.pattern.exec(url.pathname)?.groups ?? {}) },
        });
        const context = new functions.InvocationContext({
          invocationId: randomUUID(),
          functionName: route.name,
          // The handlers log their whole report; the request line below is enough here.
          logHandler: (level, ...args) => {
            if (level === "warning" || level === "error" || level === "critical") log(args.join(" "));
          },
        });
        let init: HttpResponseInit;
        try {
          init = await route.handler(request, context);
        } catch (error) {
          log(`${route.name}: ${error instanceof Error ? error.message : String(error)}`);
          init = problem(500, "Internal error", "the function failed; see the host's output");
        }
        status = await send(res, init);
        if (route.queues) wake();
      }
      log(`${method} ${url.pathname} ${status} ${Date.now() - started} ms`);
    })().catch((error: unknown) => {
      log(`request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!res.headersSent) res.writeHead(500).end();
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      workerState.stopping = true;
      wake();
      reject(
        error.code === "EADDRINUSE"
          ? new LocalHttpHostError(
              "PortInUse",
              `port ${options.port} on 127.0.0.1 is in use; pass --port 0 for a free one`,
            )
          : new LocalHttpHostError(
              "ListenFailed",
              `cannot listen on 127.0.0.1:${options.port}: ${error.message}`,
            ),
      );
    });
    server.listen(options.port, "127.0.0.1", resolve);
  }).catch(async (error: unknown) => {
    await worker;
    throw error;
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : options.port;
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
        server.closeIdleConnections();
      });
      await Promise.all(inFlight);
      workerState.stopping = true;
      wake();
      await worker;
    },
  };
}
