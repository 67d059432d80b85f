import { resourceGraphColumns, runKql } from "@cmkr/azure-emulator";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { evaluateAiServicesAccount } from "../../src/core/consumers/aiServicesAccount/aiServicesAccountFindings.js";
import { judgeAutoRotation } from "../../src/core/consumers/diskEncryptionSet/desAutoRotationStalled.js";
import { consumerRuleFor } from "../../src/core/consumers/registry.js";
import { detectionSettings } from "../../src/core/findings/detectionSettings.js";
import {
  KeyIdError,
  keyRef,
  keyRefFromUri,
  keyVaultDomains,
  parseVaultUrl,
  sameKey,
  sameKeyVersion,
  sameVault,
  vaultHostOf,
} from "../../src/core/ids/keyId.js";
import {
  consumersOfKeyQuery,
  consumersOfVaultQuery,
  UnsafeQueryInputError,
  vaultByUriQuery,
} from "../../src/core/queries/consumersQuery.js";
import { keyUriKql } from "../../src/core/queries/keyUriKql.js";
import { cmkAiAccount, context, keyFacts, vaultFacts } from "./findingsFixtures.js";

/*
 * One key, every spelling ARM and the data plane write for it: Key Vault's resource provider
 * returns `keyUriWithVersion` as `https://{vault}.vault.azure.net:443/keys/{name}/{version}`
 * (test/conformance/material/rest-api-specs/keyvault-mgmt/2024-11-01/examples/getKeyVersion.json,
 * managedHsmGetKey.json for Managed HSM), which templates copy into `activeKey.keyUrl`; hosts are
 * case-insensitive (RFC 3986 section 3.2.2) and ARM writes vault URIs with a trailing slash.
 */

const V1 = "0123456789abcdef0123456789abcdef";
const V2 = "fedcba9876543210fedcba9876543210";
const CANONICAL_VAULT = "https://kv-cmk.vault.azure.net";
const CANONICAL_KEY = `${CANONICAL_VAULT}/keys/cmk/${V1}`;
const canonical = keyRef(CANONICAL_VAULT, "cmk", V1);

/** The same vault, as ARM, the data plane and other tools write it. */
const vaultSpellings = [
  "https://kv-cmk.vault.azure.net",
  "https://kv-cmk.vault.azure.net/",
  "https://kv-cmk.vault.azure.net:443",
  "https://kv-cmk.vault.azure.net:443/",
  "https://KV-CMK.Vault.Azure.Net/",
  "HTTPS://KV-CMK.VAULT.AZURE.NET:443",
  " https://kv-cmk.vault.azure.net/ ",
];

/** The same key version, spelled the same ways. */
const keySpellings = [
  CANONICAL_KEY,
  `https://kv-cmk.vault.azure.net:443/keys/cmk/${V1}`,
  `https://KV-CMK.VAULT.AZURE.NET/keys/cmk/${V1}`,
  `https://kv-cmk.vault.azure.net/keys/cmk/${V1}/`,
  `HTTPS://Kv-Cmk.Vault.Azure.Net:443/keys/CMK/${V1.toUpperCase()}/`,
];

/** Other keys: not the same key, however close the spelling. */
const otherKeys = [
  `https://kv-cmk2.vault.azure.net/keys/cmk/${V1}`,
  `https://kv-cmk.vault.azure.cn:443/keys/cmk/${V1}`,
  `https://kv-cmk.managedhsm.azure.net/keys/cmk/${V1}`,
  `https://kv-cmk.vault.azure.net/keys/cmk2/${V1}`,
  `https://kv-cmk.vault.azure.net/keys/cm/${V1}`,
];

function desWith(keyUrl: string): ArmResourceJson {
  return {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des-1",
    name: "des-1",
    type: "Microsoft.Compute/diskEncryptionSets",
    location: "westeurope",
    properties: {
      activeKey: { keyUrl, sourceVault: { id: "/subscriptions/s/x" } },
      rotationToLatestKeyVersionEnabled: true,
    },
  };
}

function mlWith(keyIdentifier: string): ArmResourceJson {
  return {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.MachineLearningServices/workspaces/mlw-1",
    name: "mlw-1",
    type: "Microsoft.MachineLearningServices/workspaces",
    location: "westeurope",
    kind: "Default",
    properties: {
      encryption: { status: "Enabled", keyVaultProperties: { keyIdentifier, keyVaultArmId: "/x" } },
    },
  };
}

