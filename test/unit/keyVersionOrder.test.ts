import { describe, expect, it } from "vitest";
import type { KeyVersionFacts } from "../../src/core/keyStores/keyFacts.js";
import {
  chooseTarget,
  compareKeyVersions,
  isOlderThan,
  KeyVersionOrderError,
  newestVersion,
  type TargetChoice,
  type TargetChoiceCode,
} from "../../src/core/keyStores/keyVersionOrder.js";

// Version strings chosen so that their string order is the REVERSE of their creation order:
// "f..." was created first, "0..." last.
const V1 = "f3a9c1e07b5d4e2f8a6c4b2d0e9f7a5c";
const V2 = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
const V3 = "5c7e9a1b3d5f4e6a8c0b2d4f6e8a0c1e";
const V4 = "0e2c4a6b8d0f4a2c6e8b0d2f4a6c8e01";

function version(v: string, createdOn: string, overrides: Partial<KeyVersionFacts> = {}): KeyVersionFacts {
  return {
    keyId: `https://kv-cmk.vault.azure.net/keys/cmk/${v}`,
    vaultUrl: "https://kv-cmk.vault.azure.net",
    keyName: "cmk",
    version: v,
    kty: "RSA",
    keySize: 2048,
    enabled: true,
    createdOn: new Date(createdOn),
    keyOps: ["wrapKey", "unwrapKey"],
    ...overrides,
  };
}

const k1 = version(V1, "2025-01-01T00:00:00Z");
const k2 = version(V2, "2025-04-01T00:00:00Z");
const k3 = version(V3, "2025-07-01T00:00:00Z");
const k4 = version(V4, "2025-10-01T00:00:00Z");
const shuffled = [k3, k1, k4, k2];

describe("compareKeyVersions and newestVersion", () => {
  it("orders by createdOn even though the strings sort the other way", () => {
    expect([...shuffled].sort(compareKeyVersions).map((v) => v.version)).toEqual([V1, V2, V3, V4]);
    expect([V1, V2, V3, V4].sort()).toEqual([V4, V3, V2, V1]);
  });

  it("breaks createdOn ties by lower-cased version string, whatever the input order", () => {
    const a = version("00000000000000000000000000000abc", "2025-05-05T05:05:05Z");
    const b = version("00000000000000000000000000000ABD", "2025-05-05T05:05:05Z");
    expect(compareKeyVersions(a, b)).toBeLessThan(0);
    expect(compareKeyVersions(b, a)).toBeGreaterThan(0);
    expect(newestVersion([a, b])).toBe(b);
    expect(newestVersion([b, a])).toBe(b);
    expect(compareKeyVersions(a, version(a.version.toUpperCase(), "2025-05-05T05:05:05Z"))).toBe(0);
  });

  it("returns undefined for no versions and the newest otherwise", () => {
    expect(newestVersion<KeyVersionFacts>([])).toBeUndefined();
    expect(newestVersion(shuffled)).toBe(k4);
  });

  it("rejects an invalid createdOn with a stable code naming the version", () => {
    const bad = version(V2, "not a date");
    expect(() => compareKeyVersions(k1, bad)).toThrow(
      expect.objectContaining({ code: "KeyVersionCreatedOnInvalid", version: V2 }),
    );
  });
});

describe("isOlderThan", () => {
  it("compares by createdOn, and looks versions up case-insensitively", () => {
    expect(isOlderThan(V4, V1, shuffled)).toBe(false);
    expect(isOlderThan(V1, V4.toUpperCase(), shuffled)).toBe(true);
    expect(isOlderThan(V2, V2, shuffled)).toBe(false);
  });

  it("throws KeyVersionUnknown for a version not in the list", () => {
    expect(() => isOlderThan("ffffffffffffffffffffffffffffffff", V1, shuffled)).toThrow(KeyVersionOrderError);
    expect(() => isOlderThan(V1, "ffffffffffffffffffffffffffffffff", shuffled)).toThrow(
      expect.objectContaining({ code: "KeyVersionUnknown", version: "ffffffffffffffffffffffffffffffff" }),
    );
  });
});

function expectNoTarget(choice: TargetChoice, code: TargetChoiceCode): void {
  expect(choice.target).toBeUndefined();
  expect(choice.code).toBe(code);
}

