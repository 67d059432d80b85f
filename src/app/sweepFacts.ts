import type { GraphScope } from "../adapters/azure/resourceGraphPages.js";
import type { KeyVersionFacts, VaultFacts } from "../core/keyStores/keyFacts.js";
import { stringField, type ArmResourceJson } from "../core/arm/armResource.js";
import { consumerRuleFor } from "../core/consumers/consumerRules.js";
import type { KeyVersionSummary, RotationPort } from "../core/ports/rotationPort.js";

/** Something the rules need besides the resource: the same reads a worker's evaluation makes. */
export type FactRequest =
  | { readonly kind: "vault"; readonly vaultUrl: string }
  | {
      readonly kind: "keyVersion";
      readonly vaultUrl: string;
      readonly keyName: string;
      readonly version: string;
    }
  | { readonly kind: "keyVersions"; readonly vaultUrl: string; readonly keyName: string }
  | { readonly kind: "hub"; readonly id: string }
  | { readonly kind: "vaultUse"; readonly vaultUrl: string };

/** The cache key of a fact (case-insensitive, as Azure compares these names). */
export function factKey(request: FactRequest): string {
  switch (request.kind) {
    case "vault":
    case "vaultUse":
      return `${request.kind}|${request.vaultUrl}`.toLowerCase();
    case "keyVersion":
      return `${request.kind}|${request.vaultUrl}|${request.keyName}|${request.version}`.toLowerCase();
    case "keyVersions":
      return `${request.kind}|${request.vaultUrl}|${request.keyName}`.toLowerCase();
    case "hub":
      return `${request.kind}|${request.id}`.toLowerCase();
  }
}

/**
 * What judging `resource` needs read: its key's vault, version and version list (the list tells
 * whether a newer version exists), a Machine Learning Project's Hub, a vault's use as a CMK vault.
 * Pure.
 */
export function factsNeeded(resource: ArmResourceJson): FactRequest[] {
  const out: FactRequest[] = [];
  const key = consumerRuleFor(resource.type)?.currentKey(resource);
  if (key !== undefined) {
    out.push({ kind: "vault", vaultUrl: key.vaultUrl });
    out.push({ kind: "keyVersions", vaultUrl: key.vaultUrl, keyName: key.keyName });
    if (key.version !== undefined)
      out.push({ kind: "keyVersion", vaultUrl: key.vaultUrl, keyName: key.keyName, version: key.version });
  }
  if (resource.type.toLowerCase() === "microsoft.machinelearningservices/workspaces") {
    const hubId = stringField(resource, "properties", "hubResourceId");
    if (resource.kind?.toLowerCase() === "project" && hubId !== undefined)
      out.push({ kind: "hub", id: hubId });
  }
  if (resource.type.toLowerCase() === "microsoft.keyvault/vaults") {
    const uri = stringField(resource, "properties", "vaultUri");
    if (uri !== undefined) out.push({ kind: "vaultUse", vaultUrl: uri });
  }
  return out;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: string };

/** The facts read for one page, looked up by the planner (pure reads of a snapshot). */
export class PageFacts {
  constructor(private readonly outcomes: ReadonlyMap<string, Outcome>) {}

  /** Why a needed fact could not be read, or undefined when all were read. */
  problem(requests: readonly FactRequest[]): string | undefined {
    for (const r of requests) {
      const o = this.outcomes.get(factKey(r));
      if (o === undefined) return `${factKey(r)} was not read`;
      if (!o.ok) return `${factKey(r)}: ${o.error}`;
    }
    return undefined;
  }

  private value(request: FactRequest): unknown {
    const o = this.outcomes.get(factKey(request));
    return o?.ok === true ? o.value : undefined;
  }

  vault(vaultUrl: string): VaultFacts | undefined {
    return this.value({ kind: "vault", vaultUrl }) as VaultFacts | undefined;
  }

  keyVersion(vaultUrl: string, keyName: string, version: string): KeyVersionFacts | undefined {
    return this.value({ kind: "keyVersion", vaultUrl, keyName, version }) as KeyVersionFacts | undefined;
  }

  keyVersions(vaultUrl: string, keyName: string): readonly KeyVersionSummary[] | undefined {
    return this.value({ kind: "keyVersions", vaultUrl, keyName }) as KeyVersionSummary[] | undefined;
  }

  hub(id: string): ArmResourceJson | undefined {
    return this.value({ kind: "hub", id }) as ArmResourceJson | undefined;
  }

  vaultUse(vaultUrl: string): boolean | undefined {
    return this.value({ kind: "vaultUse", vaultUrl }) as boolean | undefined;
  }
}

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" ? `${code}: ${error.message}` : error.message;
  }
  return String(error);
}

/**
 * Reads facts for the sweep, page by page, and keeps them for the rest of the sweep in a cache of
 * bounded size (least recently used first out): thousands of resources share a handful of vaults
 * and keys, so each is read once per sweep rather than once per resource. A failed read is not
 * kept; the resources that needed it are handed to the worker, which retries.
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

  /** Reads what the resources of one page need (cached ones are not read again). */
  async forPage(resources: readonly ArmResourceJson[]): Promise<PageFacts> {
    const wanted = new Map<string, FactRequest>();
    for (const resource of resources) for (const r of factsNeeded(resource)) wanted.set(factKey(r), r);
    const outcomes = new Map<string, Outcome>();
    const queue = [...wanted];
    const worker = async (): Promise<void> => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        const [key, request] = next;
        try {
          outcomes.set(key, { ok: true, value: await this.read(key, request) });
        } catch (error) {
          outcomes.set(key, { ok: false, error: messageOf(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, queue.length) }, worker));
    return new PageFacts(outcomes);
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
    switch (request.kind) {
      case "vault":
        return this.port.readVault(request.vaultUrl);
      case "keyVersion":
        return this.port.getKeyVersion(request.vaultUrl, request.keyName, request.version);
      case "keyVersions":
        return this.port.listKeyVersions(request.vaultUrl, request.keyName);
      case "hub":
        return this.port.readResource(request.id);
      case "vaultUse":
        return this.port.vaultHoldsCustomerKeys(request.vaultUrl, this.scope);
    }
  }
}