function aiWith(keyVaultUri: string, keyName: string, keyVersion?: string): ArmResourceJson {
  return {
    id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/aoai-1",
    name: "aoai-1",
    type: "Microsoft.CognitiveServices/accounts",
    location: "westeurope",
    kind: "OpenAI",
    properties: {
      encryption: {
        keySource: "Microsoft.KeyVault",
        keyVaultProperties: { keyVaultUri, keyName, ...(keyVersion === undefined ? {} : { keyVersion }) },
      },
    },
  };
}

/** The vault part of a key URI as written (`https://{host}[:port]`), keeping its spelling. */
const vaultPart = (uri: string): string => /^\s*[^/]+\/\/[^/]+/.exec(uri)?.[0] ?? uri;

/** Runs a query with the emulator's KQL engine over `resources` rows; returns the ids matched. */
function matched(query: string, resources: readonly ArmResourceJson[]): string[] {
  const rows = resources.map((r) => ({ ...r, type: r.type.toLowerCase(), kind: r.kind ?? "" }));
  const result = runKql(query, new Map([["resources", { columns: resourceGraphColumns, rows }]]));
  return result.rows.map((r) => r.id as string);
}

describe("parseVaultUrl, vaultHostOf and sameVault", () => {
  it.each(vaultSpellings)("%j is the vault https://kv-cmk.vault.azure.net", (spelling) => {
    expect(parseVaultUrl(spelling)).toBe(CANONICAL_VAULT);
    expect(vaultHostOf(spelling)).toBe("kv-cmk.vault.azure.net");
    for (const other of vaultSpellings) expect(sameVault(spelling, other)).toBe(true);
  });

  it.each([
    ["kv1.vault.azure.cn"],
    ["kv1.vault.usgovcloudapi.net"],
    ["pool1.managedhsm.azure.net"],
    ["pool1.managedhsm.azure.cn"],
    ["pool1.managedhsm.usgovcloudapi.net"],
  ])("keeps the sovereign-cloud or Managed HSM host %s", (host) => {
    expect(parseVaultUrl(`https://${host.toUpperCase()}:443/`)).toBe(`https://${host}`);
  });

  it.each<[string, string]>([
    ["http://kv-cmk.vault.azure.net/", "scheme"],
    ["https://kv-cmk.vault.azure.net:8443/", "host"],
    ["https://user@kv-cmk.vault.azure.net/", "host"],
    ["https://example.com/", "host"],
    ["https://k.vault.azure.net/", "host"],
    ["https://kv-cmk.vault.azure.net/keys", "path"],
    ["https://kv-cmk.vault.azure.net/?x=1", "path"],
    ["https://kv-cmk.vault.azure.net//", "path"],
    ["not a url", "uri"],
    ["", "uri"],
  ])("refuses %j (%s)", (uri, part) => {
    expect(() => parseVaultUrl(uri)).toThrow(expect.objectContaining({ code: "InvalidKeyId", part }));
    expect(vaultHostOf(uri)).toBeUndefined();
    // Not a vault is the same vault as nothing, not even as itself.
    expect(sameVault(uri, uri)).toBe(false);
  });

  it("keyRef takes the vault in any spelling and refuses what is not a vault URI", () => {
    for (const spelling of vaultSpellings) expect(keyRef(spelling, "cmk", V1)).toEqual(canonical);
    expect(() => keyRef("https://kv-cmk.vault.azure.net:8443/", "cmk", V1)).toThrow(KeyIdError);
  });
});