describe("chooseTarget", () => {
  const all = () => true;
  const except =
    (...versions: string[]) =>
    (v: KeyVersionFacts) =>
      !versions.includes(v.version);

  it("moves to the event's version when it is the newest usable one", () => {
    const choice = chooseTarget({ eventVersion: V4, versions: shuffled, current: V3, isUsable: all });
    expect(choice.target).toBe(k4);
    expect(choice.code).toBe("EventVersion");
  });

  it("moves to a newer version than the event's when one exists (out-of-order events)", () => {
    const choice = chooseTarget({ eventVersion: V3, versions: shuffled, current: V1, isUsable: all });
    expect(choice.target).toBe(k4);
    expect(choice.code).toBe("NewerThanEventVersion");
  });

  it("falls back to the newest usable version newer than current when the event's is unusable", () => {
    const choice = chooseTarget({ eventVersion: V4, versions: shuffled, current: V1, isUsable: except(V4) });
    expect(choice.target).toBe(k3);
    expect(choice.code).toBe("EventVersionUnusable");
    expect(choice.reason).toContain(V4);
  });

  it("never moves backwards, even when the event announces an older version", () => {
    const choice = chooseTarget({ eventVersion: V2, versions: shuffled, current: V3, isUsable: all });
    expect(choice.target).toBe(k4);
    expect(choice.code).toBe("EventVersionNotNewer");
    const stuck = chooseTarget({ eventVersion: V2, versions: shuffled, current: V3, isUsable: except(V4) });
    expect(stuck.target).toBeUndefined();
    expect(stuck.code).toBe("NoUsableNewerVersion");
  });

  it("does not move when the current version is already the newest", () => {
    const choice = chooseTarget({ eventVersion: V4, versions: shuffled, current: V4, isUsable: all });
    expectNoTarget(choice, "AlreadyNewest");
  });

  it("does not move when nothing newer than current is usable, and asks only about newer versions", () => {
    const asked: string[] = [];
    const choice = chooseTarget({
      eventVersion: V4,
      versions: shuffled,
      current: V2,
      isUsable: (v) => {
        asked.push(v.version);
        return false;
      },
    });
    expectNoTarget(choice, "NoUsableNewerVersion");
    expect(asked).toEqual([V4, V3]);
  });

  it("stops asking at the first usable version from the newest down", () => {
    const asked: string[] = [];
    chooseTarget({
      eventVersion: V4,
      versions: shuffled,
      isUsable: (v) => {
        asked.push(v.version);
        return v.version === V3;
      },
    });
    expect(asked).toEqual([V4, V3]);
  });

  it("does not use string order: the lexically greatest version is the oldest", () => {
    // V1 is greatest as a string but oldest; a string-ordering bug would pick it.
    const choice = chooseTarget({ eventVersion: V1, versions: shuffled, current: V2, isUsable: all });
    expect(choice.target).toBe(k4);
  });

  it("refuses to choose when the current version is unknown", () => {
    const choice = chooseTarget({
      eventVersion: V4,
      versions: shuffled,
      current: "ffffffffffffffffffffffffffffffff",
      isUsable: all,
    });
    expectNoTarget(choice, "CurrentVersionUnknown");
  });

  it("without a current version, picks the newest usable version", () => {
    const choice = chooseTarget({ eventVersion: V2, versions: shuffled, isUsable: except(V4) });
    expect(choice.target).toBe(k3);
    expect(choice.code).toBe("NewerThanEventVersion");
  });

  it("still chooses when the event's version is not listed yet", () => {
    const choice = chooseTarget({
      eventVersion: "ffffffffffffffffffffffffffffffff",
      versions: shuffled,
      current: V1,
      isUsable: all,
    });
    expect(choice).toMatchObject({ target: k4, code: "EventVersionUnknown" });
  });

  it("names no event when there is none (a catch-up or manual rotation of an unversioned key)", () => {
    const choice = chooseTarget({ eventVersion: "", versions: shuffled, current: V1, isUsable: all });
    expect(choice).toMatchObject({
      target: k4,
      code: "NewestUsableVersion",
      reason: `moving to ${V4}, the newest usable version`,
    });
    expect(choice.reason).not.toMatch(/event/);
  });

  it("matches the event and current versions case-insensitively", () => {
    const choice = chooseTarget({
      eventVersion: V4.toUpperCase(),
      versions: shuffled,
      current: V3.toUpperCase(),
      isUsable: all,
    });
    expect(choice).toMatchObject({ target: k4, code: "EventVersion" });
  });

  it("resolves same-second versions deterministically whatever the listing order", () => {
    const a = version("1111111111111111111111111111111a", "2025-12-01T00:00:00Z");
    const b = version("1111111111111111111111111111111b", "2025-12-01T00:00:00Z");
    for (const versions of [
      [k1, a, b],
      [b, k1, a],
    ]) {
      expect(chooseTarget({ eventVersion: a.version, versions, current: V1, isUsable: all }).target).toBe(b);
    }
  });

  it("handles a key with no versions", () => {
    expectNoTarget(chooseTarget({ eventVersion: V1, versions: [], isUsable: all }), "AlreadyNewest");
  });
});
