import { describe, expect, it } from "vitest";
import {
  KeyIdError,
  formatKeyId,
  keyVaultDomainOf,
  parseKeyId,
  type KeyIdPart,
} from "../../src/core/ids/keyId.js";

const version = "0123456789abcdef0123456789abcdef";

function failure(uri: string): KeyIdError {
  try {
    parseKeyId(uri);
  } catch (error) {
    if (error instanceof KeyIdError) return error;
    throw error;
  }
  throw new Error(`expected ${uri} to be rejected`);
}

describe("parseKeyId", () => {
  it("parses a versioned key id", () => {
    expect(parseKeyId(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${version}`)).toEqual({
      vaultUrl: "https://kv-cmk.vault.azure.net",
      vaultHost: "kv-cmk.vault.azure.net",
      name: "cmk-aoai",
      version,
      versionedId: `https://kv-cmk.vault.azure.net/keys/cmk-aoai/${version}`,
    });
  });

  it("parses an unversioned key id and leaves version and versionedId out", () => {
    const id = parseKeyId("https://kv-cmk.vault.azure.net/keys/cmk-aoai");
    expect(id).toEqual({
      vaultUrl: "https://kv-cmk.vault.azure.net",
      vaultHost: "kv-cmk.vault.azure.net",
      name: "cmk-aoai",
    });
    expect("version" in id).toBe(false);
  });

  it("lower-cases the host, keeps the name's case, and tolerates :443, whitespace and a trailing slash", () => {
    const id = parseKeyId(`  https://KV-CMK.Vault.Azure.Net:443/keys/CMK-Aoai/${version.toUpperCase()}/ `);
    expect(id.vaultUrl).toBe("https://kv-cmk.vault.azure.net");
    expect(id.vaultHost).toBe("kv-cmk.vault.azure.net");
    expect(id.name).toBe("CMK-Aoai");
    expect(id.version).toBe(version.toUpperCase());
    expect(parseKeyId("https://kv-cmk.vault.azure.net/keys/cmk-aoai/").version).toBeUndefined();
  });

  it.each([
    ["kv1.vault.azure.cn"],
    ["kv1.vault.usgovcloudapi.net"],
    ["pool1.managedhsm.azure.net"],
    ["pool1.managedhsm.azure.cn"],
    ["pool1.managedhsm.usgovcloudapi.net"],
  ])("accepts the vault domain of %s", (host) => {
    expect(parseKeyId(`https://${host}/keys/k1/${version}`).vaultHost).toBe(host);
  });

  it.each<[string, KeyIdPart, RegExp]>([
    ["", "uri", /empty/],
    ["kv-cmk.vault.azure.net/keys/a", "uri", /absolute URL/],
    [`http://kv-cmk.vault.azure.net/keys/a/${version}`, "scheme", /scheme must be https, found http/],
    [`https://kv-cmk.vault.azure.net:8443/keys/a/${version}`, "host", /port 8443/],
    [`https://user:pw@kv-cmk.vault.azure.net/keys/a`, "host", /user information/],
    [`https://kv-cmk.example.com/keys/a/${version}`, "host", /not a Key Vault host/],
    [`https://management.azure.com/keys/a/${version}`, "host", /not a Key Vault host/],
    [`https://vault.azure.net/keys/a/${version}`, "host", /not a Key Vault host/],
    [`https://1kv.vault.azure.net/keys/a/${version}`, "host", /"1kv" is not a valid vault name/],
    [`https://kv--x.vault.azure.net/keys/a/${version}`, "host", /not a valid vault name/],
    [`https://kv-cmk.vault.azure.net/keys/a/${version}?api-version=7.4`, "path", /query string/],
    [`https://kv-cmk.vault.azure.net/secrets/a/${version}`, "path", /start with \/keys\/, found \/secrets\//],
    ["https://kv-cmk.vault.azure.net", "path", /found none/],
    ["https://kv-cmk.vault.azure.net/keys", "path", /\/keys\/\{name\}/],
    [`https://kv-cmk.vault.azure.net/keys/a/${version}/extra`, "path", /found \/keys\/a\//],
    [`https://kv-cmk.vault.azure.net/keys/a_b/${version}`, "name", /key name "a_b" must be 1-127 letters/],
    [`https://kv-cmk.vault.azure.net/keys//${version}`, "name", /key name is empty/],
    ["https://kv-cmk.vault.azure.net/keys/a/versions", "version", /"versions" must be 32 hexadecimal/],
    ["https://kv-cmk.vault.azure.net/keys/a/0123", "version", /32 hexadecimal/],
    ["https://kv-cmk.vault.azure.net/keys/a//", "version", /version is empty/],
  ])("rejects %j (%s)", (uri, part, message) => {
    const error = failure(uri);
    expect(error.code).toBe("InvalidKeyId");
    expect(error.part).toBe(part);
    expect(error.message).toMatch(message);
  });

  it("rejects non-string input without throwing a TypeError", () => {
    expect(() => parseKeyId(undefined as unknown as string)).toThrow(KeyIdError);
  });

  it("keeps very long inputs out of the message", () => {
    const error = failure(`https://kv-cmk.vault.azure.net/keys/${"a".repeat(5000)}`);
    expect(error.part).toBe("name");
    expect(error.message.length).toBeLessThan(700);
  });
});

describe("keyVaultDomainOf", () => {
  it("returns the vault domain for vault and managed HSM hosts", () => {
    expect(keyVaultDomainOf("kv-cmk.vault.azure.net")).toBe("vault.azure.net");
    expect(keyVaultDomainOf("Pool1.ManagedHSM.Azure.Net")).toBe("managedhsm.azure.net");
    expect(keyVaultDomainOf("kv1.vault.azure.cn")).toBe("vault.azure.cn");
  });

  it("returns undefined for other hosts and invalid vault names", () => {
    expect(keyVaultDomainOf("management.azure.com")).toBeUndefined();
    expect(keyVaultDomainOf("a.vault.azure.net")).toBeUndefined();
    expect(keyVaultDomainOf("kv.cmk.vault.azure.net")).toBeUndefined();
  });
});

describe("formatKeyId", () => {
  it("round-trips through parseKeyId", () => {
    const id = formatKeyId("https://kv-cmk.vault.azure.net/", "cmk", version);
    expect(id).toBe(`https://kv-cmk.vault.azure.net/keys/cmk/${version}`);
    expect(parseKeyId(id).versionedId).toBe(id);
    expect(formatKeyId("https://kv-cmk.vault.azure.net", "cmk")).toBe(
      "https://kv-cmk.vault.azure.net/keys/cmk",
    );
  });
});
