import type { ArmResourceJson } from "../arm/armResource.js";
import { consumerRuleFor, moduleFor } from "../consumers/registry.js";
import type { ContextNeed } from "../findings/contextNeed.js";
import { vaultHostOf } from "../ids/keyId.js";
import type { KeyVersionFacts, VaultFacts } from "../keyStores/keyFacts.js";
import type { KeyVersionSummary } from "../ports/rotationPort.js";

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
  | Exclude<ContextNeed, { readonly kind: "mlRecreation" }>;

/** A vault URL as one spelling (`https://{host}`), so `:443` or a trailing slash reads the vault once. */
function vaultKey(vaultUrl: string): string {
  const host = vaultHostOf(vaultUrl);
  return host === undefined ? vaultUrl : `https://${host}`;
}

/** The cache key of a fact (case-insensitive, as Azure compares these names). */
export function factKey(request: FactRequest): string {
  switch (request.kind) {
    case "vault":
    case "vaultUse":
      return `${request.kind}|${vaultKey(request.vaultUrl)}`.toLowerCase();
    case "keyVersion":
      return `${request.kind}|${vaultKey(request.vaultUrl)}|${request.keyName}|${request.version}`.toLowerCase();
    case "keyVersions":
      return `${request.kind}|${vaultKey(request.vaultUrl)}|${request.keyName}`.toLowerCase();
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
  for (const need of moduleFor(resource.type)?.contextNeeds?.(resource) ?? []) {
    // Listing a workspace's children is the worker's: too much to read for every sweep page.
    if (need.kind !== "mlRecreation") out.push(need);
  }
  return out;
}

/** A fact read, or why it could not be. */
export type FactOutcome = { ok: true; value: unknown } | { ok: false; error: string };

/** The facts read for one page, looked up by the planner (pure reads of a snapshot). */
export class PageFacts {
  constructor(private readonly outcomes: ReadonlyMap<string, FactOutcome>) {}

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
