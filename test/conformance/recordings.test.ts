import { AzureEmulator, parseTenantFile, type EmulatorResponse, type TenantFile } from "@cmkr/azure-emulator";
import { TenantBuilder } from "@cmkr/azure-emulator/tenant-builder";
import { describe, expect, it } from "vitest";
import type { ArmResourceJson } from "../../src/core/arm/armResource.js";
import { keyVaultReplayClient } from "./support/keyVaultReplay.js";
import { entriesOfKind, shortName, type MaterialEntry } from "./support/material.js";
import {
  recordedChallenge,
  recordedEntries,
  recordedHeader,
  type RecordedEntry,
} from "./support/recordings.js";
import { adapterOver, keyFactsLine, readArm } from "./support/serviceReaders.js";

/*
 * The recorded SDK traffic (Azure/azure-sdk-assets test-proxy recordings) two ways:
 * 1. replayed against the emulator, request by request: the status, the 401 challenge
 *    (`WWW-Authenticate`, error code and message), the key bundle's shape and the paging
 *    (`nextLink` with `:443`, `maxresults`, a null last link) must be what Azure answered. A
 *    page's `$skiptoken` is sanitised in the recordings, so the replay follows the emulator's own
 *    `nextLink`, as the SDK would. Operations the emulator does not implement are listed with why
 *    (docs/emulator.md, deliberate differences).
 * 2. the recorded answers parsed by the service's Azure adapter (the real KeyClient under it):
 *    key bundle to key facts (type, size from `n`, enabled, dates, key_ops), version pages to the
 *    version list; and the recorded ARM bodies through the service's readers and the emulator's
 *    tenant file.
 */

const keyRecordings = entriesOfKind("recording").filter((e) =>
  e.file.startsWith("recordings/keyvault-keys/"),
);
const armRecordings = entriesOfKind("recording").filter(
  (e) => !e.file.startsWith("recordings/keyvault-keys/"),
);

