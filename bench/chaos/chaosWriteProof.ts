import {
  applyMergePatch,
  type ArmResource,
  type TenantFile,
  type TenantKeyVersion,
} from "@cmkr/azure-emulator";

/*
 * An independent judge of the service's ARM writes for the chaos runner. It shares no code with the
 * service's proofs: it re-reads the documented restrictions (docs/restrictions.md; the S-numbers
 * below are its sources) over the emulator's state as it was when the write arrived, so a write
 * the service proved wrongly, or made without a proof, shows up as a problem here.
 * - Key versions: enabled, valid now, not expiring within the margin (except to leave an expired
 *   version, issue 13 item 11), RSA of at least 2048 bits, wrapKey and unwrapKey allowed; the vault
 *   with soft delete and purge protection; the identity holding get/wrapKey/unwrapKey (an access
 *   policy, or a Key Vault crypto role on a vault using Azure RBAC) (S13-S16).
 * - Disk encryption sets: no key change unless Succeeded, previousKeys empty and no
 *   autoKeyRotationError (S11); confidential VM sets only onto RSA-HSM exportable keys with a release
 *   policy, in a Premium vault or a Managed HSM, while every VM using the set is deallocated, and
 *   never with automatic rotation (S1, S3, S4).
 * - Attaching a set to a disk: the set Succeeded, same region and subscription, not confidential, the
 *   disk's type matching the set's, its active key usable by its identity; the disk never used Azure
 *   Disk Encryption, not a confidential VM disk, Unattached or Reserved, no incremental snapshots on
 *   another key (S7, S9, S10, S12).
 * - Automatic rotation: only when the newest version of the set's key is usable by the set (issue 13
 *   item 3) and never on a confidential VM set (S1).
 * - AI services: no Managed HSM key (S16 documents Key Vault only).
 * - The service deletes nothing.
 */

/** The emulator's state as the judge reads it. */
export interface ChaosWorld {
  resource(id: string): ArmResource | undefined;
  resources(): Iterable<ArmResource>;
  keyVersions(vaultUrl: string, keyName: string): readonly TenantKeyVersion[] | undefined;
}

/** A world over a tenant file (for tests and for judging a final state). */
export function worldOfTenant(tenant: TenantFile): ChaosWorld {
  const byId = new Map(tenant.resources.map((r) => [r.id.toLowerCase(), r]));
  return {
    resource: (id) => byId.get(id.toLowerCase()),
    resources: () => tenant.resources,
    keyVersions: (vaultUrl, keyName) => {
      const entry = Object.entries(tenant.keyVaults).find(
        ([url]) => url.replace(/\/+$/, "").toLowerCase() === vaultUrl.toLowerCase(),
      );
      return entry?.[1].keys[keyName];
    },
  };
}

/** What a write was, as the judge classifies it. */
export type WriteKind =
  | "rotate-key"
  | "enable-cmk"
  | "attach-set"
  | "enable-auto-rotation"
  | "delete"
  /** The write changes nothing (a repeat of a write already applied). */
  | "no-change"
  | "other";

/** The judge's verdict on one write. */
export interface WriteVerdict {
  kind: WriteKind;
  /** Restrictions the write broke; empty when it was safe. */
  problems: string[];
}

/** The write as it arrived. */
export interface JudgedWrite {
  method: string;
  resourceId: string;
  /** The request body, parsed. */
  body: unknown;
}

/** The moment and margin the service works with. */
export interface JudgeClock {
  now: Date;
  expiryMarginDays: number;
}

type Json = Record<string, unknown>;

function obj(value: unknown): Json | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Json) : undefined;
}

function at(value: unknown, ...path: string[]): unknown {
  let v = value;
  for (const p of path) v = obj(v)?.[p];
  return v;
}

function str(value: unknown, ...path: string[]): string | undefined {
  const v = at(value, ...path);
  return typeof v === "string" && v !== "" ? v : undefined;
}

function lower(value: string | undefined): string | undefined {
  return value?.replace(/\/+$/, "").toLowerCase();
}

/** A key reference: `https://host[:443]/keys/name[/version]` in any case. */
export interface KeyUri {
  vaultUrl: string;
  host: string;
  name: string;
  version: string | undefined;
}

