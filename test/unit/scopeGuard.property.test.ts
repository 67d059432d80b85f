import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  inScope,
  isUnrestricted,
  resourceScopeVerdict,
  type ResolvedScope,
} from "../../src/core/decisions/scopeGuard.js";

const settings = { seed: 20261122, numRuns: 300 };

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const guidArb = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((parts) => parts.join("-"));

/** Random upper/lower casing of the ASCII letters, as ids arrive from different tools. */
const recase = (value: string) =>
  fc
    .array(fc.boolean(), { minLength: value.length, maxLength: value.length })
    .map((flips) => value.replace(/[a-z]/g, (c, i: number) => (flips[i] === true ? c.toUpperCase() : c)));

/** A name segment: anything a URL keeps as one literal segment, unicode included. */
const nameArb = fc
  .string({ unit: "grapheme", minLength: 1, maxLength: 12 })
  .filter(
    (s) =>
      !/[/\\?#]/.test(s) &&
      ![...Array(s.length).keys()].some((i) => s.charCodeAt(i) < 0x20 || s.charCodeAt(i) === 0x7f) &&
      !/^(\.|%2e){1,2}$/i.test(s) &&
      s.toLowerCase() !== "providers" &&
      s.toLowerCase() !== "resourcegroups",
  );
const namespaceArb = fc.constantFrom(
  "Microsoft.Compute",
  "Microsoft.CognitiveServices",
  "Microsoft.MachineLearningServices",
  "Microsoft.KeyVault",
  "Contoso.Custom",
);

/** A valid resource id in `sub`: names may be "subscriptions", other GUIDs, unicode. */
const resourceIdIn = (sub: string) =>
  fc
    .record({
      rg: fc.option(nameArb, { nil: undefined }),
      ns: namespaceArb,
      pairs: fc.array(
        fc.tuple(
          fc.oneof(nameArb, fc.constant("subscriptions")),
          fc.oneof(nameArb, guidArb, fc.constant("subscriptions")),
        ),
        { minLength: 1, maxLength: 3 },
      ),
      trailingSlash: fc.boolean(),
    })
    .map(({ rg, ns, pairs, trailingSlash }) => {
      const base = `/subscriptions/${sub}${rg === undefined ? "" : `/resourceGroups/${rg}`}`;
      const tail = pairs.map(([t, n]) => `${t}/${n}`).join("/");
      return `${base}/providers/${ns}/${tail}${trailingSlash ? "/" : ""}`;
    });

const scopeArb = fc.record({
  subscriptions: fc.array(guidArb, { maxLength: 3 }),
  managementGroupSubscriptions: fc.option(fc.array(guidArb, { maxLength: 3 }), { nil: undefined }),
});

function allowed(scope: ResolvedScope): string[] {
  return [...scope.subscriptions, ...(scope.managementGroupSubscriptions ?? [])];
}

describe("scope guard (property-based)", () => {
  it("accepts a resource id iff its subscription is in scope, whatever the casing", () => {
    fc.assert(
      fc.property(scopeArb, guidArb, fc.boolean(), (scope, other, pickAllowed) => {
        const candidates = allowed(scope);
        const sub = pickAllowed && candidates.length > 0 ? candidates[0]! : other;
        const expected =
          isUnrestricted(scope) || candidates.some((s) => s.toLowerCase() === sub.toLowerCase());
        fc.assert(
          fc.property(
            recase(sub).chain((cased) => resourceIdIn(cased)),
            (id) => {
              const verdict = resourceScopeVerdict(id, scope);
              expect(verdict.inScope).toBe(expected);
              if (!verdict.inScope) expect(verdict.code).toBe("OutOfScope");
            },
          ),
          { seed: 7, numRuns: 5 },
        );
      }),
      settings,
    );
  });

  it("never accepts an id that a URL would resolve elsewhere, even in an allowed subscription", () => {
    const trick = fc.constantFrom(
      "..",
      ".",
      "%2e%2e",
      ".%2E",
      "%2e",
      "a\\..\\..",
      "a?x=/subscriptions/",
      "a#frag",
      "a\tb",
      "a\nb",
      "",
    );
    fc.assert(
      fc.property(guidArb, guidArb, trick, fc.integer({ min: 1, max: 4 }), (inside, outside, bad, pairs) => {
        const scope: ResolvedScope = { subscriptions: [inside] };
        // Well-formed as type/name pairs, so only the segment text itself can make it fail.
        const climb = Array.from({ length: pairs * 2 }, () => bad).join("/");
        const id =
          `/subscriptions/${inside}/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/x/${climb}` +
          `/subscriptions/${outside}/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des`;
        const verdict = resourceScopeVerdict(id, scope);
        expect(verdict.inScope).toBe(false);
        // Leading or doubled slashes never pass either.
        expect(resourceScopeVerdict(`/${id}`, scope).inScope).toBe(false);
      }),
      settings,
    );
  });

  it("reads the subscription from the first segment only: a nested /subscriptions/ never widens the scope", () => {
    fc.assert(
      fc.property(guidArb, guidArb, nameArb, (inside, outside, name) => {
        fc.pre(inside !== outside);
        const scope: ResolvedScope = { subscriptions: [inside] };
        const nested = `/subscriptions/${outside}/resourceGroups/rg/providers/Microsoft.Compute/disks/${name}/subscriptions/${inside}`;
        expect(resourceScopeVerdict(nested, scope)).toMatchObject({ inScope: false, code: "OutOfScope" });
        const named = `/subscriptions/${inside}/resourceGroups/subscriptions/providers/Microsoft.Compute/disks/${outside}`;
        expect(resourceScopeVerdict(named, scope).inScope).toBe(true);
      }),
      settings,
    );
  });

  it("compares ASCII case only: look-alike Unicode never matches a configured subscription", () => {
    fc.assert(
      fc.property(
        guidArb,
        fc.nat(),
        fc.constantFrom("\u212a", "\u0130", "\uff41", "\u0430", "\u00e0"),
        (sub, at, odd) => {
          const scope: ResolvedScope = { subscriptions: [sub] };
          const i = at % sub.length;
          const mutated = `${sub.slice(0, i)}${odd}${sub.slice(i + 1)}`;
          expect(inScope(mutated, scope)).toBe(false);
          expect(inScope(sub.toUpperCase(), scope)).toBe(true);
        },
      ),
      settings,
    );
  });

  it("management groups configured but empty allow nothing; no scope at all allows every valid id", () => {
    fc.assert(
      fc.property(guidArb, (sub) => {
        const id = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/disks/d`;
        expect(
          resourceScopeVerdict(id, { subscriptions: [], managementGroupSubscriptions: [] }).inScope,
        ).toBe(false);
        expect(resourceScopeVerdict(id, { subscriptions: [] }).inScope).toBe(true);
        expect(resourceScopeVerdict("not an id", { subscriptions: [] })).toMatchObject({
          inScope: false,
          code: "InvalidResourceId",
        });
      }),
      { ...settings, numRuns: 50 },
    );
  });
});
