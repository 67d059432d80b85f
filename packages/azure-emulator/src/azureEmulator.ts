import { randomUUID } from "node:crypto";
import type { HttpClient } from "@azure/core-rest-pipeline";
import { armError } from "./armError.js";
import { createArmHandler, type OperationFailureRule } from "./arm/armHandler.js";
import {
  EmulatorCredential,
  anonymousPrincipal,
  principalFromAuthorization,
  type EmulatorIdentity,
} from "./emulatorCredential.js";
import type { EmulatorRequest, EmulatorResponse, RequestContext, SurfaceHandler } from "./emulatorTypes.js";
import { FaultInjector, type FaultRule } from "./faults.js";
import { emulatorHttpClient } from "./httpClient.js";
import { createKeyVaultHandler } from "./keyvault/keyVaultHandler.js";
import { RequestLog } from "./requestLog.js";
import { createResourceGraphHandler, type ResourceGraphQuota } from "./resourceGraph/resourceGraphHandler.js";
import { seededRandom } from "./seededRandom.js";
import type { TenantFile } from "./tenantFile.js";
import { TenantState } from "./tenantState.js";
import { ArmThrottle, armThrottleDefaults, type ThrottleLimits } from "./throttle.js";

/** Knobs that make the emulator behave more (or less) like Azure under load. */
export interface EmulatorOptions {
  /** Added to every call: a fixed number of milliseconds or a uniform range. Default 0. */
  latencyMs?: number | { min: number; max: number };
  /** Seed for every random choice (fault rates, latency), so runs repeat. Default 1. */
  seed?: number;
  /** Milliseconds since the epoch; tests may drive time by hand. Default `Date.now`. */
  clock?: () => number;
  /** ARM token buckets per subscription and principal; `false` turns throttling off. Default ARM's limits. */
  throttling?: false | Partial<ThrottleLimits>;
  /** Long-running operations: status polls answered `InProgress` before the end, and the Retry-After sent. */
  lro?: { polls?: number; retryAfterSeconds?: number };
  /** Page size of ARM list operations (nextLink paging). Default 100. */
  pageSize?: number;
  /** Resource Graph per-principal quota; off by default. */
  resourceGraphQuota?: ResourceGraphQuota | false;
}

/**
 * An emulated Azure tenant (ARM, Key Vault keys, Resource Graph) behind one `handle` function.
 * Reach it in-process through {@link AzureEmulator.httpClient} (the SDK's `httpClient` option)
 * or over loopback HTTPS with `startEmulatorServer`.
 */
export class AzureEmulator {
  readonly state: TenantState;
  readonly log = new RequestLog();
  readonly faults: FaultInjector;
  private readonly clock: () => number;
  private readonly random: () => number;
  private readonly throttle: ArmThrottle | undefined;
  private readonly arm: ReturnType<typeof createArmHandler>;
  private readonly keyVault: SurfaceHandler;
  private readonly resourceGraph: SurfaceHandler;

  constructor(
    tenant: TenantFile,
    private readonly options: EmulatorOptions = {},
  ) {
    this.state = new TenantState(tenant);
    this.clock = options.clock ?? Date.now;
    this.random = seededRandom(options.seed ?? 1);
    this.faults = new FaultInjector(this.random);
    this.throttle =
      options.throttling === false
        ? undefined
        : new ArmThrottle({ ...armThrottleDefaults, ...options.throttling }, this.clock);
    this.arm = createArmHandler(this.state, {
      polls: options.lro?.polls ?? 1,
      retryAfterSeconds: options.lro?.retryAfterSeconds ?? 0,
      pageSize: options.pageSize ?? 100,
    });
    this.keyVault = createKeyVaultHandler(this.state);
    this.resourceGraph = createResourceGraphHandler(this.state, {
      quota: options.resourceGraphQuota ?? false,
    });
  }

  /** An SDK `httpClient` that answers from this emulator without any network. */
  httpClient(): HttpClient {
    return emulatorHttpClient(this);
  }