function parseKeyUri(uri: string | undefined): KeyUri | undefined {
  if (uri === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  const parts = url.pathname.split("/").filter((s) => s !== "");
  if (parts[0]?.toLowerCase() !== "keys" || parts[1] === undefined) return undefined;
  const host = url.hostname.toLowerCase();
  return { vaultUrl: `https://${host}`, host, name: parts[1], version: parts[2]?.toLowerCase() };
}

function isManagedHsmHost(host: string): boolean {
  return /\.managedhsm\./i.test(host);
}

/** The key a resource is encrypted with, and the principal that reaches it, by type. */
export interface KeyUse {
  key: KeyUri;
  principalId: string | undefined;
  /** The key store's ARM id where the resource names it. */
  storeId: string | undefined;
}

function userAssignedPrincipal(
  resource: unknown,
  match: (id: string, v: Json) => boolean,
): string | undefined {
  const identities = obj(at(resource, "identity", "userAssignedIdentities")) ?? {};
  for (const [id, v] of Object.entries(identities)) {
    const value = obj(v);
    if (value !== undefined && match(id, value)) return str(value, "principalId");
  }
  return undefined;
}

/** The key a resource names and the principal that reaches it; undefined without a customer-managed key. */
export function keyUse(resource: ArmResource | undefined): KeyUse | undefined {
  if (resource === undefined) return undefined;
  const type = resource.type.toLowerCase();
  if (type === "microsoft.cognitiveservices/accounts") {
    if (str(resource, "properties", "encryption", "keySource")?.toLowerCase() !== "microsoft.keyvault")
      return undefined;
    const kv = at(resource, "properties", "encryption", "keyVaultProperties");
    const vault = parseKeyUri(
      `${(str(kv, "keyVaultUri") ?? "").replace(/\/+$/, "")}/keys/${str(kv, "keyName") ?? ""}`,
    );
    if (vault === undefined) return undefined;
    const version = str(kv, "keyVersion")?.toLowerCase();
    const clientId = str(kv, "identityClientId")?.toLowerCase();
    const principalId =
      clientId === undefined
        ? str(resource, "identity", "principalId")
        : userAssignedPrincipal(resource, (_, v) => str(v, "clientId")?.toLowerCase() === clientId);
    return { key: { ...vault, version }, principalId, storeId: undefined };
  }
  if (type === "microsoft.compute/diskencryptionsets") {
    const key = parseKeyUri(str(resource, "properties", "activeKey", "keyUrl"));
    if (key === undefined) return undefined;
    const principalId =
      str(resource, "identity", "principalId") ?? userAssignedPrincipal(resource, () => true);
    return { key, principalId, storeId: str(resource, "properties", "activeKey", "sourceVault", "id") };
  }
  if (type === "microsoft.machinelearningservices/workspaces") {
    const enc = at(resource, "properties", "encryption");
    const key = parseKeyUri(str(enc, "keyVaultProperties", "keyIdentifier"));
    if (key === undefined) return undefined;
    const uai = lower(str(enc, "identity", "userAssignedIdentity"));
    const principalId =
      uai === undefined
        ? str(resource, "identity", "principalId")
        : userAssignedPrincipal(resource, (id) => lower(id) === uai);
    return { key, principalId, storeId: str(enc, "keyVaultProperties", "keyVaultArmId") };
  }
  return undefined;
}

/** The vault or Managed HSM resource serving a key host. */
function keyStore(world: ChaosWorld, host: string): ArmResource | undefined {
  for (const r of world.resources()) {
    const t = r.type.toLowerCase();
    if (t !== "microsoft.keyvault/vaults" && t !== "microsoft.keyvault/managedhsms") continue;
    const uri = str(r, "properties", "vaultUri") ?? str(r, "properties", "hsmUri");
    if (uri === undefined) continue;
    try {
      if (new URL(uri).hostname.toLowerCase() === host) return r;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Role definitions whose data actions include wrapKey and unwrapKey on keys ("Azure built-in roles for Security"). */
const WRAP_ROLES = [
  "e147488a-f6f5-4113-8e2d-b22465e65bf6", // Key Vault Crypto Service Encryption User
  "12338af0-0e69-4776-bea7-57ae8d297424", // Key Vault Crypto User
  "14b46e9e-c2b7-41b4-b07b-48a6ebf60603", // Key Vault Crypto Officer
  "00482a5a-887f-4fb3-b363-3b7fe8e74483", // Key Vault Administrator
];

function hasKeyAccess(world: ChaosWorld, store: ArmResource, key: KeyUri, principalId: string): boolean {
  const principal = principalId.toLowerCase();
  if (at(store, "properties", "enableRbacAuthorization") === true) {
    const storeId = store.id.toLowerCase();
    const keyScope = `${storeId}/keys/${key.name.toLowerCase()}`;
    for (const r of world.resources()) {
      if (r.type.toLowerCase() !== "microsoft.authorization/roleassignments") continue;
      if (str(r, "properties", "principalId")?.toLowerCase() !== principal) continue;
      const scope = lower(str(r, "properties", "scope")) ?? "";
      const covers = scope === keyScope || storeId === scope || storeId.startsWith(`${scope}/`);
      const role = str(r, "properties", "roleDefinitionId")?.toLowerCase() ?? "";
      if (covers && WRAP_ROLES.some((g) => role.endsWith(g))) return true;
    }
    return false;
  }
  const policies = at(store, "properties", "accessPolicies");
  if (!Array.isArray(policies)) return false;
  return policies.some((p) => {
    if (str(p, "objectId")?.toLowerCase() !== principal) return false;
    const keys = at(p, "permissions", "keys");
    const granted = new Set(Array.isArray(keys) ? keys.map((k) => String(k).toLowerCase()) : []);
    return granted.has("all") || ["get", "wrapkey", "unwrapkey"].every((k) => granted.has(k));
  });
}

function versionOf(world: ChaosWorld, key: KeyUri): TenantKeyVersion | undefined {
  return world.keyVersions(key.vaultUrl, key.name)?.find((v) => v.version.toLowerCase() === key.version);
}

function expired(v: TenantKeyVersion | undefined, now: Date): boolean {
  return v?.expiresOn != null && Date.parse(v.expiresOn) <= now.getTime();
}

/**
 * The problems of using `target` for a resource whose identity is `principalId`: the version, its key
 * store and the identity's access. `from` is the version the resource is on (an expired one may be
 * left for a version expiring within the margin).
 */
export function keyProblems(
  world: ChaosWorld,
  target: KeyUri,
  principalId: string | undefined,
  clock: JudgeClock,
  from?: KeyUri,
): string[] {
  const out: string[] = [];
  const text = `${target.vaultUrl}/keys/${target.name}/${target.version ?? "(no version)"}`;
  const v = versionOf(world, target);
  if (v === undefined) return [`${text} does not exist`];
  const now = clock.now.getTime();
  if (!v.enabled) out.push(`${text} is disabled`);
  if (v.notBefore != null && Date.parse(v.notBefore) > now) out.push(`${text} is not valid yet`);
  if (v.expiresOn != null) {
    const expires = Date.parse(v.expiresOn);
    const margin = clock.expiryMarginDays * 86_400_000;
    const leavingExpired = from !== undefined && expired(versionOf(world, from), clock.now);
    if (expires <= now) out.push(`${text} has expired`);
    else if (expires <= now + margin && !leavingExpired) out.push(`${text} expires within the margin`);
  }
  if (v.kty !== "RSA" && v.kty !== "RSA-HSM") out.push(`${text} is ${v.kty}, not RSA`);
  if ((v.keySize ?? 0) < 2048) out.push(`${text} is ${v.keySize ?? "?"} bits`);
  const ops = new Set(v.keyOps.map((o) => o.toLowerCase()));
  if (!ops.has("wrapkey") || !ops.has("unwrapkey")) out.push(`${text} does not allow wrapKey and unwrapKey`);
  if (from !== undefined && lower(from.vaultUrl) === lower(target.vaultUrl) && from.name === target.name) {
    const current = versionOf(world, from);
    if (current !== undefined && Date.parse(v.createdOn) < Date.parse(current.createdOn))
      out.push(`${text} is older than the version in use`);
  }
  const store = keyStore(world, target.host);
  if (store === undefined) {
    out.push(`the key store of ${text} is not an ARM resource the judge can see`);
    return out;
  }
  if (at(store, "properties", "enableSoftDelete") === false) out.push(`${store.name} has no soft delete`);
  if (at(store, "properties", "enablePurgeProtection") !== true)
    out.push(`${store.name} has no purge protection`);
  if (isManagedHsmHost(target.host)) {
    // Local RBAC of a Managed HSM is not in the tenant: access cannot be shown, so no write may rely on it.
    out.push(`the identity's access to Managed HSM key ${text} cannot be shown`);
  } else if (principalId === undefined) {
    out.push(`no identity reaches ${text}`);
  } else if (!hasKeyAccess(world, store, target, principalId)) {
    out.push(`identity ${principalId} lacks get/wrapKey/unwrapKey on ${text}`);
  }
  return out;
}

function powerState(vm: ArmResource | undefined): string {
  const statuses = at(vm, "properties", "instanceView", "statuses");
  if (!Array.isArray(statuses)) return "unknown";
  for (const s of statuses) {
    const code = str(s, "code");
    if (code?.startsWith("PowerState/") === true) return code.slice("PowerState/".length);
  }
  return "unknown";
}

/** The VMs using a set (through its disks) that are not deallocated. */
function vmsUp(world: ChaosWorld, setId: string): string[] {
  const set = lower(setId);
  const up: string[] = [];
  for (const r of world.resources()) {
    if (r.type.toLowerCase() !== "microsoft.compute/disks") continue;
    const uses =
      lower(str(r, "properties", "encryption", "diskEncryptionSetId")) === set ||
      lower(str(r, "properties", "securityProfile", "secureVMDiskEncryptionSetId")) === set;
    const vmId = typeof r.managedBy === "string" ? r.managedBy : undefined;
    if (!uses || vmId === undefined) continue;
    const state = powerState(world.resource(vmId));
    if (state !== "deallocated") up.push(`${vmId} is ${state}`);
  }
  return up;
}

const CONFIDENTIAL = "confidentialvmencryptedwithcustomerkey";

function setStateProblems(set: ArmResource): string[] {
  const out: string[] = [];
  const state = str(set, "properties", "provisioningState");
  if (state !== undefined && state.toLowerCase() !== "succeeded") out.push(`the set is ${state}`);
  const previous = at(set, "properties", "previousKeys");
  if (Array.isArray(previous) && previous.length > 0) out.push("the set is still re-wrapping (previousKeys)");
  const error = obj(at(set, "properties", "autoKeyRotationError"));
  if (error !== undefined && Object.keys(error).length > 0) out.push("the set reports autoKeyRotationError");
  return out;
}

function confidentialKeyProblems(world: ChaosWorld, key: KeyUri): string[] {
  const v = versionOf(world, key);
  const out: string[] = [];
  if (v === undefined) return out;
  if (v.kty !== "RSA-HSM") out.push("a confidential VM set needs an RSA-HSM key");
  if (v.exportable !== true) out.push("a confidential VM key must be exportable");
  if (v.releasePolicy === undefined) out.push("a confidential VM key needs a release policy");
  const store = keyStore(world, key.host);
  const premium = str(store, "properties", "sku", "name")?.toLowerCase() === "premium";
  if (!premium && !isManagedHsmHost(key.host))
    out.push("a confidential VM key must be in a Premium vault or Managed HSM");
  return out;
}

function sameKey(a: KeyUri | undefined, b: KeyUri | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return a.host === b.host && a.name === b.name && a.version === b.version;
}

function armSubscription(id: string): string | undefined {
  return /^\/subscriptions\/([^/]+)/i.exec(id)?.[1]?.toLowerCase();
}

function sameRegion(a: unknown, b: unknown): boolean {
  return (
    typeof a === "string" &&
    typeof b === "string" &&
    a.replace(/\s+/g, "").toLowerCase() === b.replace(/\s+/g, "").toLowerCase()
  );
}

function attachProblems(world: ChaosWorld, disk: ArmResource, next: unknown, clock: JudgeClock): string[] {
  const out: string[] = [];
  const setId = str(next, "properties", "encryption", "diskEncryptionSetId") ?? "";
  const set = world.resource(setId);
  if (set === undefined) return [`the set ${setId} does not exist`];
  out.push(...setStateProblems(set).filter((p) => !p.includes("autoKeyRotationError")));
  if (!sameRegion(set.location, disk.location))
    out.push(`the set is in ${set.location ?? "?"}, the disk in ${disk.location ?? "?"}`);
  if (armSubscription(set.id) !== armSubscription(disk.id)) out.push("the set is in another subscription");
  const setType =
    str(set, "properties", "encryptionType")?.toLowerCase() ?? "encryptionatrestwithcustomerkey";
  if (setType === CONFIDENTIAL) out.push("a confidential VM set given as an ordinary set");
  const diskType = str(next, "properties", "encryption", "type")?.toLowerCase();
  if (diskType !== undefined && setType !== CONFIDENTIAL && diskType !== setType)
    out.push(`the disk's type ${diskType} does not match the set's ${setType}`);
  if (at(disk, "properties", "encryptionSettingsCollection") !== undefined)
    out.push("the disk used Azure Disk Encryption");
  const security = str(disk, "properties", "securityProfile", "securityType")?.toLowerCase();
  if (security?.startsWith("confidentialvm") === true) out.push("the disk is a confidential VM disk");
  const state = str(disk, "properties", "diskState")?.toLowerCase() ?? "unknown";
  if (state !== "unattached" && state !== "reserved") out.push(`the disk is ${state}`);
  const uniqueId = str(disk, "properties", "uniqueId")?.toLowerCase();
  for (const r of world.resources()) {
    if (r.type.toLowerCase() !== "microsoft.compute/snapshots" || at(r, "properties", "incremental") !== true)
      continue;
    const ofDisk =
      lower(str(r, "properties", "creationData", "sourceResourceId")) === lower(disk.id) ||
      (uniqueId !== undefined &&
        str(r, "properties", "creationData", "sourceUniqueId")?.toLowerCase() === uniqueId);
    if (ofDisk && lower(str(r, "properties", "encryption", "diskEncryptionSetId")) !== lower(setId))
      out.push(`the disk has incremental snapshot ${r.name} on another key`);
  }
  const use = keyUse(set);
  if (use === undefined) out.push("the set names no key");
  else out.push(...keyProblems(world, use.key, use.principalId, clock).map((p) => `the set's key: ${p}`));
  return out;
}

/**
 * Judges one write of the service against the state it arrived in (before the emulator applied it).
 * Pure over `world`.
 */
export function judgeWrite(world: ChaosWorld, write: JudgedWrite, clock: JudgeClock): WriteVerdict {
  if (write.method === "DELETE") return { kind: "delete", problems: ["the service deleted a resource"] };
  const before = world.resource(write.resourceId);
  if (before === undefined)
    return { kind: "other", problems: ["the service wrote a resource that does not exist"] };
  const next = (write.method === "PATCH" ? applyMergePatch(before, write.body) : write.body) as ArmResource;
  const type = before.type.toLowerCase();
  // A duplicate job's write of what another already wrote: nothing changes, nothing to prove.
  if (JSON.stringify(next) === JSON.stringify(before)) return { kind: "no-change", problems: [] };

  if (type === "microsoft.compute/disks") {
    const was = str(before, "properties", "encryption", "diskEncryptionSetId");
    const now = str(next, "properties", "encryption", "diskEncryptionSetId");
    if (lower(was) !== lower(now) && now !== undefined)
      return { kind: "attach-set", problems: attachProblems(world, before, next, clock) };
    return {
      kind: "other",
      problems: [`a disk write that attaches no set: ${JSON.stringify(write.body).slice(0, 300)}`],
    };
  }

  if (type === "microsoft.compute/diskencryptionsets") {
    const confidential = str(before, "properties", "encryptionType")?.toLowerCase() === CONFIDENTIAL;
    const wasAuto = at(before, "properties", "rotationToLatestKeyVersionEnabled") === true;
    const nowAuto = at(next, "properties", "rotationToLatestKeyVersionEnabled") === true;
    const from = keyUse(before);
    const to = keyUse(next);
    if (to !== undefined && !sameKey(from?.key, to.key)) {
      const problems = [
        ...setStateProblems(before),
        ...keyProblems(world, to.key, to.principalId, clock, from?.key),
      ];
      if (confidential) {
        problems.push(...confidentialKeyProblems(world, to.key));
        const up = vmsUp(world, before.id);
        if (up.length > 0) problems.push(`confidential set changed while VMs run: ${up.join(", ")}`);
      }
      if (nowAuto && !wasAuto) problems.push("rotation and automatic rotation in one write");
      return { kind: "rotate-key", problems };
    }
    if (nowAuto && !wasAuto && to !== undefined) {
      const problems = setStateProblems(before).filter((p) => !p.includes("autoKeyRotationError"));
      if (confidential) problems.push("automatic rotation on a confidential VM set");
      const versions = [...(world.keyVersions(to.key.vaultUrl, to.key.name) ?? [])].sort(
        (a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn),
      );
      const newest = versions.at(-1);
      if (newest === undefined) problems.push("the set's key has no readable versions");
      else
        problems.push(
          ...keyProblems(
            world,
            { ...to.key, version: newest.version.toLowerCase() },
            to.principalId,
            clock,
          ).map((p) => `newest version: ${p}`),
        );
      return { kind: "enable-auto-rotation", problems };
    }
    return { kind: "other", problems: ["a disk encryption set write that changes neither key nor rotation"] };
  }

  const from = keyUse(before);
  const to = keyUse(next);
  if (to !== undefined && !sameKey(from?.key, to.key)) {
    const problems = keyProblems(world, to.key, to.principalId, clock, from?.key);
    if (type === "microsoft.cognitiveservices/accounts" && isManagedHsmHost(to.key.host))
      problems.push("AI services accounts cannot use Managed HSM keys");
    return { kind: from === undefined ? "enable-cmk" : "rotate-key", problems };
  }
  return { kind: "other", problems: [`a ${before.type} write that changes no key`] };
}
