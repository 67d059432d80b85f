import { ArmFactsError } from "../arm/armFactsError.js";
import { stringField, type ArmResourceJson } from "../arm/armResource.js";
import { consumerRuleFor, moduleFor } from "../consumers/registry.js";
import type { ContextNeed } from "../findings/contextNeed.js";
import { vaultHostOf, type KeyRef } from "../ids/keyId.js";
import { tryParseResourceId } from "../ids/resourceId.js";
import type { KeyVersionFacts, VaultFacts } from "../keyStores/keyFacts.js";
import { isManagedHsm, type KeyStoreReads, type Read } from "../keyStores/keyStoreState.js";
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
  /** A soft-deleted vault, where the consumer is (its subscription or its vault's, its location). */
  | {
      readonly kind: "deletedVault";
      readonly subscriptionId: string;
      readonly location: string;
      readonly name: string;
    }
  | { readonly kind: "deletedKey"; readonly vaultUrl: string; readonly keyName: string }
  /**
   * Every role assignment that applies at a vault using Azure RBAC: one read for all its consumers
   * (the preflight picks each consumer's own), not one per consumer.
   */
  | { readonly kind: "roleAssignments"; readonly scope: string }
  /**
   * The local RBAC role assignments of a Managed HSM pool that can apply to one of its keys (scopes
   * `/`, `/keys`, `/keys/{name}`): one read per key for all its consumers.
   */
  | { readonly kind: "hsmRoleAssignments"; readonly vaultUrl: string; readonly keyName: string }
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
    case "deletedVault":
      return `${request.kind}|${request.subscriptionId}|${request.location}|${request.name}`.toLowerCase();
    case "deletedKey":
    case "hsmRoleAssignments":
      return `${request.kind}|${vaultKey(request.vaultUrl)}|${request.keyName}`.toLowerCase();
    case "roleAssignments":
      return `${request.kind}|${request.scope}`.toLowerCase();
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

/**
 * The principal whose role assignments a consumer's key needs (its identity), or undefined when it
 * has none or its fields cannot be read (the rules then say so).
 */
function principalOf(resource: ArmResourceJson): string | undefined {
  try {
    return consumerRuleFor(resource.type)?.facts(resource).identity?.principalId;
  } catch (error) {
    if (error instanceof ArmFactsError) return undefined;
    throw error;
  }
}

/** Location as ARM writes it in ids: lower case without spaces. */
function locationKey(location: string): string {
  return location.toLowerCase().replace(/\s+/g, "");
}

/**
 * Where a deleted vault of the key's would be: the subscription of the vault the consumer records
 * (a disk encryption set's `sourceVault`, a workspace's `keyVaultArmId`) or else the consumer's own,
 * and the consumer's location (disk encryption sets and AI services accounts need their vault in
 * their region). Undefined for a Managed HSM pool or a consumer without location.
 */
function deletedVaultRequest(resource: ArmResourceJson, key: KeyRef): FactRequest | undefined {
  if (isManagedHsm(key.vaultUrl) || typeof resource.location !== "string" || resource.location === "")
    return undefined;
  const hint =
    stringField(resource, "properties", "activeKey", "sourceVault", "id") ??
    stringField(resource, "properties", "encryption", "keyVaultProperties", "keyVaultArmId");
  const subscriptionId =
    (hint === undefined ? undefined : tryParseResourceId(hint)?.subscriptionId) ??
    tryParseResourceId(resource.id)?.subscriptionId;
  if (subscriptionId === undefined) return undefined;
  return {
    kind: "deletedVault",
    subscriptionId,
    location: locationKey(resource.location),
    name: new URL(key.vaultUrl).host.split(".")[0] ?? "",
  };
}

/**
 * What judging `resource` needs read once the first facts are in ({@link factsNeeded}): for a key
 * that has no versions, whether it is soft-deleted; for a vault that neither ARM nor the key's data
 * plane knows, whether it is soft-deleted; for a vault using Azure RBAC, the role assignments of the
 * consumer's identity (its next rotation is checked against them). Pure.
 */
export function followUpFacts(resource: ArmResourceJson, facts: PageFacts): FactRequest[] {
  const key = consumerRuleFor(resource.type)?.currentKey(resource);
  if (key === undefined) return [];
  const vault = facts.outcome({ kind: "vault", vaultUrl: key.vaultUrl });
  const versions = facts.outcome({ kind: "keyVersions", vaultUrl: key.vaultUrl, keyName: key.keyName });
  if (vault?.ok !== true || versions === undefined) return [];
  const listed = versions.ok && Array.isArray(versions.value) && versions.value.length > 0;
  const out: FactRequest[] = [];
  if (versions.ok && !listed) out.push({ kind: "deletedKey", vaultUrl: key.vaultUrl, keyName: key.keyName });
  const vaultFacts = vault.value as VaultFacts | undefined;
  if (vaultFacts === undefined) {
    const deletedVault = listed ? undefined : deletedVaultRequest(resource, key);
    if (deletedVault !== undefined) out.push(deletedVault);
  } else if (vaultFacts.enableRbacAuthorization && listed && principalOf(resource) !== undefined) {
    out.push(roleAssignmentsRequest(vaultFacts, key));
  }
  return out;
}

/** The read of the role assignments that decide access to `key` in a vault using Azure RBAC or a Managed HSM. */
function roleAssignmentsRequest(vault: VaultFacts, key: KeyRef): FactRequest {
  return vault.storeKind === "managedHsm"
    ? { kind: "hsmRoleAssignments", vaultUrl: key.vaultUrl, keyName: key.keyName }
    : { kind: "roleAssignments", scope: vault.armId };
}

/** What was read about the key store of `key` (the key `resource` uses), for `keyStoreStateOf`. */
export function keyStoreReads(resource: ArmResourceJson, key: KeyRef, facts: PageFacts): KeyStoreReads {
  const vault = facts.outcome({ kind: "vault", vaultUrl: key.vaultUrl }) as
    Read<VaultFacts | undefined> | undefined;
  const deletedVault = deletedVaultRequest(resource, key);
  const vaultFacts = vault?.ok === true ? vault.value : undefined;
  return {
    vault,
    keyVersions: facts.outcome({
      kind: "keyVersions",
      vaultUrl: key.vaultUrl,
      keyName: key.keyName,
    }) as KeyStoreReads["keyVersions"],
    keyVersion:
      key.version === undefined
        ? undefined
        : (facts.outcome({
            kind: "keyVersion",
            vaultUrl: key.vaultUrl,
            keyName: key.keyName,
            version: key.version,
          }) as KeyStoreReads["keyVersion"]),
    deletedKey: facts.outcome({
      kind: "deletedKey",
      vaultUrl: key.vaultUrl,
      keyName: key.keyName,
    }) as KeyStoreReads["deletedKey"],
    deletedVault:
      deletedVault === undefined ? undefined : (facts.outcome(deletedVault) as KeyStoreReads["deletedVault"]),
    roleAssignments:
      vaultFacts?.enableRbacAuthorization === true
        ? (facts.outcome(roleAssignmentsRequest(vaultFacts, key)) as KeyStoreReads["roleAssignments"])
        : undefined,
  };
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

  /** The outcome of one read, or undefined when it was not made. */
  outcome(request: FactRequest): FactOutcome | undefined {
    return this.outcomes.get(factKey(request));
  }

  /** Every outcome, by fact key (for merging rounds of reads). */
  entries(): IterableIterator<[string, FactOutcome]> {
    return this.outcomes.entries();
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