  /** A credential whose tokens identify `identity` to this emulator. */
  credential(identity?: EmulatorIdentity): EmulatorCredential {
    return new EmulatorCredential(
      identity ?? { objectId: "00000000-0000-0000-0000-0000000000e1", tenantId: this.state.tenantId },
    );
  }

  /** Adds a fault rule (429, 500, 503... by rate or by request match). */
  injectFault(rule: FaultRule): void {
    this.faults.add(rule);
  }

  /** Makes matching long-running operations end `Failed`. */
  failOperations(rule: OperationFailureRule): void {
    this.arm.failOperations(rule);
  }

  /** The current state as a tenant file. */
  toTenantFile(): TenantFile {
    return this.state.toTenantFile();
  }

  /** Answers one request the way Azure would. Never throws: failures are HTTP answers. */
  async handle(request: EmulatorRequest): Promise<EmulatorResponse> {
    const startedAt = this.clock();
    const wallStart = performance.now();
    await this.delay();
    const principal = principalFromAuthorization(request.headers.authorization);
    const context: RequestContext = { principal: principal ?? anonymousPrincipal, now: this.clock() };
    let response: EmulatorResponse;
    let fault = false;
    let throttled = false;
    try {
      const injected = this.faults.match(request);
      if (injected !== undefined) {
        fault = true;
        response = injected;
      } else if (
        this.state.vaultByHost(request.url.host) !== undefined ||
        /\.vault\.azure\.net$/i.test(request.url.hostname)
      ) {
        response = await this.keyVault(request, context);
      } else if (principal === undefined) {
        response = armError(
          401,
          "AuthenticationFailed",
          "Authentication failed. The 'Authorization' header is missing.",
        );
      } else {
        const kind =
          request.method === "GET" || request.method === "HEAD"
            ? "read"
            : request.method === "DELETE"
              ? "delete"
              : "write";
        const isGraph = /^\/providers\/microsoft\.resourcegraph\//i.test(request.url.pathname);
        // SDKs sometimes send `//subscriptions/...` (getById); ARM treats it as the same path.
        const subscriptionId = /^\/+subscriptions\/([^/]+)/i.exec(request.url.pathname)?.[1];
        const taken =
          isGraph || this.throttle === undefined
            ? undefined
            : this.throttle.take(subscriptionId, principal.objectId, kind);
        if (taken !== undefined && !taken.allowed) {
          throttled = true;
          response = armError(
            429,
            "TooManyRequests",
            `The request is being throttled as the limit has been reached for operation type - ${kind === "read" ? "Read" : kind === "delete" ? "Delete" : "Write"}.`,
            { "retry-after": String(taken.retryAfterSeconds) },
          );
        } else {
          response = isGraph
            ? await this.resourceGraph(request, context)
            : await this.arm.handle(request, context);
        }
        if (taken !== undefined)
          response.headers[`x-ms-ratelimit-remaining-subscription-${kind}s`] = String(taken.remaining);
      }
    } catch (error) {
      response = armError(500, "InternalServerError", `emulator error: ${(error as Error).message}`);
    }
    response.headers["x-ms-request-id"] ??= randomUUID();
    response.headers["x-ms-correlation-request-id"] ??=
      request.headers["x-ms-correlation-request-id"] ?? randomUUID();
    this.log.record({
      method: request.method,
      url: request.url.toString(),
      status: response.status,
      startedAt,
      durationMs: performance.now() - wallStart,
      principal: context.principal.objectId,
      fault,
      throttled,
    });
    return response;
  }

  private async delay(): Promise<void> {
    const latency = this.options.latencyMs;
    if (latency === undefined) return;
    const ms =
      typeof latency === "number" ? latency : latency.min + (latency.max - latency.min) * this.random();
    if (ms > 0) await new Promise((resolve) => setTimeout(resolve, ms));
  }
}
