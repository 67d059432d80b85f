import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { decodeDelivery, decodeDeliveryText } from "../../src/core/events/decodeDelivery.js";
import type { KeyVaultKeyEvent } from "../../src/core/events/domainEvents.js";

const fixture = (path: string): string =>
  readFileSync(new URL(`../fixtures/events/${path}`, import.meta.url), "utf8");

const VERSION = "9b8a7c6d5e4f40312a1b0c9d8e7f6a5b";
const KEY_ID = `https://kv-cmk.vault.azure.net/keys/cmk-aoai/${VERSION}`;

/** A Key Vault KeyNewVersionCreated event in the Event Grid schema with the given data. */
function keyEvent(data: Record<string, unknown>): Record<string, unknown> {
  return {
    id: "e1",
    topic: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-cmk",
    subject: "cmk-aoai",
    eventType: "Microsoft.KeyVault.KeyNewVersionCreated",
    eventTime: "2026-02-01T00:00:00Z",
    data,
    dataVersion: "1",
    metadataVersion: "1",
  };
}

const pascal = {
  Id: KEY_ID,
  VaultName: "kv-cmk",
  ObjectType: "Key",
  ObjectName: "cmk-aoai",
  Version: VERSION,
  NBF: 1769904000,
  EXP: 1801440000,
};

function decodeKey(data: Record<string, unknown>): KeyVaultKeyEvent {
  const { events, errors } = decodeDelivery(keyEvent(data));
  expect(errors).toEqual([]);
  return events[0] as KeyVaultKeyEvent;
}

function errorFor(data: Record<string, unknown>): { field: string; message: string } {
  const { events, errors } = decodeDelivery([keyEvent(data)]);
  expect(events).toEqual([]);
  expect(errors).toHaveLength(1);
  return { field: errors[0]!.field, message: errors[0]!.message };
}

describe("Key Vault event data keys", () => {
  it("reads the documented PascalCase keys", () => {
    expect(decodeKey(pascal)).toMatchObject({ keyName: "cmk-aoai", version: VERSION, keyId: KEY_ID });
  });

  it("reads camelCase keys (the casing of @azure/eventgrid's typings)", () => {
    const event = decodeKey({
      id: KEY_ID,
      vaultName: "kv-cmk",
      objectType: "Key",
      objectName: "cmk-aoai",
      version: VERSION,
      nbf: 1769904000,
      exp: 1801440000,
    });
    expect(event).toMatchObject({
      keyId: KEY_ID,
      notBefore: new Date(1769904000 * 1000),
      expiresOn: new Date(1801440000 * 1000),
    });
  });

  it("reads the docs sample's stray spaces in key names and values", () => {
    const { events, errors } = decodeDeliveryText(fixture("tolerant/key-docs-sample-style.json"));
    expect(errors).toEqual([]);
    expect(events[0]).toMatchObject({
      kind: "KeyNewVersionCreated",
      keyName: "cmk-des",
      version: "ee059b2bb5bc48398a53b168c6cdcb10",
      notBefore: new Date(1768439313 * 1000),
      expiresOn: new Date(1799975313 * 1000),
    });
  });

  it("reads a camelCase CloudEvent with a null NBF and no EXP", () => {
    const { events, errors } = decodeDeliveryText(fixture("tolerant/key-camel-case-null-dates.json"));
    expect(errors).toEqual([]);
    const event = events[0] as KeyVaultKeyEvent;
    expect(event).toMatchObject({ schema: "CloudEvents", keyName: "cmk-ml", vaultName: "kv-cmk" });
    expect(event.notBefore).toBeUndefined();
    expect(event.expiresOn).toBeUndefined();
  });

  it("rejects the same key sent twice with different values", () => {
    const { field, message } = errorFor({ ...pascal, version: "0000" });
    expect(field).toBe("[0].data.version");
    expect(message).toContain("[0].data.Version");
  });

  it("accepts the same key sent twice with the same value", () => {
    expect(decodeKey({ ...pascal, version: VERSION }).version).toBe(VERSION);
  });
});

describe("Key Vault event NBF and EXP", () => {
  it.each([
    ["a number", 1801440000, new Date("2027-02-01T00:00:00Z")],
    ["a numeric string", "1801440000", new Date("2027-02-01T00:00:00Z")],
    ["a numeric string with spaces", " 1801440000 ", new Date("2027-02-01T00:00:00Z")],
    ["a fractional number", 1801440000.5, new Date("2027-02-01T00:00:00.500Z")],
    ["null", null, undefined],
    ["an empty string", "", undefined],
  ])("reads EXP as %s", (_label, exp, expected) => {
    expect(decodeKey({ ...pascal, EXP: exp }).expiresOn).toEqual(expected);
  });

  it("treats absent NBF and EXP as not set", () => {
    const { NBF: _nbf, EXP: _exp, ...rest } = pascal;
    const event = decodeKey(rest);
    expect(event.notBefore).toBeUndefined();
    expect(event.expiresOn).toBeUndefined();
  });

  it.each([
    ["a date string", "2027-01-31", /expected epoch seconds .* got "2027-01-31"/],
    ["a boolean", true, /got a boolean/],
    ["an object", { seconds: 1 }, /got an object/],
    ["a negative number", -5, /between 1970/],
    ["an out-of-range number", 1e20, /between 1970/],
  ])("rejects NBF as %s, naming data.NBF", (_label, nbf, message) => {
    const error = errorFor({ ...pascal, NBF: nbf });
    expect(error.field).toBe("[0].data.NBF");
    expect(error.message).toMatch(message);
  });
});

