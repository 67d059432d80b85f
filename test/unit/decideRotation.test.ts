import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import { decideRotation, type RotationDecision } from "../../src/core/decisions/decideRotation.js";
import { keyRef } from "../../src/core/ids/keyId.js";
import type { KeyVersionFacts, RoleAssignmentFacts } from "../../src/core/keyStores/keyFacts.js";
import { vaultFactsFromArm } from "../../src/core/keyStores/vaultFactsFromArm.js";
import {
  keyScenario,
  twoVersions,
  type KeyScenario,
  type KeyScenarioOptions,
} from "../support/keyScenario.js";
import { testNow } from "../support/serviceWiring.js";

/** The snapshots the worker reads for a scenario, taken from its tenant file as ARM and Key Vault return them. */
function snapshotOf(s: KeyScenario) {
  const resource = s.tenant.resources.find((r) => r.id === s.consumer.id) as ArmResourceJson;
  const rule = consumerRuleFor(resource.type);
  if (rule === undefined) throw new Error(`no rule for ${resource.type}`);
  const versions: KeyVersionFacts[] = (s.tenant.keyVaults[s.key.vaultUrl]?.keys[s.key.name] ?? []).map(
    (v) => ({
      keyId: `${s.key.id}/${v.version}`,
      vaultUrl: s.key.vaultUrl,
      keyName: s.key.name,
      version: v.version,
      kty: v.kty,
      keySize: v.keySize,
      curve: v.curve,
      enabled: v.enabled,
      createdOn: new Date(v.createdOn),
      notBefore: v.notBefore === null || v.notBefore === undefined ? undefined : new Date(v.notBefore),
      expiresOn: v.expiresOn === null || v.expiresOn === undefined ? undefined : new Date(v.expiresOn),
      keyOps: v.keyOps,
    }),
  );
  const roleAssignments: RoleAssignmentFacts[] = s.tenant.resources
    .filter((r) => r.type === "Microsoft.Authorization/roleAssignments")
    .map((r) => {
      const p = r.properties as { scope: string; principalId: string; roleDefinitionId: string };
      return { scope: p.scope, principalId: p.principalId, roleDefinitionId: p.roleDefinitionId };
    });
  const vaultBody = s.tenant.resources.find((r) => r.id === s.vault.id);
  return {
    resource,
    rule,
    versions,
    vault: vaultBody === undefined ? undefined : vaultFactsFromArm(vaultBody),
    roleAssignments,
  };
}

interface Case {
  name: string;
  scenario: KeyScenarioOptions;
  /** Index of the version the key event named (default the newest). */
  event?: number;
  /** Changes to the snapshot the worker would have read. */
  edit?: (snapshot: ReturnType<typeof snapshotOf>, s: KeyScenario) => void;
  expected: { kind: RotationDecision["kind"]; code?: string; to?: number };
}

const three = [
  ...twoVersions,
  { createdOn: "2026-11-21T00:00:00Z", expiresOn: "2028-09-01T00:00:00Z" },
] as const;

