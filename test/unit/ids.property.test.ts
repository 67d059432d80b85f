import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseResourceId, ResourceIdError, tryParseResourceId } from "../../src/core/ids/resourceId.js";
import { armSubscriptionId } from "../../src/core/ids/armResourceId.js";
import {
  formatKeyId,
  KeyIdError,
  keyRefFromUri,
  keyVaultDomains,
  parseKeyId,
} from "../../src/core/ids/keyId.js";

const settings = { seed: 9001, numRuns: 400 };

/** Runs `parse` and returns the typed error it threw, or undefined when it returned. */
function typedFailure<E extends Error>(
  parse: () => unknown,
  type: new (...args: never[]) => E,
): E | undefined {
  try {
    parse();
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error as E;
  }
}

const hex = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-f]{${n}}$`));
const guidArb = fc.tuple(hex(8), hex(4), hex(4), hex(4), hex(12)).map((p) => p.join("-"));
const nameArb = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._()-]{0,20}$/).filter((s) => !/^\.{1,2}$/.test(s));
const namespaceArb = fc.stringMatching(/^[A-Z][a-z]{1,8}\.[A-Z][A-Za-z]{1,12}$/);
const typeArb = fc.stringMatching(/^[a-z][A-Za-z]{1,15}$/).filter((t) => t.toLowerCase() !== "providers");

/** Text that looks like resource ids, with their usual mistakes. */
const idLikeArb = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc
    .array(
      fc.oneof(
        fc.constantFrom("subscriptions", "resourceGroups", "providers", "", ".", "..", "%2e", "Microsoft.X"),
        nameArb,
        fc.string({ maxLength: 6 }),
      ),
      { maxLength: 12 },
    )
    .map((segments) => `/${segments.join("/")}`),
);

/** A valid id and the parts it was built from. */
const validIdArb = fc
  .record({
    sub: guidArb,
    rg: fc.option(nameArb, { nil: undefined }),
    ns: namespaceArb,
    pairs: fc.array(fc.tuple(typeArb, fc.oneof(nameArb, fc.constant("subscriptions"))), {
      minLength: 1,
      maxLength: 3,
    }),
    upper: fc.boolean(),
  })
  .map(({ sub, rg, ns, pairs, upper }) => {
    const keyword = (k: string) => (upper ? k.toUpperCase() : k);
    const scope = `/${keyword("subscriptions")}/${sub}${rg === undefined ? "" : `/${keyword("resourceGroups")}/${rg}`}`;
    const id = `${scope}/${keyword("providers")}/${ns}/${pairs.map(([t, n]) => `${t}/${n}`).join("/")}`;
    return { id, sub, rg, ns, pairs, scope };
  });

describe("resource id parsing (property-based)", () => {
  it("any text parses or throws ResourceIdError with code InvalidResourceId", () => {
    fc.assert(
      fc.property(idLikeArb, (text) => {
        const error = typedFailure(() => parseResourceId(text), ResourceIdError);
        if (error !== undefined) expect(error.code).toBe("InvalidResourceId");
        expect(() => tryParseResourceId(text)).not.toThrow();
        expect(() => armSubscriptionId(text)).not.toThrow();
      }),
      settings,
    );
  });

  it("values that are not strings (untyped JSON) fail typed too", () => {
    fc.assert(
      fc.property(
        fc.jsonValue().filter((v) => typeof v !== "string"),
        (value) => {
          typedFailure(() => parseResourceId(value as unknown as string), ResourceIdError);
        },
      ),
      { ...settings, numRuns: 100 },
    );
  });

  it("valid ids round-trip: parts as built, id rebuilt from its parts, trailing slashes ignored", () => {
    fc.assert(
      fc.property(validIdArb, fc.boolean(), ({ id, sub, rg, ns, pairs, scope }, trailing) => {
        const parsed = parseResourceId(trailing ? `${id}/` : id);
        expect(parsed.id).toBe(id);
        expect(parsed.subscriptionId).toBe(sub);
        expect(parsed.resourceGroup).toBe(rg);
        expect(parsed.provider).toBe(ns);
        expect(parsed.types).toEqual(pairs.map(([t]) => t));
        expect(parsed.names).toEqual(pairs.map(([, n]) => n));
        expect(parsed.type).toBe([ns, ...pairs.map(([t]) => t)].join("/"));
        expect(parsed.name).toBe(pairs[pairs.length - 1]![1]);
        expect(parsed.parentScope).toBe(scope);
        expect(parsed.isExtension).toBe(false);
        const rebuilt = `${parsed.parentScope ?? ""}/providers/${parsed.provider}/${parsed.types
          .map((t, i) => `${t}/${parsed.names[i] ?? ""}`)
          .join("/")}`;
        expect(rebuilt.toLowerCase()).toBe(id.toLowerCase());
        // The event decoder's quick check reads the same subscription.
        expect(armSubscriptionId(id)).toBe(sub);
      }),
      settings,
    );
  });

  it("an extension resource keeps the subscription of the resource it extends", () => {
    fc.assert(
      fc.property(validIdArb, guidArb, (base, assignment) => {
        const id = `${base.id}/providers/Microsoft.Authorization/roleAssignments/${assignment}`;
        const parsed = parseResourceId(id);
        expect(parsed).toMatchObject({ subscriptionId: base.sub, isExtension: true, parentScope: base.id });
      }),
      { ...settings, numRuns: 100 },
    );
  });

  it("where both parsers accept an id they agree on its subscription", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          idLikeArb,
          validIdArb.map((v) => v.id),
        ),
        (text) => {
          const parsed = tryParseResourceId(text);
          const quick = armSubscriptionId(text);
          if (parsed !== undefined && quick !== undefined) expect(quick).toBe(parsed.subscriptionId);
        },
      ),
      settings,
    );
  });
});

const vaultNameArb = fc
  .stringMatching(/^[a-z][a-z0-9]{1,10}(-[a-z0-9]{1,10})?$/)
  .filter((n) => n.length >= 3);
const keyNameArb = fc.stringMatching(/^[0-9A-Za-z-]{1,30}$/);
const versionArb = fc.stringMatching(/^[0-9a-fA-F]{32}$/);
const domainArb = fc.constantFrom(...keyVaultDomains);

/** Text that looks like key ids, with their usual mistakes. */
const keyIdLikeArb = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.webUrl({ withQueryParameters: true, withFragments: true }),
  fc
    .tuple(
      fc.constantFrom("https://", "http://", "https:/", "", "HTTPS://", "https://user:pw@"),
      fc.oneof(vaultNameArb, fc.string({ maxLength: 8 })),
      fc.constantFrom(
        ".vault.azure.net",
        ".managedhsm.azure.net",
        ".example.com",
        "",
        ".vault.azure.net:8443",
      ),
      fc.constantFrom("/keys/", "/secrets/", "/KEYS/", "//keys//", "/keys/%2e%2e/", "/"),
      fc.oneof(keyNameArb, fc.string({ maxLength: 8 })),
      fc.option(fc.oneof(versionArb, fc.string({ maxLength: 40 }), fc.constant("")), { nil: undefined }),
      fc.constantFrom("", "/", "?x=1", "#f", " ", "/extra"),
    )
    .map(
      ([scheme, vault, domain, path, name, version, tail]) =>
        `${scheme}${vault}${domain}${path}${name}${version === undefined ? "" : `/${version}`}${tail}`,
    ),
);

describe("key id parsing (property-based)", () => {
  it("any text parses or throws KeyIdError with code InvalidKeyId; keyRefFromUri never throws", () => {
    fc.assert(
      fc.property(keyIdLikeArb, (text) => {
        const error = typedFailure(() => parseKeyId(text), KeyIdError);
        if (error !== undefined) expect(error.code).toBe("InvalidKeyId");
        expect(() => keyRefFromUri(text)).not.toThrow();
      }),
      settings,
    );
  });

  it("valid key ids round-trip through parseKeyId, formatKeyId and keyRefFromUri", () => {
    fc.assert(
      fc.property(
        vaultNameArb,
        domainArb,
        keyNameArb,
        fc.option(versionArb, { nil: undefined }),
        fc.boolean(),
        (vault, domain, name, version, upperHost) => {
          const host = `${vault}.${domain}`;
          const uri = formatKeyId(`https://${upperHost ? host.toUpperCase() : host}`, name, version);
          const parsed = parseKeyId(uri);
          expect(parsed).toMatchObject({ vaultUrl: `https://${host}`, vaultHost: host, name });
          expect(parsed.version).toBe(version);
          expect(parseKeyId(formatKeyId(parsed.vaultUrl, parsed.name, parsed.version))).toEqual(parsed);
          const ref = keyRefFromUri(uri);
          expect(ref).toEqual({
            vaultUrl: parsed.vaultUrl,
            keyName: parsed.name,
            ...(version === undefined ? {} : { version }),
            keyId: formatKeyId(parsed.vaultUrl, parsed.name, parsed.version),
          });
          expect(keyRefFromUri(ref!.keyId)).toEqual(ref);
        },
      ),
      settings,
    );
  });

  it("every key id the strict parser accepts, the rules' parser reads the same way", () => {
    fc.assert(
      fc.property(keyIdLikeArb, (text) => {
        let strict;
        try {
          strict = parseKeyId(text);
        } catch {
          return;
        }
        const ref = keyRefFromUri(text.trim());
        expect(ref).toMatchObject({ vaultUrl: strict.vaultUrl });
        expect(ref?.keyName.toLowerCase()).toBe(strict.name.toLowerCase());
        expect(ref?.version?.toLowerCase()).toBe(strict.version?.toLowerCase());
      }),
      settings,
    );
  });
});
