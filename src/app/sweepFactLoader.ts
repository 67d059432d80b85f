import type { GraphScope } from "../core/ports/graphScope.js";
import type { ArmResourceJson } from "../core/arm/armResource.js";
import type { RotationPort } from "../core/ports/rotationPort.js";
import {
  factKey,
  factsNeeded,
  followUpFacts,
  PageFacts,
  type FactOutcome,
  type FactRequest,
} from "../core/sweep/pageFacts.js";

/**
 * What one resource needs read; none when its shape keeps that from being worked out (the planner
 * then reports the resource undetermined, naming what it could not read), so one odd resource
 * never stops a page.
 */
function requestsOf(needs: () => FactRequest[]): FactRequest[] {
  try {
    return needs();
  } catch {
    return [];
  }
}

/** A failed read as the facts keep it: the error's stable code, when it has one, and its message. */
export function factError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Reads facts for the sweep, page by page (and for the worker's evaluation of one resource), and
 * keeps them for the rest of the sweep in a cache of bounded size (least recently used first out):
 * thousands of resources share a handful of vaults and keys, so each is read once per sweep rather
 * than once per resource. A failed read is not kept; the resources that needed it are handed to the
 * worker, which retries.
 */
export class SweepFactLoader {
  private readonly cache = new Map<string, Promise<unknown>>();

  constructor(
    private readonly port: RotationPort,
    private readonly scope: GraphScope,
    private readonly maxEntries = 5000,
    private readonly concurrency = 8,
  ) {}

  /** Number of cached facts (bounded by `maxEntries`). */
  get size(): number {
    return this.cache.size;
  }

  /**
   * Reads what the resources of one page need (cached ones are not read again), in two rounds: the
   * facts every resource needs, then those the first round calls for (a deleted key or vault, the
   * role assignments of a vault using Azure RBAC).
   */
  async forPage(resources: readonly ArmResourceJson[]): Promise<PageFacts> {
    const outcomes = new Map<string, FactOutcome>();
    await this.readAll(
      resources.flatMap((r) => requestsOf(() => factsNeeded(r))),
      outcomes,
    );
    const first = new PageFacts(outcomes);
    await this.readAll(
      resources.flatMap((r) => requestsOf(() => followUpFacts(r, first))),
      outcomes,
    );
    return new PageFacts(outcomes);
  }

  private async readAll(requests: readonly FactRequest[], outcomes: Map<string, FactOutcome>): Promise<void> {
    const wanted = new Map<string, FactRequest>();
    for (const r of requests) if (!outcomes.has(factKey(r))) wanted.set(factKey(r), r);
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [key, request] = next;
        try {
          outcomes.set(key, { ok: true, value: await this.read(key, request) });
        } catch (error) {
          outcomes.set(key, { ok: false, error: factError(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
  }

  private read(key: string, request: FactRequest): Promise<unknown> {
    const cached = this.cache.get(key);
    if (cached !== undefined) {
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const value = this.fetch(request);
    this.cache.set(key, value);
    value.catch(() => this.cache.delete(key));
    while (this.cache.size > this.maxEntries) {
      const oldest = this.cache.keys().next().value;
      if (oldest === undefined) break;
      this.cache.delete(oldest);
    }
    return value;
  }

  private fetch(request: FactRequest): Promise<unknown> {
    return readFact(this.port, this.scope, request);
  }
}

/** Reads one fact through the port. */
export function readFact(port: RotationPort, scope: GraphScope, request: FactRequest): Promise<unknown> {
  switch (request.kind) {
    case "vault":
      return port.readVault(request.vaultUrl);
    case "keyVersion":
      return port.getKeyVersion(request.vaultUrl, request.keyName, request.version);
    case "keyVersions":
      return port.listKeyVersions(request.vaultUrl, request.keyName);
    case "hub":
      return port.readResource(request.id);
    case "vaultUse":
      return port.vaultHoldsCustomerKeys(request.vaultUrl, scope);
    case "deletedKey":
      return port.getDeletedKey(request.vaultUrl, request.keyName);
    case "deletedVault":
      return port.readDeletedVault(request.subscriptionId, request.location, request.name);
    case "roleAssignments":
      return port.listRoleAssignments(request.scope);
    case "hsmRoleAssignments":
      return port.listHsmRoleAssignments(request.vaultUrl, request.keyName);
  }
}