const cases: Case[] = [
  // Rotations.
  {
    name: "a disk encryption set moves to the newest version",
    scenario: { consumer: "des" },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "an OpenAI account moves to the newest version",
    scenario: { consumer: "openai" },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "an AI services account moves to the newest version",
    scenario: { consumer: "aiservices" },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "a CMK ML workspace moves to the newest version",
    scenario: { consumer: "ml" },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "an unusable newest version is passed over for the newest usable one",
    scenario: {
      consumer: "des",
      versions: [...twoVersions, { createdOn: "2026-11-21T00:00:00Z", enabled: false }],
    },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "an event for an older version than the newest moves to the newest (events arrive out of order)",
    scenario: { consumer: "des", versions: three },
    event: 1,
    expected: { kind: "rotate", to: 2 },
  },
  {
    name: "versions are ordered by creation time, never by their text",
    scenario: {
      consumer: "des",
      versions: [
        { version: "ffffffffffffffffffffffffffffffff", createdOn: "2026-01-01T00:00:00Z" },
        { version: "00000000000000000000000000000000", createdOn: "2026-11-20T00:00:00Z" },
      ],
    },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "a disk encryption set on an RBAC vault with a crypto role moves",
    scenario: { consumer: "des", vault: { rbac: true }, access: "role" },
    expected: { kind: "rotate", to: 1 },
  },
  // Nothing to do.
  {
    name: "a consumer on the newest version stays",
    scenario: { consumer: "des", current: 1 },
    event: 1,
    expected: { kind: "none", code: "AlreadyNewest" },
  },
  {
    name: "an event for an older version never moves a consumer backwards",
    scenario: { consumer: "des", versions: three, current: 2 },
    event: 1,
    expected: { kind: "none", code: "AlreadyNewest" },
  },
  {
    name: "an account naming the key without a version follows it by itself",
    scenario: { consumer: "openai", versionless: true },
    expected: { kind: "none", code: "FollowsLatestVersion" },
  },
  {
    name: "a consumer now on another key is left alone",
    scenario: { consumer: "des" },
    edit: (snap) => {
      const props = snap.resource.properties as { activeKey: { keyUrl: string } };
      props.activeKey.keyUrl = props.activeKey.keyUrl.replace("/keys/cmk/", "/keys/other/");
    },
    expected: { kind: "none", code: "UsesAnotherKey" },
  },
  {
    name: "an account back on a Microsoft-managed key is left alone",
    scenario: { consumer: "openai" },
    edit: (snap) => {
      (snap.resource.properties as Record<string, unknown>).encryption = {
        keySource: "Microsoft.CognitiveServices",
      };
    },
    expected: { kind: "none", code: "NotCustomerManaged" },
  },
  // Platform auto-rotation.
  {
    name: "an auto-rotating set is left to the platform when the newest version is usable",
    scenario: { consumer: "des", autoRotation: true },
    expected: { kind: "await-auto-rotation", to: 1 },
  },
  {
    name: "an auto-rotating set is refused (ticketed) when the platform would move it to an unusable version",
    scenario: {
      consumer: "des",
      autoRotation: true,
      versions: [twoVersions[0]!, { createdOn: "2026-11-20T00:00:00Z", enabled: false }],
    },
    expected: { kind: "refuse", code: "KeyDisabled", to: 1 },
  },
  {
    name: "an auto-rotating set on the newest version has nothing to wait for",
    scenario: { consumer: "des", autoRotation: true, current: 1 },
    event: 1,
    expected: { kind: "none", code: "AlreadyNewest" },
  },
  // Refusals: every error of the preflight proof, and what cannot rotate at all.
  {
    name: "a vault without purge protection",
    scenario: { consumer: "des", vault: { purgeProtection: false } },
    expected: { kind: "refuse", code: "VaultPurgeProtectionDisabled", to: 1 },
  },
  {
    name: "an identity without access to the key",
    scenario: { consumer: "des", access: "none" },
    expected: { kind: "refuse", code: "IdentityLacksKeyPermissions", to: 1 },
  },
  {
    // encrypt-data-at-rest.md (11/2025) documents RBAC vaults for Azure OpenAI.
    name: "an AI services account on an RBAC vault with the Crypto Service Encryption User role",
    scenario: { consumer: "openai", vault: { rbac: true }, access: "role" },
    expected: { kind: "rotate", to: 1 },
  },
  {
    name: "a vault firewall that keeps trusted services out",
    scenario: { consumer: "des", vault: { networkAcls: { defaultAction: "Deny", bypass: "None" } } },
    expected: { kind: "refuse", code: "VaultFirewallBlocksTrustedServices", to: 1 },
  },
  {
    name: "a consumer in another region than the vault",
    scenario: { consumer: "des", location: "eastus" },
    expected: { kind: "refuse", code: "VaultRegionMismatch", to: 1 },
  },
  {
    name: "a new version that expires within the margin",
    scenario: {
      consumer: "des",
      versions: [twoVersions[0]!, { createdOn: "2026-11-20T00:00:00Z", expiresOn: "2026-12-10T00:00:00Z" }],
    },
    expected: { kind: "refuse", code: "KeyExpiresWithinMargin", to: 1 },
  },
  {
    name: "a 3072-bit version for an AI services account",
    scenario: {
      consumer: "aiservices",
      versions: [twoVersions[0]!, { createdOn: "2026-11-20T00:00:00Z", keySize: 3072 }],
    },
    expected: { kind: "refuse", code: "KeySizeNotAllowed", to: 1 },
  },
  {
    name: "a version that may not wrap keys",
    scenario: {
      consumer: "ml",
      versions: [twoVersions[0]!, { createdOn: "2026-11-20T00:00:00Z", keyOps: ["encrypt", "decrypt"] }],
    },
    expected: { kind: "refuse", code: "KeyOpsMissing", to: 1 },
  },
  {
    name: "an elliptic-curve version",
    scenario: {
      consumer: "des",
      versions: [twoVersions[0]!, { createdOn: "2026-11-20T00:00:00Z", kty: "EC" }],
    },
    expected: { kind: "refuse", code: "KeyTypeNotRsa", to: 1 },
  },
  {
    name: "an ML workspace with service-side encryption",
    scenario: { consumer: "ml", serviceSideEncryption: true },
    expected: { kind: "refuse", code: "CannotRotate" },
  },
  {
    name: "a vault that cannot be found",
    scenario: { consumer: "des" },
    edit: (snap) => {
      snap.vault = undefined;
    },
    expected: { kind: "refuse", code: "VaultNotFound" },
  },
  {
    name: "a current version the key does not list (its place in time is unknown)",
    scenario: { consumer: "des" },
    edit: (snap, s) => {
      (snap.resource.properties as { activeKey: { keyUrl: string } }).activeKey.keyUrl =
        `${s.key.id}/${"e".repeat(32)}`;
    },
    expected: { kind: "refuse", code: "CurrentVersionUnknown" },
  },
];

describe("decideRotation: where a consumer moves, decided from fresh snapshots", () => {
  it.each(cases)("$name", ({ scenario, event, edit, expected }) => {
    const s = keyScenario(scenario);
    const snap = snapshotOf(s);
    edit?.(snap, s);
    const eventVersion = s.key.versions[event ?? s.key.versions.length - 1] ?? "";
    const decision = decideRotation({
      ...snap,
      jobKey: keyRef(s.key.vaultUrl, s.key.name, eventVersion),
      now: testNow,
      expiryMarginDays: 30,
    });
    expect(decision.kind).toBe(expected.kind);
    if ("code" in decision) expect(decision.code).toBe(expected.code);
    else expect(expected.code).toBeUndefined();
    const to = "to" in decision ? decision.to?.version : undefined;
    expect(to).toBe(expected.to === undefined ? undefined : s.key.versions[expected.to]);
    // Always from where the consumer is now, never from the event's version.
    if (decision.kind !== "none") expect(decision.from).toEqual(snap.rule.currentKey(snap.resource));
    if (edit === undefined && decision.kind !== "none")
      expect(decision.from.keyId.toLowerCase()).toBe(s.currentKeyId.toLowerCase());
    if (decision.kind === "rotate") {
      // The write names the target version and nothing else changes the key.
      expect(JSON.stringify(decision.patch)).toContain(decision.to.version);
      expect(JSON.stringify(decision.patch)).not.toContain(decision.from.version ?? "no current version");
    }
  });
});
