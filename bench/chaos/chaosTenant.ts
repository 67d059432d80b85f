import type { TenantFile, TenantKeyVersion } from "@cmkr/azure-emulator";
import {
  DeterministicIds,
  TenantBuilder,
  type CmkConsumerKind,
  type VaultRef,
} from "@cmkr/azure-emulator/tenant-builder";
import { addChaosScenarios, type ChaosDisk, type ChaosVm } from "./chaosScenarios.js";

/** The moment the service believes it is during a chaos run; every key date is set against it. */
export const chaosNow = new Date("2026-11-22T12:00:00Z");

/** How big a chaos run is. */
export type ChaosSize = "small" | "large";

/** The two keys of a chaos tenant: one in an access-policy vault, one in an Azure RBAC vault. */
export interface ChaosKey {
  vaultUrl: string;
  vaultId: string;
  vaultName: string;
  keyName: string;
  rbac: boolean;
  /** Software keys in a vault, a confidential VM key (RSA-HSM, exportable, release policy), or a Managed HSM key. */
  profile: "software" | "cvm" | "hsm";
}

/** One key consumer of the chaos tenant and what the generator decided about it. */
export interface ChaosConsumer {
  id: string;
  name: string;
  type: string;
  subscriptionId: string;
  /** Index into {@link ChaosTenant.keys}. */
  key: number;
  /** Whether its identity was given what it needs on the vault (without, preflight must refuse). */
  hasAccess: boolean;
  /** Disk encryption set with automatic key rotation (the platform moves it, not the service). */
  autoRotation: boolean;
  /** A consumer of the write-path scenarios (chaosScenarios.ts); absent for the drawn consumers. */
  scenario?: "enforce-set" | "cvm" | "hsm";
}

/** A seeded tenant for the chaos runner. */
export interface ChaosTenant {
  tenant: TenantFile;
  tenantId: string;
  subscriptionIds: string[];
  keys: ChaosKey[];
  consumers: ChaosConsumer[];
  /** Platform-key disks for enforce mode, VMs people start and deallocate, the configured sets. */
  disks: ChaosDisk[];
  vms: ChaosVm[];
  enforceSets: Record<string, string>;
}

/** Random choices of the generator: a seeded source of numbers in 0..1. */
export type Random = () => number;

/** An element of `list` chosen by `random`. */
export function pick<T>(random: Random, list: readonly T[]): T {
  const item = list[Math.floor(random() * list.length)];
  if (item === undefined) throw new RangeError("pick from an empty list");
  return item;
}

/** Kinds of key versions the generator creates; all but `usable` must fail preflight. */
export type VersionKind =
  "usable" | "disabled" | "expired" | "expiringSoon" | "notYetValid" | "noWrapKey" | "weakKey";

const versionKinds: readonly [VersionKind, number][] = [
  ["usable", 0.55],
  ["disabled", 0.08],
  ["expired", 0.08],
  ["expiringSoon", 0.08],
  ["notYetValid", 0.08],
  ["noWrapKey", 0.07],
  ["weakKey", 0.06],
];

/** A kind of key version, drawn with the weights above. */
export function drawVersionKind(random: Random): VersionKind {
  let r = random();
  for (const [kind, weight] of versionKinds) {
    if (r < weight) return kind;
    r -= weight;
  }
  return "usable";
}

/** The tenant-file entry of a key version of this kind, created `hour` hours into November 2026. */
export function keyVersionOf(kind: VersionKind, version: string, createdOn: string): TenantKeyVersion {
  const ops = ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];
  return {
    version,
    kty: "RSA",
    keySize: kind === "weakKey" ? 1024 : 2048,
    enabled: kind !== "disabled",
    createdOn,
    notBefore: kind === "notYetValid" ? "2027-01-01T00:00:00Z" : null,
    expiresOn:
      kind === "expired"
        ? "2026-11-20T00:00:00Z"
        : kind === "expiringSoon"
          ? "2026-12-01T00:00:00Z"
          : "2028-06-01T00:00:00Z",
    keyOps: kind === "noWrapKey" ? ops.filter((o) => o !== "wrapKey" && o !== "unwrapKey") : ops,
  };
}

/** How each consumer kind the generator draws is built. */
const consumerShapes = {
  openai: { kind: "openAI", resourceGroup: "rg-chaos-ai", prefix: "ai" },
  aiservices: { kind: "aiServices", resourceGroup: "rg-chaos-ai", prefix: "ai" },
  des: { kind: "diskEncryptionSet", resourceGroup: "rg-chaos-compute", prefix: "des" },
  ml: { kind: "mlWorkspace", resourceGroup: "rg-chaos-ml", prefix: "mlw" },
} as const satisfies Record<string, { kind: CmkConsumerKind; resourceGroup: string; prefix: string }>;