describe("every spelling of one key compares equal in the product's comparisons", () => {
  it.each(keySpellings)("%s", (spelling) => {
    const ref = keyRefFromUri(spelling);
    expect(ref?.vaultUrl).toBe(CANONICAL_VAULT);
    expect(ref !== undefined && sameKey(ref, canonical) && sameKeyVersion(ref, canonical)).toBe(true);
    expect(sameVault(vaultPart(spelling), CANONICAL_VAULT)).toBe(true);

    // The consumer rules read the same key from each consumer type.
    for (const resource of [desWith(spelling), mlWith(spelling)]) {
      const current = consumerRuleFor(resource.type)?.currentKey(resource);
      expect(current !== undefined && sameKeyVersion(current, canonical)).toBe(true);
    }
    const account = aiWith(`${vaultPart(spelling)}/`, "cmk", V1);
    const current = consumerRuleFor(account.type)?.currentKey(account);
    expect(current).toEqual(canonical);

    // An auto-rotating set written with this spelling is still on the version the service expected.
    const verdict = judgeAutoRotation(
      desWith(spelling),
      { from: CANONICAL_KEY, to: `${CANONICAL_VAULT}/keys/cmk/${V2}`, at: new Date("2026-06-01T00:00:00Z") },
      { now: new Date("2026-06-01T00:30:00Z"), graceMs: 3_600_000, settings: detectionSettings({}) },
    );
    expect(verdict.kind).toBe("waiting");
  });

  it.each(vaultSpellings)(
    "the findings use vault and key facts of the vault written %j for a key in the vault written otherwise",
    (spelling) => {
      const base = cmkAiAccount();
      const encryption = (base.properties as { encryption: { keyVaultProperties: object } }).encryption;
      const account: ArmResourceJson = {
        ...base,
        properties: {
          ...base.properties,
          encryption: {
            ...encryption,
            keyVaultProperties: {
              ...encryption.keyVaultProperties,
              keyVaultUri: "https://KV-CMK.vault.azure.net:443",
            },
          },
        },
      };
      const result = evaluateAiServicesAccount(
        account,
        context(
          {},
          {
            vault: vaultFacts({ vaultUri: spelling, enablePurgeProtection: false }),
            currentKey: { ...keyFacts("cmk-aoai", { enabled: false }), vaultUrl: spelling.trim() },
          },
        ),
      );
      expect(result.notes.join("\n")).not.toMatch(/are not for the key/);
      expect(result.findings.map((f) => f.code)).toEqual(
        expect.arrayContaining(["CmkVaultPurgeProtectionOff", "CmkKeyDisabled"]),
      );
    },
  );

  it.each(otherKeys)("%s is another key", (other) => {
    const ref = keyRefFromUri(other);
    expect(ref).toBeDefined();
    expect(sameKey(ref!, canonical)).toBe(false);
    expect(sameKeyVersion(ref!, canonical)).toBe(false);
  });

  it("another version of the same key is the same key, not the same version", () => {
    const ref = keyRefFromUri(`https://kv-cmk.vault.azure.net:443/keys/cmk/${V2}`)!;
    expect(sameKey(ref, canonical)).toBe(true);
    expect(sameKeyVersion(ref, canonical)).toBe(false);
  });

  it("a port other than 443 is not Key Vault: no key, no vault", () => {
    expect(keyRefFromUri(`https://kv-cmk.vault.azure.net:8443/keys/cmk/${V1}`)).toBeUndefined();
    expect(sameVault("https://kv-cmk.vault.azure.net:8443", CANONICAL_VAULT)).toBe(false);
  });
});