/** Key Vault operations the emulator answers 501 NotImplemented to: the service never calls them. */
const notEmulated = [/^DELETE \/deletedkeys\//, /^POST \/keys\/[^/]+\/rotate$/];

/**
 * Key Vault deletes a key asynchronously: the SDK's poller reads the deleted key until it stops
 * answering 404. The emulator deletes at once, so that first 404 is a 200 here.
 */
const deletedAtOnce = "GET /deletedkeys/";

/** Attributes Key Vault sends that the emulator leaves out (the service never reads them). */
const attributesNotEmulated = ["hsmPlatform"];

function vaultTenant(): { tenant: TenantFile; tenantId: string } {
  const b = new TenantBuilder({ seed: "conformance-recordings" });
  const sub = b.subscription(b.ids.guid("subscription"), "recordings");
  // Recorded requests go to Sanitized.vault.azure.net; soft delete kept 7 days, as recorded.
  b.vault({
    subscriptionId: sub,
    resourceGroup: "rg",
    name: "sanitized",
    softDeleteRetentionInDays: 7,
    purgeProtection: false,
  });
  const tenant = b.build();
  return { tenant, tenantId: tenant.tenantId };
}

function body(response: EmulatorResponse): Record<string, unknown> {
  return response.body === undefined || response.body === ""
    ? {}
    : (JSON.parse(response.body) as Record<string, unknown>);
}

function keysOf(value: unknown): string[] {
  return typeof value === "object" && value !== null ? Object.keys(value).sort() : [];
}

/** What differs between the recorded answer and the emulator's, as one line (empty: nothing). */
function compare(entry: RecordedEntry, response: EmulatorResponse, tenantId: string): string[] {
  const out: string[] = [];
  if (entry.StatusCode !== response.status)
    out.push(`status ${entry.StatusCode} recorded, ${response.status} emulated`);
  const recorded = (entry.ResponseBody ?? {}) as Record<string, unknown>;
  const emulated = body(response);
  if (entry.StatusCode === 401) {
    const recordedChallengeHeader = (recordedHeader(entry.ResponseHeaders, "WWW-Authenticate") ?? "").replace(
      /[0-9a-f-]{36}/,
      "{tenant}",
    );
    const emulatedChallenge = (response.headers["www-authenticate"] ?? "").replace(tenantId, "{tenant}");
    if (recordedChallengeHeader !== emulatedChallenge) out.push(`challenge ${emulatedChallenge}`);
  }
  if (entry.StatusCode >= 400 && JSON.stringify(recorded.error) !== JSON.stringify(emulated.error)) {
    const r = recorded.error as { code?: string; message?: string } | undefined;
    const e = emulated.error as { code?: string; message?: string } | undefined;
    if (r?.code !== e?.code) out.push(`error code ${String(e?.code)}`);
    else if (entry.StatusCode === 401) out.push(`error message ${String(e?.message)}`);
  }
  if (entry.StatusCode === 200 && response.status === 200) {
    if (recorded.key !== undefined) {
      const rk = recorded.key as Record<string, unknown>;
      const ek = (emulated.key ?? {}) as Record<string, unknown>;
      if (JSON.stringify(keysOf(rk)) !== JSON.stringify(keysOf(ek)))
        out.push(`key members ${keysOf(ek).join(",")}`);
      if (rk.kty !== ek.kty || JSON.stringify(rk.key_ops) !== JSON.stringify(ek.key_ops))
        out.push("kty or key_ops");
      const ra = keysOf(recorded.attributes).filter((k) => !attributesNotEmulated.includes(k));
      if (JSON.stringify(ra) !== JSON.stringify(keysOf(emulated.attributes)))
        out.push(`attributes ${keysOf(emulated.attributes).join(",")}`);
    }
    if (Array.isArray(recorded.value)) {
      const ev = Array.isArray(emulated.value) ? emulated.value : [];
      if (recorded.value.length !== ev.length) out.push(`page of ${ev.length}`);
      if ((recorded.nextLink === null) !== (emulated.nextLink === null))
        out.push(`nextLink ${String(emulated.nextLink)}`);
      if (typeof emulated.nextLink === "string") {
        const link = new URL(emulated.nextLink);
        const recordedLink = new URL(String(recorded.nextLink));
        // URL drops a default port, so the texts are compared: Key Vault writes `:443` explicitly.
        if (String(recorded.nextLink).includes(":443/") !== emulated.nextLink.includes(":443/"))
          out.push("nextLink port");
        if (link.searchParams.get("maxresults") !== recordedLink.searchParams.get("maxresults"))
          out.push("nextLink maxresults");
        if (link.searchParams.get("api-version") !== recordedLink.searchParams.get("api-version"))
          out.push("nextLink api-version");
      }
    }
  }
  return out;
}

async function replay(entry: MaterialEntry): Promise<string[]> {
  const { tenant, tenantId } = vaultTenant();
  const emulator = new AzureEmulator(tenant, { throttling: false });
  const token = (await emulator.credential().getToken("https://vault.azure.net/.default")).token;
  let lastNextLink: string | undefined;
  const lines: string[] = [];
  for (const e of recordedEntries(entry)) {
    const recordedUrl = new URL(e.RequestUri);
    const url =
      recordedUrl.searchParams.get("$skiptoken") === "Sanitized" && lastNextLink !== undefined
        ? new URL(lastNextLink)
        : new URL(`${recordedUrl.pathname}${recordedUrl.search}`, "https://sanitized.vault.azure.net");
    const headers: Record<string, string> = {};
    if (recordedHeader(e.RequestHeaders, "Authorization") !== undefined)
      headers.authorization = `Bearer ${token}`;
    if (e.RequestBody !== null && e.RequestBody !== undefined) headers["content-type"] = "application/json";
    const response = await emulator.handle({
      method: e.RequestMethod,
      url,
      headers,
      body: e.RequestBody === null || e.RequestBody === undefined ? undefined : JSON.stringify(e.RequestBody),
    });
    const next = body(response).nextLink;
    lastNextLink = typeof next === "string" ? next : lastNextLink;
    const path = url.pathname
      .replace(/\/keys\/[^/]+/, "/keys/{name}")
      .replace(/\/deletedkeys\/[^/]+/, "/deletedkeys/{name}")
      .replace(/\/keys\/\{name\}\/[0-9a-f]{32}$/, "/keys/{name}/{version}");
    const differences = compare(e, response, tenantId);
    const operation = `${e.RequestMethod} ${path.replace(/\/$/, "")}`;
    const request = `${e.RequestMethod} ${url.pathname.replace(/\/$/, "")}`;
    const why = notEmulated.some((p) => p.test(request))
      ? " (not emulated)"
      : request.startsWith(deletedAtOnce) && e.StatusCode === 404
        ? " (deleted at once)"
        : "";
    lines.push(
      `${operation} ${e.StatusCode}${differences.length === 0 ? " =" : ` ≠ ${differences.join("; ")}${why}`}`,
    );
  }
  return lines;
}

const expectedReplays: Record<string, string[]> = {
  "recordings/keyvault-keys/node/keys_client__create_read_update_and_delete_operations/recording_can_get_a_key.json":
    [
      "POST /keys/{name}/create 401 =",
      "POST /keys/{name}/create 200 =",
      "GET /keys/{name} 200 =",
      "DELETE /keys/{name} 200 =",
      "GET /deletedkeys/{name} 404 ≠ status 404 recorded, 200 emulated; error code undefined (deleted at once)",
      "GET /deletedkeys/{name} 200 =",
      "DELETE /deletedkeys/{name} 204 ≠ status 204 recorded, 501 emulated (not emulated)",
    ],
  "recordings/keyvault-keys/node/keys_client__create_read_update_and_delete_operations_key_rotation/recording_rotatekey_supports_rotating_a_key.json":
    [
      "POST /keys/{name}/create 401 =",
      "POST /keys/{name}/create 200 =",
      "POST /keys/{name}/rotate 200 ≠ status 200 recorded, 501 emulated (not emulated)",
    ],
  "recordings/keyvault-keys/node/keys_client__list_keys_in_various_ways/recording_can_get_the_versions_of_a_key_paged.json":
    [
      "POST /keys/{name}/create 401 =",
      "POST /keys/{name}/create 200 =",
      "POST /keys/{name}/create 200 =",
      "GET /keys/{name}/versions 200 =",
      "GET /keys/{name}/versions 200 =",
      "DELETE /keys/{name} 200 =",
      "GET /deletedkeys/{name} 404 ≠ status 404 recorded, 200 emulated; error code undefined (deleted at once)",
      "GET /deletedkeys/{name} 200 =",
      "DELETE /deletedkeys/{name} 204 ≠ status 204 recorded, 501 emulated (not emulated)",
    ],
};

describe("recorded Key Vault traffic replayed against the emulator", () => {
  it.each(keyRecordings.map((e) => [shortName(e.file), e] as const))("%s", async (name, entry) => {
    const lines = await replay(entry);
    expect(lines).toEqual(expectedReplays[name]);
    // Every difference is an operation the emulator does not implement, listed with why.
    expect(
      lines.filter(
        (l) => l.includes("≠") && !l.endsWith("(not emulated)") && !l.endsWith("(deleted at once)"),
      ),
    ).toEqual([]);
  });
});

/** The recorded answers of one recording, served to the service's Azure adapter. */
async function adapterReads(entry: MaterialEntry): Promise<string[]> {
  const entries = recordedEntries(entry);
  const bundles = entries
    .filter(
      (e) =>
        e.StatusCode === 200 &&
        /\/keys\/[^/]+\/(create|rotate|[0-9a-f]*)\/?$/i.test(new URL(e.RequestUri).pathname) &&
        e.RequestMethod !== "DELETE",
    )
    .map((e) => e.ResponseBody);
  const versionPages = entries
    .filter((e) => new URL(e.RequestUri).pathname.endsWith("/versions"))
    .map((e) => e.ResponseBody);
  const client = keyVaultReplayClient({ challenge: recordedChallenge(entries), bundles, versionPages });
  const port = adapterOver(client);
  const lines: string[] = [];
  const seen = new Set<string>();
  for (const b of bundles) {
    const kid = new URL((b as { key: { kid: string } }).key.kid);
    const [, , name = "", version = ""] = kid.pathname.split("/");
    if (seen.has(version)) continue;
    seen.add(version);
    lines.push(
      `${version}: ${keyFactsLine(await port.getKeyVersion("https://sanitized.vault.azure.net", name, version))}`,
    );
  }
  if (versionPages.length > 0) {
    const name =
      new URL(
        entries.find((e) => new URL(e.RequestUri).pathname.endsWith("/versions"))!.RequestUri,
      ).pathname.split("/")[2] ?? "";
    const versions = await port.listKeyVersions("https://sanitized.vault.azure.net", name);
    lines.push(
      `versions: ${(versions ?? []).map((v) => `${v.version} ${v.enabled ? "enabled" : "disabled"} ${v.createdOn.toISOString()}`).join(" | ")}`,
    );
  }
  // The adapter went through the recorded challenge first, as KeyClient does against Azure.
  lines.push(`first request: ${client.requests[0] ?? "none"}`);
  return lines;
}

const expectedReads: Record<string, string[]> = {
  "recordings/keyvault-keys/node/keys_client__create_read_update_and_delete_operations/recording_can_get_a_key.json":
    [
      "0934e8aafee54f728f9116b60ff9d441: RSA, 2048 bits, enabled, created 2026-05-14T11:18:31.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
      "first request: GET /keys/CRUDKeyName-cangetakey-/0934e8aafee54f728f9116b60ff9d441 (no token)",
    ],
  "recordings/keyvault-keys/node/keys_client__create_read_update_and_delete_operations_key_rotation/recording_rotatekey_supports_rotating_a_key.json":
    [
      "bf753f9c01574775906b257c13bc9877: RSA, 2048 bits, enabled, created 2026-05-14T11:19:01.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
      "839760da411f4dc59fa0eee1bcbd58e5: RSA, 2048 bits, enabled, created 2026-05-14T11:19:01.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
      "first request: GET /keys/keyrotate-840/bf753f9c01574775906b257c13bc9877 (no token)",
    ],
  "recordings/keyvault-keys/node/keys_client__list_keys_in_various_ways/recording_can_get_the_versions_of_a_key_paged.json":
    [
      "5856ab077f6b45e78af0672447da5943: RSA, 2048 bits, enabled, created 2026-05-13T15:57:53.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
      "cefcdd2549ae4f03a554539d5278a0d6: RSA, 2048 bits, enabled, created 2026-05-13T15:57:53.000Z, no expiry, ops encrypt,decrypt,sign,verify,wrapKey,unwrapKey",
      "versions: 5856ab077f6b45e78af0672447da5943 enabled 2026-05-13T15:57:53.000Z | cefcdd2549ae4f03a554539d5278a0d6 enabled 2026-05-13T15:57:53.000Z",
      "first request: GET /keys/listKeyName-cangettheversionsofakeypaged-/5856ab077f6b45e78af0672447da5943 (no token)",
    ],
};

describe("recorded Key Vault answers parsed by the service's adapter", () => {
  it.each(keyRecordings.map((e) => [shortName(e.file), e] as const))("%s", async (name, entry) => {
    expect(await adapterReads(entry)).toEqual(expectedReads[name]);
  });
});

describe("recorded ARM traffic", () => {
  const [vaultNotFound] = armRecordings.filter((e) => e.operation === "Vaults_Get");
  const bodies = armRecordings
    .flatMap((e) => recordedEntries(e).map((r) => ({ entry: e, r })))
    .filter(({ r }) => r.StatusCode === 200);

  it("a vault that does not exist: the emulator answers what ARM answered", async () => {
    const [r] = recordedEntries(vaultNotFound!);
    const url = new URL(r!.RequestUri);
    const sub = url.pathname.split("/")[2]!;
    const b = new TenantBuilder({ seed: "conformance-arm-404" });
    b.subscription(sub, "recorded");
    // The resource group exists (something is in it); the vault does not.
    b.vault({ subscriptionId: sub, resourceGroup: "myjstest", name: "some-other-vault" });
    const emulator = new AzureEmulator(b.build(), { throttling: false });
    const token = (await emulator.credential().getToken("https://management.azure.com/.default")).token;
    const response = await emulator.handle({
      method: "GET",
      url: new URL(`https://management.azure.com${url.pathname}${url.search}`),
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(r!.StatusCode);
    expect(body(response)).toEqual(r!.ResponseBody);
  });

  it.each(bodies.map(({ entry, r }) => [shortName(entry.file), r.ResponseBody as ArmResourceJson] as const))(
    "%s: loads into the emulator's tenant file as recorded and goes through the service's readers",
    (name, resource) => {
      const sub = /^\/subscriptions\/([^/]+)\//i.exec(resource.id)![1]!;
      const tenant = parseTenantFile({
        tenantId: "t",
        subscriptions: [{ subscriptionId: sub, displayName: "s" }],
        resources: [resource],
        keyVaults: {},
      });
      expect(tenant.resources[0]).toEqual(resource);
      expect(readArm(resource)).toBe(expectedArm[name]);
    },
  );
});

const expectedArm: Record<string, string> = {
  "recordings/arm-cognitiveservices/node/cognitiveservices_openai_test/recording_should_get_an_account_detail.json":
    "finding:AiServicesMicrosoftManagedKey | key=none identity=SystemAssigned",
  "recordings/arm-compute/node/compute_test/recording_virtualmachines_get_test.json": "not judged",
};