const sizes: Record<ChaosSize, { consumers: number; subscriptions: number }> = {
  small: { consumers: 10, subscriptions: 1 },
  large: { consumers: 60, subscriptions: 3 },
};

/**
 * Builds the tenant of a chaos run: an access-policy vault and an RBAC vault with one key each
 * (an old usable version, then a few versions of every unusable kind), and AI services accounts,
 * disk encryption sets (some rotating automatically) and Machine Learning workspaces on either key.
 * About one consumer in five lacks key permissions, and AI services accounts on the RBAC vault can
 * never pass preflight, so refusals and tickets are part of every run.
 */
export function buildChaosTenant(seed: number, size: ChaosSize, random: Random): ChaosTenant {
  const b = new TenantBuilder({ seed: `chaos-${seed}` });
  const ids = new DeterministicIds(`chaos-${seed}-versions`);
  const subscriptionIds = Array.from({ length: sizes[size].subscriptions }, (_, i) =>
    b.subscription(`5e3c6f0a-0000-4000-8000-${(i + 1).toString(16).padStart(12, "0")}`, `chaos-${i + 1}`),
  );
  const [keySub] = subscriptionIds;
  if (keySub === undefined) throw new RangeError("a chaos tenant needs a subscription");
  const vaults: VaultRef[] = [
    b.vault({ subscriptionId: keySub, resourceGroup: "rg-chaos-keys", name: "kv-chaos-ap" }),
    b.vault({ subscriptionId: keySub, resourceGroup: "rg-chaos-keys", name: "kv-chaos-rbac", rbac: true }),
  ];
  const firstKeyIds: string[] = [];
  const keys: ChaosKey[] = vaults.map((vault, i) => {
    const initial: TenantKeyVersion[] = [keyVersionOf("usable", ids.hex32(), "2026-01-01T00:00:00Z")];
    // A few older-than-new but newer-than-current versions that must be skipped over.
    const extras = Math.floor(random() * 3);
    for (let e = 0; e < extras; e++) {
      const kind = drawVersionKind(random);
      initial.push(keyVersionOf(kind, ids.hex32(), `2026-0${e + 2}-01T00:00:00Z`));
    }
    const name = i === 0 ? "cmk" : "cmk-rbac";
    firstKeyIds.push(b.key(vault, name, initial).versionIds[0] ?? "");
    return {
      vaultUrl: vault.url,
      vaultId: vault.id,
      vaultName: vault.name,
      keyName: name,
      rbac: i === 1,
      profile: "software" as const,
    };
  });

  const consumers: ChaosConsumer[] = [];
  for (let i = 0; i < sizes[size].consumers; i++) {
    const subscriptionId = pick(random, subscriptionIds);
    const keyIndex = random() < 0.7 ? 0 : 1;
    const key = keys[keyIndex];
    const vault = vaults[keyIndex];
    if (key === undefined || vault === undefined) throw new RangeError("no such key");
    const firstVersion = firstKeyIds[keyIndex] ?? "";
    const hasAccess = random() >= 0.2;
    const kind = pick(random, ["openai", "aiservices", "des", "des", "ml"] as const);
    const autoRotation = kind === "des" && random() < 0.25;
    const shape = consumerShapes[kind];
    const ref = b.cmkConsumer({
      kind: shape.kind,
      subscriptionId,
      resourceGroup: shape.resourceGroup,
      name: `${shape.prefix}-${i}`,
      key: { vault, keyName: key.keyName, version: firstVersion.split("/").pop() ?? "" },
      ...(kind === "des" ? { autoRotation } : {}),
      // The access policy, or on the RBAC vault the crypto role; without, preflight must refuse.
      access: hasAccess ? "auto" : "none",
    });
    consumers.push({
      id: ref.id,
      name: ref.name,
      type: ref.type,
      subscriptionId,
      key: keyIndex,
      hasAccess,
      autoRotation,
    });
  }
  const [apVault] = vaults;
  const [apKey] = keys;
  if (apVault === undefined || apKey === undefined) throw new RangeError("no access-policy vault");
  const scenarios = addChaosScenarios(b, ids, random, size, {
    subscriptionId: keySub,
    apVault,
    apKey,
    apVersion: firstKeyIds[0]?.split("/").pop() ?? "",
    firstIndex: keys.length,
  });
  return {
    tenant: b.build(),
    tenantId: b.tenantId,
    subscriptionIds,
    keys: [...keys, ...scenarios.keys],
    consumers: [...consumers, ...scenarios.consumers],
    disks: scenarios.disks,
    vms: scenarios.vms,
    enforceSets: scenarios.enforceSets,
  };
}