describe("Resource Graph queries (the emulator's KQL engine)", () => {
  const consumers = [
    ...keySpellings.flatMap((s, i) => [
      { ...desWith(s), id: `/des/${i}` },
      { ...mlWith(s), id: `/ml/${i}` },
      {
        ...aiWith(`${vaultPart(s)}${i % 2 === 0 ? "/" : ""}`, i % 2 === 0 ? "cmk" : "CMK", V1),
        id: `/ai/${i}`,
      },
    ]),
    // Versionless references name the key too.
    { ...desWith("https://kv-cmk.vault.azure.net:443/keys/cmk"), id: "/des/versionless" },
    { ...mlWith("https://KV-CMK.vault.azure.net/keys/cmk/"), id: "/ml/versionless" },
  ];
  const strangers = otherKeys.flatMap((s, i) => [
    { ...desWith(s), id: `/other-des/${i}` },
    { ...mlWith(s), id: `/other-ml/${i}` },
    { ...aiWith(`${vaultPart(s)}/`, /keys\/([^/]+)/.exec(s)![1]!), id: `/other-ai/${i}` },
  ]);
  const all = [...consumers, ...strangers];

  it.each(vaultSpellings)(
    "consumersOfKeyQuery for the key in the vault written %j finds every spelling",
    (vault) => {
      expect(matched(consumersOfKeyQuery({ vaultUrl: vault.trim(), keyName: "CMK" }), all).sort()).toEqual(
        consumers.map((c) => c.id).sort(),
      );
    },
  );

  it("consumersOfVaultQuery finds a consumer written with any spelling, and none of another vault", () => {
    for (const c of consumers) expect(matched(consumersOfVaultQuery(CANONICAL_VAULT), [c])).toEqual([c.id]);
    const otherVaults = strangers.filter((s) => !/kv-cmk\.vault\.azure\.net/i.test(JSON.stringify(s)));
    expect(otherVaults.length).toBeGreaterThan(0);
    expect(matched(consumersOfVaultQuery("https://kv-cmk.vault.azure.net:443/"), otherVaults)).toEqual([]);
  });

  it("vaultByUriQuery finds the vault resource whatever the spelling on either side", () => {
    const vaults = vaultSpellings.map((vaultUri, i) => ({
      id: `/vault/${i}`,
      name: "kv-cmk",
      type: "Microsoft.KeyVault/vaults",
      properties: { vaultUri: vaultUri.trim() },
    }));
    const other = {
      id: "/vault/other",
      name: "kv-cmk",
      type: "Microsoft.KeyVault/vaults",
      properties: { vaultUri: "https://kv-cmk.vault.azure.cn/" },
    };
    for (const spelling of vaultSpellings) {
      expect(matched(vaultByUriQuery(spelling.trim()), [...vaults, other]).sort()).toEqual(
        vaults.map((v) => v.id).sort(),
      );
    }
  });

  it.each<[string, () => string, string]>([
    [
      "a vault URL outside the Key Vault domains",
      () => consumersOfKeyQuery({ vaultUrl: "https://example.com", keyName: "cmk" }),
      "vaultUrl",
    ],
    [
      "a vault URL with another port",
      () => vaultByUriQuery("https://kv-cmk.vault.azure.net:8443/"),
      "vaultUrl",
    ],
    ["a vault URL with a quote", () => consumersOfVaultQuery("https://kv'x.vault.azure.net/"), "vaultUrl"],
    [
      "a key name with a quote",
      () => consumersOfKeyQuery({ vaultUrl: CANONICAL_VAULT, keyName: "cmk' or true or '" }),
      "keyName",
    ],
    ["a predicate host with a quote", () => keyUriKql.ofKey("c", "kv'.vault.azure.net", "cmk"), "vaultUrl"],
    ["a predicate key name with a space", () => keyUriKql.ofKey("c", "kv.vault.azure.net", "a b"), "keyName"],
    ["a vault predicate host with a slash", () => keyUriKql.inVault("c", "kv.vault.azure.net/x"), "vaultUrl"],
  ])("refuses %s with UnsafeQueryInputError", (_, build, field) => {
    expect(build).toThrow(UnsafeQueryInputError);
    expect(build).toThrow(expect.objectContaining({ code: "UnsafeQueryInput", field }));
  });
});