describe("Key Vault event Id, Version and ObjectName", () => {
  it("derives the vault URL from the Id's host and keeps the vault name when sent", () => {
    const event = decodeKey({ ...pascal, Id: `https://KV-CMK.vault.azure.net/keys/cmk-aoai/${VERSION}` });
    expect(event.vaultUrl).toBe("https://kv-cmk.vault.azure.net");
    expect(event.keyId).toBe(KEY_ID);
    expect(event.vaultName).toBe("kv-cmk");
  });

  it("derives the vault name from the Id's host when VaultName is absent", () => {
    const { VaultName: _v, ...rest } = pascal;
    const event = decodeKey({
      ...rest,
      Id: `https://kv-other.vault.usgovcloudapi.net/keys/cmk-aoai/${VERSION}`,
    });
    expect(event.vaultName).toBe("kv-other");
    expect(event.vaultUrl).toBe("https://kv-other.vault.usgovcloudapi.net");
  });

  it("decodes with only the Id in data", () => {
    const event = decodeKey({ Id: KEY_ID });
    expect(event).toMatchObject({ keyName: "cmk-aoai", version: VERSION, vaultName: "kv-cmk" });
  });

  it("compares Version and ObjectName with the Id case-insensitively", () => {
    const event = decodeKey({ ...pascal, Version: VERSION.toUpperCase(), ObjectName: "CMK-AOAI" });
    expect(event.version).toBe(VERSION);
  });

  it("rejects a Version that differs from the Id's version, naming data.Version", () => {
    const error = errorFor({ ...pascal, Version: "0123456789abcdef0123456789abcdef" });
    expect(error.field).toBe("[0].data.Version");
    expect(error.message).toBe(
      `[0].data.Version: "0123456789abcdef0123456789abcdef" does not match the version "${VERSION}" in [0].data.Id`,
    );
  });

  it("rejects an ObjectName that differs from the Id's key name", () => {
    const error = errorFor({ ...pascal, ObjectName: "cmk-other" });
    expect(error.field).toBe("[0].data.ObjectName");
    expect(error.message).toContain('"cmk-other" does not match the key name "cmk-aoai"');
  });

  it("names a key with a stray space as sent", () => {
    const { ObjectName: _o, ...rest } = pascal;
    const error = errorFor({ ...rest, "ObjectName ": "cmk-other" });
    expect(error.field).toBe('[0].data["ObjectName "]');
  });

  it("rejects an ObjectType other than Key", () => {
    expect(errorFor({ ...pascal, ObjectType: "Secret" }).field).toBe("[0].data.ObjectType");
  });

  it.each([
    ["missing", undefined, /missing; expected a non-empty string/],
    ["a number", 42, /expected a non-empty string, got a number/],
    ["empty", "  ", /got an empty string/],
    ["not a URI", "cmk-aoai", /"cmk-aoai": not an absolute URL/],
    ["http", `http://kv-cmk.vault.azure.net/keys/cmk-aoai/${VERSION}`, /the scheme must be https/],
    ["unversioned", "https://kv-cmk.vault.azure.net/keys/cmk-aoai", /has no key version/],
    ["unversioned with a slash", "https://kv-cmk.vault.azure.net/keys/cmk-aoai/", /has no key version/],
    [
      "a secret URI",
      `https://kv-cmk.vault.azure.net/secrets/cmk-aoai/${VERSION}`,
      /must start with \/keys\//,
    ],
    ["too long a path", `${KEY_ID}/x`, /the path must be \/keys\/\{name\}/],
    ["with a query", `${KEY_ID}?api-version=7.5`, /no query string or fragment/],
    ["not on a Key Vault host", `https://example.com/keys/cmk-aoai/${VERSION}`, /not a Key Vault host/],
    ["a bad key name", `https://kv-cmk.vault.azure.net/keys/cmk_aoai/${VERSION}`, /key name "cmk_aoai"/],
    ["a bad version", "https://kv-cmk.vault.azure.net/keys/cmk-aoai/v-1", /32 hexadecimal characters/],
  ])("rejects an Id that is %s, naming data.Id", (_label, id, message) => {
    const { Id: _id, ...rest } = pascal;
    const error = errorFor(id === undefined ? rest : { ...rest, Id: id });
    expect(error.field).toBe("[0].data.Id");
    expect(error.message).toMatch(message);
  });

  it("sets vaultArmId only when the topic is a vault's ARM id", () => {
    const { events } = decodeDelivery({ ...keyEvent(pascal), topic: "/subscriptions/s1" });
    expect((events[0] as KeyVaultKeyEvent).vaultArmId).toBeUndefined();
    expect(decodeKey(pascal).vaultArmId).toBe(
      "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-cmk",
    );
  });

  it("uses the key name as subject when a CloudEvent has none", () => {
    const { events } = decodeDelivery({
      specversion: "1.0",
      id: "c1",
      source: "/subscriptions/s1/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-cmk",
      type: "Microsoft.KeyVault.KeyNearExpiry",
      time: "2026-02-01T00:00:00Z",
      data: pascal,
    });
    expect(events[0]).toMatchObject({ kind: "KeyNearExpiry", subject: "cmk-aoai" });
  });
});
