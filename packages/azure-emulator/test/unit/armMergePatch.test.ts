import { describe, expect, it } from "vitest";
import { applyMergePatch } from "../../src/arm/jsonMergePatch.js";

describe("applyMergePatch (RFC 7386)", () => {
  // Test cases from RFC 7386 appendix A.
  it.each([
    [{ a: "b" }, { a: "c" }, { a: "c" }],
    [{ a: "b" }, { b: "c" }, { a: "b", b: "c" }],
    [{ a: "b" }, { a: null }, {}],
    [{ a: "b", b: "c" }, { a: null }, { b: "c" }],
    [{ a: ["b"] }, { a: "c" }, { a: "c" }],
    [{ a: "c" }, { a: ["b"] }, { a: ["b"] }],
    [{ a: { b: "c" } }, { a: { b: "d", c: null } }, { a: { b: "d" } }],
    [{ a: [{ b: "c" }] }, { a: [1] }, { a: [1] }],
    [
      ["a", "b"],
      ["c", "d"],
      ["c", "d"],
    ],
    [{ a: "b" }, ["c"], ["c"]],
    [{ a: "foo" }, null, null],
    [{ a: "foo" }, "bar", "bar"],
    [{ e: null }, { a: 1 }, { e: null, a: 1 }],
    [[1, 2], { a: "b", c: null }, { a: "b" }],
    [{}, { a: { bb: { ccc: null } } }, { a: { bb: {} } }],
  ])("%j + %j = %j", (target, patch, expected) => {
    expect(applyMergePatch(target, patch)).toEqual(expected);
  });

  it("merges nested ARM properties and leaves the inputs untouched", () => {
    const stored = {
      id: "/x",
      tags: { env: "prod" },
      properties: { activeKey: { keyUrl: "https://v/keys/k/1", sourceVault: { id: "/v" } }, rotation: true },
    };
    const patch = { properties: { activeKey: { keyUrl: "https://v/keys/k/2" } } };
    const before = structuredClone(stored);
    const merged = applyMergePatch(stored, patch) as typeof stored;
    expect(merged.properties.activeKey).toEqual({ keyUrl: "https://v/keys/k/2", sourceVault: { id: "/v" } });
    expect(merged.properties.rotation).toBe(true);
    expect(stored).toEqual(before);
    merged.tags.env = "changed";
    expect(stored.tags.env).toBe("prod");
  });
});