describe("key URI spellings (property-based)", () => {
  const settings = { seed: 4431, numRuns: 300 };
  const vaultName = fc.stringMatching(/^[a-z][a-z0-9-]{1,22}[a-z0-9]$/).filter((n) => !n.includes("--"));
  const keyName = fc.stringMatching(/^[0-9A-Za-z-]{1,20}$/);
  const version = fc.stringMatching(/^[0-9a-f]{32}$/);
  const keyArb = fc.record({
    vault: vaultName,
    domain: fc.constantFrom(...keyVaultDomains),
    name: keyName,
    version,
  });
  interface Key {
    vault: string;
    domain: string;
    name: string;
    version: string;
  }
  /** How a spelling writes a key: letter case of each host character, `:443`, trailing slash, spaces. */
  const spellingArb = fc.record({
    caseMask: fc.array(fc.boolean(), { minLength: 64, maxLength: 64 }),
    upperScheme: fc.boolean(),
    port: fc.boolean(),
    slash: fc.boolean(),
    nameCase: fc.boolean(),
    spaces: fc.boolean(),
  });
  type Spelling = typeof spellingArb extends fc.Arbitrary<infer S> ? S : never;

  function spellHost(k: Key, s: Spelling): string {
    const host = `${k.vault}.${k.domain}`;
    const cased = Array.from(host, (c, i) => (s.caseMask[i % 64] ? c.toUpperCase() : c)).join("");
    return `${s.upperScheme ? "HTTPS" : "https"}://${cased}${s.port ? ":443" : ""}`;
  }
  function spellKey(k: Key, s: Spelling): string {
    const name = s.nameCase ? k.name.toUpperCase() : k.name;
    const uri = `${spellHost(k, s)}/keys/${name}/${k.version}${s.slash ? "/" : ""}`;
    return s.spaces ? ` ${uri} ` : uri;
  }
  const differs = (a: Key, b: Key) =>
    a.vault !== b.vault || a.domain !== b.domain || a.name.toLowerCase() !== b.name.toLowerCase();

  it("any two spellings of the same key compare equal, as key, version and vault", () => {
    fc.assert(
      fc.property(keyArb, spellingArb, spellingArb, (k, s1, s2) => {
        const a = keyRefFromUri(spellKey(k, s1));
        const b = keyRefFromUri(spellKey(k, s2));
        expect(a).toBeDefined();
        expect(b).toBeDefined();
        expect(sameKey(a!, b!)).toBe(true);
        expect(sameKeyVersion(a!, b!)).toBe(true);
        expect(a!.vaultUrl).toBe(b!.vaultUrl);
        expect(sameVault(spellHost(k, s1), `${spellHost(k, s2)}${s2.slash ? "/" : ""}`)).toBe(true);
      }),
      settings,
    );
  });

  it("spellings of different keys never compare equal", () => {
    fc.assert(
      fc.property(keyArb, keyArb, spellingArb, spellingArb, (k1, k2, s1, s2) => {
        fc.pre(differs(k1, k2));
        const a = keyRefFromUri(spellKey(k1, s1))!;
        const b = keyRefFromUri(spellKey(k2, s2))!;
        expect(sameKey(a, b)).toBe(false);
        expect(sameKeyVersion(a, b)).toBe(false);
        if (k1.vault !== k2.vault || k1.domain !== k2.domain) {
          expect(sameVault(spellHost(k1, s1), spellHost(k2, s2))).toBe(false);
        }
      }),
      settings,
    );
  });

  it("the consumers query, built from one spelling, finds consumers written with any other, and no other key's", () => {
    fc.assert(
      fc.property(keyArb, keyArb, spellingArb, spellingArb, (k, other, queried, written) => {
        fc.pre(differs(k, other));
        // Surrounding spaces are tolerated in inputs the service parses, not stored by ARM.
        fc.pre(!written.spaces);
        const ref = keyRefFromUri(spellKey(k, queried))!;
        const mine = [
          { ...desWith(spellKey(k, written)), id: "/des" },
          { ...mlWith(spellKey(k, written)), id: "/ml" },
          { ...aiWith(`${spellHost(k, written)}${written.slash ? "/" : ""}`, k.name, k.version), id: "/ai" },
        ];
        const theirs = [
          { ...desWith(spellKey(other, written)), id: "/other-des" },
          { ...mlWith(spellKey(other, written)), id: "/other-ml" },
          { ...aiWith(`${spellHost(other, written)}/`, other.name, other.version), id: "/other-ai" },
        ];
        expect(matched(consumersOfKeyQuery(ref), [...mine, ...theirs]).sort()).toEqual([
          "/ai",
          "/des",
          "/ml",
        ]);
      }),
      { ...settings, numRuns: 150 },
    );
  });
});

describe("KeyRefs built by hand", () => {
  it("compare by vault whatever the spelling of their vaultUrl", () => {
    const byHand = {
      vaultUrl: "https://KV-CMK.vault.azure.net:443/",
      keyName: "CMK",
      version: V1,
      keyId: "x",
    };
    expect(sameKey(byHand, canonical)).toBe(true);
    expect(sameKeyVersion(byHand, canonical)).toBe(true);
    expect(sameKey({ ...byHand, vaultUrl: "https://kv-cmk.vault.azure.cn:443/" }, canonical)).toBe(false);
  });
});

describe("an AI services account whose vault URI is not a Key Vault URI", () => {
  it.each([
    "https://kv-cmk.vault.azure.net:8443/",
    "https://kv-cmk.example.com/",
    "https://kv-cmk.vault.azure.net/x/",
  ])("%s: no key is read from it, and the account is ticketed as CmkKeyReferenceInvalid", (keyVaultUri) => {
    const base = cmkAiAccount();
    const encryption = (base.properties as { encryption: { keyVaultProperties: object } }).encryption;
    const account: ArmResourceJson = {
      ...base,
      properties: {
        ...base.properties,
        encryption: { ...encryption, keyVaultProperties: { ...encryption.keyVaultProperties, keyVaultUri } },
      },
    };
    expect(consumerRuleFor(account.type)?.currentKey(account)).toBeUndefined();
    expect(evaluateAiServicesAccount(account, context()).findings.map((f) => f.code)).toEqual([
      "CmkKeyReferenceInvalid",
    ]);
  });
});
