import { beforeEach, describe, expect, it } from "vitest";
import { EmulatorCredential, principalFromAuthorization } from "../../src/emulatorCredential.js";
import type { EmulatorRequest, EmulatorResponse, SurfaceHandler } from "../../src/emulatorTypes.js";
import { createKeyVaultHandler } from "../../src/keyvault/keyVaultHandler.js";
import { TenantState } from "../../src/tenantState.js";
import { aoaiVersions, keyVaultTenant, tenantId } from "./keyVaultFixture.js";

const now = Date.parse("2026-03-01T12:00:00Z");
const api = "api-version=2025-07-01";

interface Call {
  method?: string;
  body?: unknown;
  token?: string | null;
}

async function tokenFor(scope: string, tenant = tenantId): Promise<string> {
  const credential = new EmulatorCredential({
    objectId: "00000000-0000-0000-0000-0000000000aa",
    tenantId: tenant,
  });
  return (await credential.getToken(scope)).token;
}

describe("Key Vault keys handler", () => {
  let state: TenantState;
  let handler: SurfaceHandler;
  let vaultToken: string;

  beforeEach(async () => {
    state = new TenantState(keyVaultTenant());
    handler = createKeyVaultHandler(state);
    vaultToken = await tokenFor("https://vault.azure.net/.default");
  });

  async function call(url: string, { method = "GET", body, token }: Call = {}): Promise<EmulatorResponse> {
    const bearer = token === null ? undefined : `Bearer ${token ?? vaultToken}`;
    const request: EmulatorRequest = {
      method,
      url: new URL(url),
      headers: bearer === undefined ? {} : { authorization: bearer },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    };
    const principal = principalFromAuthorization(bearer) ?? { objectId: "anonymous" };
    return handler(request, { principal, now });
  }

  function json(response: EmulatorResponse): Record<string, unknown> {
    return JSON.parse(response.body ?? "null") as Record<string, unknown>;
  }

  function errorOf(response: EmulatorResponse): { code: string; message: string } {
    return (json(response) as { error: { code: string; message: string } }).error;
  }

  describe("challenge handshake", () => {
    it("answers a request without a token with 401 and the challenge naming the tenant and resource", async () => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`, { token: null });
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toBe(
        `Bearer authorization="https://login.microsoftonline.com/${tenantId}", resource="https://vault.azure.net"`,
      );
      expect(errorOf(response).code).toBe("Unauthorized");
    });

    it("challenges before looking at the api-version or the body", async () => {
      const response = await call("https://kv-cmk.vault.azure.net/keys/new-key/create", {
        method: "POST",
        token: null,
      });
      expect(response.status).toBe(401);
    });

    it("refuses a token issued for another audience, with the challenge", async () => {
      const armToken = await tokenFor("https://management.azure.com/.default");
      const response = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`, {
        token: armToken,
      });
      expect(response.status).toBe(401);
      expect(response.headers["www-authenticate"]).toContain('resource="https://vault.azure.net"');
      expect(errorOf(response).message).toMatch(/Invalid audience.*found: https:\/\/management\.azure\.com/);
    });

    it("refuses a token from another tenant", async () => {
      const foreign = await tokenFor(
        "https://vault.azure.net/.default",
        "99999999-0000-0000-0000-000000000000",
      );
      const response = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`, { token: foreign });
      expect(response.status).toBe(401);
      expect(errorOf(response).message).toMatch(/AKV10032/);
    });

    it("accepts the audience with a trailing slash", async () => {
      const token = await tokenFor("https://vault.azure.net//.default");
      expect((await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`, { token })).status).toBe(
        200,
      );
    });
  });

  describe("requests Key Vault refuses", () => {
    it("answers 404 VaultNotFound for a vault host the tenant does not have, even without a token", async () => {
      const response = await call(`https://kv-missing.vault.azure.net/keys/a?${api}`, { token: null });
      expect(response.status).toBe(404);
      expect(errorOf(response).code).toBe("VaultNotFound");
    });

    it("answers 400 BadParameter without an api-version, and for an unknown one", async () => {
      const missing = await call("https://kv-cmk.vault.azure.net/keys/cmk-aoai");
      expect(missing.status).toBe(400);
      expect(errorOf(missing)).toEqual({
        code: "BadParameter",
        message: expect.stringContaining("api-version") as unknown,
      });
      const unknown = await call("https://kv-cmk.vault.azure.net/keys/cmk-aoai?api-version=1.0");
      expect(unknown.status).toBe(400);
      expect(errorOf(unknown).message).toContain("(1.0) is not recognized");
    });

    it("answers 404 KeyNotFound naming the key, or the key and version", async () => {
      const noKey = await call(`https://kv-cmk.vault.azure.net/keys/nope?${api}`);
      expect(noKey.status).toBe(404);
      expect(errorOf(noKey)).toEqual({
        code: "KeyNotFound",
        message: expect.stringMatching(
          /^A key with \(name\/id\) nope was not found in this key vault\./,
        ) as unknown,
      });
      const noVersion = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${"d".repeat(32)}?${api}`);
      expect(noVersion.status).toBe(404);
      expect(errorOf(noVersion).message).toContain(`(name/id) cmk-aoai/${"d".repeat(32)} was not found`);
      const badName = await call(`https://kv-cmk.vault.azure.net/keys/bad_name?${api}`);
      expect(badName.status).toBe(404);
    });

    it("answers 501 NotImplemented for operations the emulator does not serve", async () => {
      // Purging a deleted key is not served (deleting and recovering are).
      const purged = await call(`https://kv-cmk.vault.azure.net/deletedkeys/cmk-aoai?${api}`, {
        method: "DELETE",
      });
      expect(purged.status).toBe(501);
      expect(errorOf(purged).code).toBe("NotImplemented");
      expect((await call(`https://kv-cmk.vault.azure.net/secrets/s1?${api}`)).status).toBe(501);
      const wrap = await call(
        `https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.newest}/wrapkey?${api}`,
        {
          method: "POST",
          body: {},
        },
      );
      expect(wrap.status).toBe(501);
    });

    it.each([
      [{}, /kty is required/],
      [{ kty: "oct" }, /kty has invalid value "oct"/],
      [{ kty: "RSA", key_size: 1024 }, /key_size has invalid value 1024/],
      [{ kty: "RSA", crv: "P-256" }, /crv is only valid for EC/],
      [{ kty: "EC", crv: "P-192" }, /crv has invalid value "P-192"/],
      [{ kty: "RSA", key_ops: ["wrapKey", "fly"] }, /key_ops has invalid value "fly"/],
      [{ kty: "RSA", attributes: { exp: "tomorrow" } }, /attributes\.exp must be a time/],
      [{ kty: "RSA", attributes: { enabled: "yes" } }, /attributes\.enabled/],
      [{ kty: "RSA", tags: { a: 1 } }, /tags must be an object whose values are strings/],
      ["{not json", /not valid JSON/],
    ])("refuses create body %j with 400 BadParameter", async (body, message) => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys/new-key/create?${api}`, {
        method: "POST",
        body,
      });
      expect(response.status).toBe(400);
      expect(errorOf(response).code).toBe("BadParameter");
      expect(errorOf(response).message).toMatch(message);
      expect(state.keyVersions("https://kv-cmk.vault.azure.net", "new-key")).toBeUndefined();
    });

    it("refuses release policies with 501 rather than dropping them", async () => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys/new-key/create?${api}`, {
        method: "POST",
        body: { kty: "RSA", release_policy: { data: "e30" } },
      });
      expect(response.status).toBe(501);
    });

    it("refuses a key name Key Vault would not accept", async () => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys/bad_name/create?${api}`, {
        method: "POST",
        body: { kty: "RSA" },
      });
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toContain("'bad_name'");
    });
  });

  describe("reading keys", () => {
    it("returns the newest version by createdOn as the latest, whatever the file order and id order", async () => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`);
      expect(response.status).toBe(200);
      const body = json(response) as {
        key: { kid: string; kty: string; n: string; e: string };
        tags: unknown;
      };
      expect(body.key.kid).toBe(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.newest}`);
      expect(body.key.e).toBe("AQAB");
      expect(Buffer.from(body.key.n, "base64url").length).toBe(3072 / 8);
      expect(body.tags).toEqual({ owner: "platform" });
    });

    it("sends attributes in epoch seconds with the vault's recovery level", async () => {
      const body = json(
        await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.newest}?${api}`),
      );
      expect(body.attributes).toEqual({
        enabled: true,
        nbf: Date.parse("2025-09-01T00:00:00Z") / 1000,
        exp: Date.parse("2027-01-01T00:00:00Z") / 1000,
        created: Date.parse("2025-09-01T00:00:00Z") / 1000,
        updated: Date.parse("2025-09-01T00:00:00Z") / 1000,
        recoveryLevel: "Recoverable",
        recoverableDays: 90,
        key_size: 3072,
        exportable: false,
      });
      const short = json(await call(`https://kv-short.vault.azure.net/keys/disk-key?${api}`)) as {
        attributes: { recoveryLevel: string; recoverableDays: number; nbf?: number };
      };
      expect(short.attributes.recoveryLevel).toBe("CustomizedRecoverable+Purgeable");
      expect(short.attributes.recoverableDays).toBe(7);
      expect("nbf" in short.attributes).toBe(false);
    });

    it("returns a disabled version with enabled false (Key Vault still serves its public key)", async () => {
      const body = json(
        await call(`https://kv-cmk.vault.azure.net/keys/CMK-AOAI/${aoaiVersions.middle}?${api}`),
      ) as {
        key: { kid: string; kty: string; n: string };
        attributes: { enabled: boolean };
      };
      expect(body.attributes.enabled).toBe(false);
      expect(body.key.kty).toBe("RSA-HSM");
      expect(body.key.kid).toBe(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.middle}`);
      const n = Buffer.from(body.key.n, "base64url");
      expect(n.length).toBe(512);
      expect((n[0] ?? 0) & 0x80).toBe(0x80);
    });

    it("gives the same modulus on every call and different moduli to different versions", async () => {
      const first = json(
        await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.oldest}?${api}`),
      );
      const again = json(
        await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.oldest}?${api}`),
      );
      const other = json(await call(`https://kv-short.vault.azure.net/keys/disk-key?${api}`));
      const n = (b: Record<string, unknown>) => (b.key as { n: string }).n;
      expect(n(again)).toBe(n(first));
      expect(n(other)).not.toBe(n(first));
      expect(Buffer.from(n(first), "base64url").length).toBe(256);
    });

    it("returns EC keys with crv, x and y of the curve's length and no RSA members", async () => {
      const body = json(await call(`https://kv-cmk.vault.azure.net/keys/cmk-ec?${api}`)) as {
        key: Record<string, unknown>;
      };
      expect(body.key).toMatchObject({ kty: "EC", crv: "P-384", key_ops: ["sign", "verify"] });
      expect(Buffer.from(body.key.x as string, "base64url").length).toBe(48);
      expect(Buffer.from(body.key.y as string, "base64url").length).toBe(48);
      expect(body.key.n).toBeUndefined();
    });
  });

  describe("listing", () => {
    it("lists versions in id order, pages with an absolute nextLink, and ends with nextLink null", async () => {
      const first = json(
        await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/versions?${api}&maxresults=2`),
      ) as {
        value: { kid: string }[];
        nextLink: string;
      };
      expect(first.value.map((v) => v.kid.split("/").at(-1))).toEqual([
        aoaiVersions.middle,
        aoaiVersions.newest,
      ]);
      expect(first.nextLink).toMatch(
        /^https:\/\/kv-cmk\.vault\.azure\.net:443\/keys\/cmk-aoai\/versions\?api-version=2025-07-01&\$skiptoken=[\w-]+&maxresults=2$/,
      );
      const second = json(await call(first.nextLink)) as { value: { kid: string }[]; nextLink: unknown };
      expect(second.value.map((v) => v.kid.split("/").at(-1))).toEqual([aoaiVersions.oldest]);
      expect(second.nextLink).toBeNull();
    });

    it("keeps paging stable when a version is created between pages", async () => {
      const first = json(
        await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/versions?${api}&maxresults=1`),
      ) as {
        value: { kid: string }[];
        nextLink: string;
      };
      await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/create?${api}`, {
        method: "POST",
        body: { kty: "RSA" },
      });
      const seen = first.value.map((v) => v.kid);
      let link: string | null = first.nextLink;
      while (link !== null) {
        const page = json(await call(link)) as { value: { kid: string }[]; nextLink: string | null };
        seen.push(...page.value.map((v) => v.kid));
        link = page.nextLink;
      }
      // The new version shows up or not depending on where its id sorts; the old ones exactly once.
      expect(new Set(seen).size).toBe(seen.length);
      for (const version of Object.values(aoaiVersions)) {
        expect(seen.filter((kid) => kid.endsWith(`/${version}`))).toHaveLength(1);
      }
    });

    it("lists versions of a key that does not exist as an empty list", async () => {
      const body = json(await call(`https://kv-cmk.vault.azure.net/keys/nope/versions?${api}`));
      expect(body).toEqual({ value: [], nextLink: null });
    });

    it("lists keys with unversioned kids and the latest version's attributes", async () => {
      const body = json(await call(`https://kv-cmk.vault.azure.net/keys?${api}`)) as {
        value: { kid: string; attributes: { created: number }; tags?: unknown }[];
      };
      expect(body.value.map((k) => k.kid)).toEqual([
        "https://kv-cmk.vault.azure.net/keys/cmk-aoai",
        "https://kv-cmk.vault.azure.net/keys/cmk-ec",
      ]);
      expect(body.value[0]?.attributes.created).toBe(Date.parse("2025-09-01T00:00:00Z") / 1000);
      expect(body.value[0]?.tags).toEqual({ owner: "platform" });
      expect(json(await call(`https://kv-bare.vault.azure.net/keys?${api}`))).toEqual({
        value: [],
        nextLink: null,
      });
    });

    it.each(["0", "26", "x", "1.5"])("refuses maxresults=%s", async (value) => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys?${api}&maxresults=${value}`);
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toContain("maxresults");
    });

    it("refuses a $skiptoken it did not issue", async () => {
      const response = await call(`https://kv-cmk.vault.azure.net/keys?${api}&$skiptoken=garbage`);
      expect(response.status).toBe(400);
      expect(errorOf(response).message).toContain("$skiptoken");
    });
  });

  describe("writing keys", () => {
    it("creates a version with Key Vault's defaults and stores it in the tenant", async () => {
      const response = await call(`https://kv-bare.vault.azure.net/keys/new-key/create?${api}`, {
        method: "POST",
        body: { kty: "RSA" },
      });
      expect(response.status).toBe(200);
      const body = json(response) as {
        key: { kid: string; key_ops: string[]; n: string };
        attributes: unknown;
      };
      const version = body.key.kid.split("/").at(-1) ?? "";
      expect(version).toMatch(/^[0-9a-f]{32}$/);
      expect(body.key.key_ops).toEqual(["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"]);
      expect(Buffer.from(body.key.n, "base64url").length).toBe(256);
      expect(body.attributes).toEqual({
        enabled: true,
        created: now / 1000,
        updated: now / 1000,
        recoveryLevel: "Recoverable+Purgeable",
        recoverableDays: 90,
        key_size: 2048,
        exportable: false,
      });
      expect(state.toTenantFile().keyVaults["https://kv-bare.vault.azure.net"]?.keys["new-key"]).toEqual([
        {
          version,
          kty: "RSA",
          keySize: 2048,
          enabled: true,
          createdOn: new Date(now).toISOString(),
          notBefore: null,
          expiresOn: null,
          keyOps: ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"],
        },
      ]);
    });

    it("honours key_size, key_ops, nbf, exp, enabled and tags on create; the new version becomes the latest", async () => {
      const nbf = Date.parse("2026-04-01T00:00:00Z") / 1000;
      const exp = Date.parse("2028-04-01T00:00:00Z") / 1000;
      const created = json(
        await call(`https://kv-cmk.vault.azure.net/keys/Cmk-Aoai/create?${api}`, {
          method: "POST",
          body: {
            kty: "RSA-HSM",
            key_size: 4096,
            key_ops: ["wrapKey", "unwrapKey"],
            attributes: { enabled: false, nbf, exp },
            tags: { ticket: "CHG-1" },
          },
        }),
      ) as { key: { kid: string; n: string }; attributes: Record<string, unknown>; tags: unknown };
      expect(created.key.kid).toMatch(/\/keys\/cmk-aoai\/[0-9a-f]{32}$/);
      expect(Buffer.from(created.key.n, "base64url").length).toBe(512);
      expect(created.attributes).toMatchObject({ enabled: false, nbf, exp });
      expect(created.tags).toEqual({ ticket: "CHG-1" });
      const latest = json(await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai?${api}`)) as {
        key: { kid: string };
      };
      expect(latest.key.kid).toBe(created.key.kid);
      expect(state.keyVersions("https://kv-cmk.vault.azure.net", "cmk-aoai")).toHaveLength(4);
    });

    it("creates EC keys with P-256 and sign/verify by default", async () => {
      const body = json(
        await call(`https://kv-cmk.vault.azure.net/keys/ec-new/create?${api}`, {
          method: "POST",
          body: { kty: "EC" },
        }),
      ) as { key: Record<string, unknown> };
      expect(body.key).toMatchObject({ kty: "EC", crv: "P-256", key_ops: ["sign", "verify"] });
      expect(state.keyVersions("https://kv-cmk.vault.azure.net", "ec-new")?.[0]).toMatchObject({
        curve: "P-256",
      });
    });

    it("updates only the given attributes of one version and records updatedOn", async () => {
      const url = `https://kv-cmk.vault.azure.net/keys/cmk-aoai/${aoaiVersions.newest}?${api}`;
      const response = await call(url, {
        method: "PATCH",
        body: {
          attributes: { enabled: false, exp: Date.parse("2026-06-01T00:00:00Z") / 1000 },
          tags: { a: "b" },
        },
      });
      expect(response.status).toBe(200);
      const stored = state
        .keyVersions("https://kv-cmk.vault.azure.net", "cmk-aoai")
        ?.find((v) => v.version === aoaiVersions.newest);
      expect(stored).toMatchObject({
        enabled: false,
        notBefore: "2025-09-01T00:00:00Z",
        expiresOn: "2026-06-01T00:00:00.000Z",
        keySize: 3072,
        keyOps: ["wrapKey", "unwrapKey"],
        tags: { a: "b" },
        updatedOn: new Date(now).toISOString(),
      });
      const body = json(response) as { attributes: { updated: number; enabled: boolean } };
      expect(body.attributes.updated).toBe(now / 1000);
      const other = state
        .keyVersions("https://kv-cmk.vault.azure.net", "cmk-aoai")
        ?.find((v) => v.version === aoaiVersions.oldest);
      expect(other?.enabled).toBe(true);
    });

    it("updates the latest version when the path names no version", async () => {
      await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/?${api}`, {
        method: "PATCH",
        body: { key_ops: ["unwrapKey"] },
      });
      const versions = state.keyVersions("https://kv-cmk.vault.azure.net", "cmk-aoai") ?? [];
      expect(versions.find((v) => v.version === aoaiVersions.newest)?.keyOps).toEqual(["unwrapKey"]);
      expect(versions.find((v) => v.version === aoaiVersions.oldest)?.keyOps).toEqual([
        "wrapKey",
        "unwrapKey",
      ]);
    });

    it("answers 404 for an update of a version that does not exist, and changes nothing", async () => {
      const before = state.toTenantFile();
      const response = await call(`https://kv-cmk.vault.azure.net/keys/cmk-aoai/${"e".repeat(32)}?${api}`, {
        method: "PATCH",
        body: { attributes: { enabled: false } },
      });
      expect(response.status).toBe(404);
      expect(state.toTenantFile()).toEqual(before);
    });
  });
});
