import { describe, expect, it } from "vitest";
import { keyRef } from "../../src/core/ids/keyId.js";
import {
  keyStoreStateOf,
  type KeyStoreReads,
  type KeyStoreState,
} from "../../src/core/keyStores/keyStoreState.js";
import { keyFacts, V1, VAULT_URL, vaultFacts } from "./findingsFixtures.js";

const key = keyRef(VAULT_URL, "cmk", V1);
const hsmKey = keyRef("https://pool-one.managedhsm.azure.net", "cmk", V1);
const ok = <T>(value: T) => ({ ok: true as const, value });
const failed = (error: string) => ({ ok: false as const, error });
const summary = {
  keyId: `${VAULT_URL}/keys/cmk/${V1}`,
  version: V1,
  enabled: true,
  createdOn: new Date("2026-01-01"),
};
const deletedKey = { vaultUrl: VAULT_URL, keyName: "cmk", recoveryId: `${VAULT_URL}/deletedkeys/cmk` };
const deletedVault = { id: "/x", name: "kv-cmk", location: "westeurope", purgeProtectionEnabled: true };

interface Case {
  name: string;
  key?: typeof key;
  reads: KeyStoreReads;
  expected: Partial<KeyStoreState> & { kind: KeyStoreState["kind"] };
  reason?: RegExp;
}

const present: KeyStoreReads = {
  vault: ok(vaultFacts()),
  keyVersions: ok([summary]),
  keyVersion: ok(keyFacts("cmk")),
};

const cases: Case[] = [
  {
    name: "vault and version read: present",
    reads: present,
    expected: { kind: "present", vault: vaultFacts() },
  },
  {
    name: "the vault read failed: unreadable, naming the error",
    reads: { ...present, vault: failed("503 ServiceUnavailable") },
    expected: { kind: "unreadable" },
    reason: /kv-cmk\.vault\.azure\.net could not be read: 503/,
  },
  {
    name: "the versions read failed: unreadable",
    reads: { ...present, keyVersions: failed("403 Forbidden") },
    expected: { kind: "unreadable" },
    reason: /versions of .* could not be read: 403/,
  },
  {
    name: "the version in use is not among the key's versions: unreadable",
    reads: { ...present, keyVersion: ok(undefined) },
    expected: { kind: "unreadable" },
    reason: /not among the versions/,
  },
  {
    name: "ARM does not know the vault but its key answers: out of sight, unreadable",
    reads: { ...present, vault: ok(undefined) },
    expected: { kind: "unreadable" },
    reason: /not visible to the service/,
  },
  {
    name: "a vault without the key, soft-deleted: key-deleted, found",
    reads: { vault: ok(vaultFacts()), keyVersions: ok(undefined), deletedKey: ok(deletedKey) },
    expected: { kind: "key-deleted", deletedKey, lookup: "found", vault: vaultFacts() },
  },
  {
    name: "a vault without the key, none deleted: key-deleted, purged",
    reads: { vault: ok(vaultFacts()), keyVersions: ok([]), deletedKey: ok(undefined) },
    expected: { kind: "key-deleted", lookup: "not-found" },
  },
  {
    name: "a vault without the key, the deleted-key lookup failed: key-deleted, recoverability unknown",
    reads: { vault: ok(vaultFacts()), keyVersions: ok(undefined), deletedKey: failed("403") },
    expected: { kind: "key-deleted", lookup: { problem: "the deleted key could not be looked up: 403" } },
  },
  {
    name: "no vault anywhere, a deleted vault found: vault-deleted, found",
    reads: { vault: ok(undefined), keyVersions: ok(undefined), deletedVault: ok(deletedVault) },
    expected: { kind: "vault-deleted", deletedVault, lookup: "found" },
  },
  {
    name: "no vault, the data plane unreachable (DNS), no deleted vault: vault-deleted, not found",
    reads: { vault: ok(undefined), keyVersions: failed("ENOTFOUND"), deletedVault: ok(undefined) },
    expected: { kind: "vault-deleted", lookup: "not-found" },
  },
  {
    name: "no vault in ARM, but a soft-deleted key answers: key-deleted",
    reads: {
      vault: ok(undefined),
      keyVersions: ok(undefined),
      deletedKey: ok(deletedKey),
      deletedVault: ok(undefined),
    },
    expected: { kind: "key-deleted", deletedKey, lookup: "found" },
  },
  {
    name: "a Managed HSM key answers: its pool is not read, unreadable",
    key: hsmKey,
    reads: { ...present, vault: ok(undefined) },
    expected: { kind: "unreadable" },
    reason: /Managed HSM pool pool-one/,
  },
  {
    name: "a Managed HSM key gone: key-deleted, never a deleted vault",
    key: hsmKey,
    reads: { vault: ok(undefined), keyVersions: ok(undefined), deletedKey: ok(undefined) },
    expected: { kind: "key-deleted", lookup: "not-found" },
  },
];

describe("keyStoreStateOf: what the reads say about a consumer's key and vault", () => {
  it.each(cases)("$name", ({ key: k, reads, expected, reason }) => {
    const state = keyStoreStateOf(k ?? key, reads);
    expect(state).toMatchObject(expected);
    if (reason !== undefined) expect(state.kind === "unreadable" ? state.reason : "").toMatch(reason);
  });
});
