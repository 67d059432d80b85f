import { createHash } from "node:crypto";
import { formatKeyId, keyVaultDomainOf } from "../ids/keyVaultHost.js";
import { keyVaultError } from "../armError.js";
import {
  jsonResponse,
  type EmulatorRequest,
  type EmulatorResponse,
  type RequestContext,
  type SurfaceHandler,
} from "../emulatorTypes.js";
import type { TenantKeyVersion } from "../tenantFile.js";
import type { StoredDeletedKey, StoredKey, StoredVault, TenantState } from "../tenantState.js";
import { deletedKeyBundle, keyBundle, keyItem, type WireKeyItem } from "./keyBundle.js";
import { handleHsmRbac, hsmRbacRouteOf } from "./hsmRbacHandler.js";
import { parseCreateKeyBody, parseUpdateKeyBody } from "./keyRequestBody.js";
import { authenticate, vaultChallenge } from "./keyVaultChallenge.js";
import { maxPageSize, nextLink, pageOf, readMaxResults } from "./keyVaultPaging.js";
import { KeyVaultRequestError, badParameter } from "./keyVaultRequestError.js";
import { vaultRecovery, type VaultRecovery } from "./vaultRecovery.js";

/** The api-version KeyClient 4.10 sends; named in error messages. */
const latestApiVersion = "2025-07-01";
/** Key Vault's api-versions: 2016-10-01, 7.0-7.6 (and previews), and the dated ones since 2025. */
const apiVersionPattern = /^(2016-10-01|7\.[0-6](-preview(\.\d+)?)?|20\d\d-\d\d-\d\d(-preview)?)$/;
const keyNamePattern = /^[0-9A-Za-z-]{1,127}$/;

type Route =
  | { op: "listKeys" }
  | { op: "getKey"; name: string; version: string | undefined }
  | { op: "listVersions"; name: string }
  | { op: "createKey"; name: string }
  | { op: "updateKey"; name: string; version: string | undefined }
  | { op: "deleteKey"; name: string }
  | { op: "getDeletedKey"; name: string }
  | { op: "recoverDeletedKey"; name: string };

/** Everything one request needs to know about the vault it addresses. */
interface VaultScope {
  readonly state: TenantState;
  readonly vault: StoredVault;
  /** Lower-case host, e.g. `kv-cmk.vault.azure.net`. */
  readonly host: string;
  /** `https://{host}`, the prefix of every `kid`. */
  readonly vaultUrl: string;
  readonly recovery: VaultRecovery;
  readonly apiVersion: string;
}

function pathSegments(pathname: string): string[] {
  const raw = pathname.split("/").slice(1);
  // KeyClient asks for the latest version as `/keys/{name}/` (an empty version segment).
  if (raw.length > 1 && raw[raw.length - 1] === "") raw.pop();
  return raw.map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      throw badParameter(`The request path segment '${segment}' is not valid percent-encoding.`);
    }
  });
}

/** `/deletedkeys/{name}` (GET) and `/deletedkeys/{name}/recover` (POST). */
function deletedKeyRoute(method: string, segments: readonly string[]): Route | undefined {
  const [, name, action] = segments;
  if (name === undefined || name === "" || segments.length > 3) return undefined;
  if (segments.length === 2) return method === "GET" ? { op: "getDeletedKey", name } : undefined;
  return method === "POST" && action?.toLowerCase() === "recover"
    ? { op: "recoverDeletedKey", name }
    : undefined;
}

function routeOf(method: string, segments: readonly string[]): Route | undefined {
  if (segments[0]?.toLowerCase() === "deletedkeys") return deletedKeyRoute(method, segments);
  if (segments[0]?.toLowerCase() !== "keys") return undefined;
  const [, name, third] = segments;
  if (segments.length === 1) return method === "GET" ? { op: "listKeys" } : undefined;
  if (name === undefined || name === "" || segments.length > 3) return undefined;
  if (segments.length === 2) {
    if (method === "GET") return { op: "getKey", name, version: undefined };
    if (method === "PATCH") return { op: "updateKey", name, version: undefined };
    if (method === "DELETE") return { op: "deleteKey", name };
    return undefined;
  }
  const action = third?.toLowerCase();
  if (method === "GET" && action === "versions") return { op: "listVersions", name };
  if (method === "POST" && action === "create") return { op: "createKey", name };
  if (third === undefined || third === "") return undefined;
  if (method === "GET") return { op: "getKey", name, version: third };
  if (method === "PATCH") return { op: "updateKey", name, version: third };
  return undefined;
}

function readApiVersion(url: URL): string {
  const apiVersion = url.searchParams.get("api-version");
  if (apiVersion === null || apiVersion === "") {
    throw badParameter(
      `The api-version query parameter is missing; add one, e.g. api-version=${latestApiVersion}.`,
    );
  }
  if (!apiVersionPattern.test(apiVersion)) {
    throw badParameter(
      `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${latestApiVersion}).`,
    );
  }
  return apiVersion;
}

function keyNotFound(nameOrId: string): KeyVaultRequestError {
  return new KeyVaultRequestError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

function ok(body: unknown): EmulatorResponse {
  return jsonResponse(200, body, { "cache-control": "no-cache" });
}

/** Seed of a version's stand-in key material: stable for the same vault, key and version. */
function materialSeed(scope: VaultScope, key: StoredKey, version: TenantKeyVersion): string {
  return `${scope.host}/${key.name.toLowerCase()}/${version.version.toLowerCase()}`;
}

/** The stored key and its versions, oldest first by `createdOn`; undefined when it has none. */
function findKey(
  scope: VaultScope,
  name: string,
): { key: StoredKey; versions: TenantKeyVersion[] } | undefined {
  if (!keyNamePattern.test(name)) return undefined;
  const key = scope.vault.keys.get(name.toLowerCase());
  const versions = scope.state.keyVersions(scope.vault.url, name);
  if (key === undefined || versions === undefined || versions.length === 0) return undefined;
  return { key, versions };
}

/** One version, or the newest by `createdOn` when `version` is undefined; 404 `KeyNotFound` otherwise. */
function findVersion(
  scope: VaultScope,
  name: string,
  version: string | undefined,
): { key: StoredKey; version: TenantKeyVersion } {
  const found = findKey(scope, name);
  if (found === undefined) throw keyNotFound(name);
  const chosen =
    version === undefined
      ? found.versions[found.versions.length - 1]
      : found.versions.find((v) => v.version.toLowerCase() === version.toLowerCase());
  if (chosen === undefined) throw keyNotFound(`${name}/${version ?? ""}`);
  return { key: found.key, version: chosen };
}

function bundleOf(scope: VaultScope, key: StoredKey, version: TenantKeyVersion): EmulatorResponse {
  const kid = formatKeyId(scope.vaultUrl, key.name, version.version);
  return ok(keyBundle(kid, materialSeed(scope, key, version), version, scope.recovery));
}

function listPage<T>(
  scope: VaultScope,
  url: URL,
  entries: readonly T[],
  markerOf: (entry: T) => string,
  itemOf: (entry: T) => WireKeyItem,
): EmulatorResponse {
  const maxResults = readMaxResults(url);
  const sorted = [...entries].sort((a, b) =>
    markerOf(a) < markerOf(b) ? -1 : markerOf(a) > markerOf(b) ? 1 : 0,
  );
  const page = pageOf(sorted, markerOf, url.searchParams.get("$skiptoken"), maxResults ?? maxPageSize);
  return ok({
    value: page.items.map(itemOf),
    nextLink:
      page.nextMarker === undefined ? null : nextLink(url, scope.apiVersion, page.nextMarker, maxResults),
  });
}

function listKeys(scope: VaultScope, url: URL): EmulatorResponse {
  const latest: { key: StoredKey; version: TenantKeyVersion }[] = [];
  for (const key of scope.vault.keys.values()) {
    const newest = scope.state.keyVersions(scope.vault.url, key.name)?.at(-1);
    if (newest !== undefined) latest.push({ key, version: newest });
  }
  return listPage(
    scope,
    url,
    latest,
    (entry) => `KEY/${entry.key.name.toUpperCase()}`,
    (entry) => keyItem(formatKeyId(scope.vaultUrl, entry.key.name), entry.version, scope.recovery),
  );
}

function listVersions(scope: VaultScope, url: URL, name: string): EmulatorResponse {
  // Listing the versions of a key that does not exist is an empty list, not a 404.
  const found = findKey(scope, name);
  const versions = found?.versions ?? [];
  const keyName = found?.key.name ?? name;
  return listPage(
    scope,
    url,
    versions,
    // Key Vault lists versions in the order of their (opaque) ids, not by creation time.
    (version) => `KEY/${keyName.toUpperCase()}/${version.version.toUpperCase()}`,
    (version) => keyItem(formatKeyId(scope.vaultUrl, keyName, version.version), version, scope.recovery),
  );
}

/** A new 32-hex-character version id, reproducible for the same key, version count and clock. */
function newVersionId(
  scope: VaultScope,
  name: string,
  existing: readonly TenantKeyVersion[],
  now: number,
): string {
  const taken = new Set(existing.map((v) => v.version.toLowerCase()));
  for (let attempt = 0; ; attempt++) {
    const id = createHash("sha256")
      .update(
        `${scope.host}/${name.toLowerCase()}/${String(existing.length)}/${String(now)}/${String(attempt)}`,
      )
      .digest("hex")
      .slice(0, 32);
    if (!taken.has(id)) return id;
  }
}

function createKey(scope: VaultScope, request: EmulatorRequest, name: string, now: number): EmulatorResponse {
  if (!keyNamePattern.test(name)) {
    throw badParameter(`The key name '${name}' is not valid: use 1-127 letters, digits and hyphens.`);
  }
  if (scope.vault.deletedKeys.has(name.toLowerCase())) {
    throw new KeyVaultRequestError(
      409,
      "Conflict",
      `Key ${name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the key can only be recovered or purged.`,
    );
  }
  const body = parseCreateKeyBody(
    request.body,
    keyVaultDomainOf(scope.host)?.startsWith("managedhsm.") === true,
  );
  const existing = scope.state.keyVersions(scope.vault.url, name) ?? [];
  const version: TenantKeyVersion = {
    version: newVersionId(scope, name, existing, now),
    kty: body.kty,
    enabled: body.enabled,
    createdOn: new Date(now).toISOString(),
    notBefore: body.notBefore,
    expiresOn: body.expiresOn,
    keyOps: body.keyOps,
  };
  if (body.keySize !== undefined) version.keySize = body.keySize;
  if (body.curve !== undefined) version.curve = body.curve;
  if (body.tags !== undefined) version.tags = body.tags;
  scope.state.addKeyVersion(scope.vault.url, name, version);
  const key = scope.vault.keys.get(name.toLowerCase());
  if (key === undefined) throw new Error(`key ${name} missing right after it was added`);
  return bundleOf(scope, key, version);
}

function updateKey(
  scope: VaultScope,
  request: EmulatorRequest,
  name: string,
  versionId: string | undefined,
  now: number,
): EmulatorResponse {
  const { key, version } = findVersion(scope, name, versionId);
  const update = parseUpdateKeyBody(request.body);
  const next: TenantKeyVersion = { ...version, updatedOn: new Date(now).toISOString() };
  if (update.enabled !== undefined) next.enabled = update.enabled;
  if (update.notBefore !== undefined) next.notBefore = update.notBefore;
  if (update.expiresOn !== undefined) next.expiresOn = update.expiresOn;
  if (update.keyOps !== undefined) next.keyOps = update.keyOps;
  if (update.tags !== undefined) next.tags = update.tags;
  if (!scope.state.updateKeyVersion(scope.vault.url, key.name, next))
    throw keyNotFound(`${name}/${version.version}`);
  return bundleOf(scope, key, next);
}

const dayMs = 24 * 60 * 60 * 1000;

/** The `DeletedKeyBundle` of a soft-deleted key, built from its newest version. */
function deletedBundleOf(scope: VaultScope, deleted: StoredDeletedKey): EmulatorResponse {
  const newest = [...deleted.versions]
    .sort((a, b) => Date.parse(a.createdOn) - Date.parse(b.createdOn))
    .at(-1);
  if (newest === undefined) throw keyNotFound(deleted.name);
  const kid = formatKeyId(scope.vaultUrl, deleted.name, newest.version);
  const bundle = keyBundle(kid, materialSeed(scope, deleted, newest), newest, scope.recovery);
  return ok(
    deletedKeyBundle(bundle, {
      recoveryId: `${scope.vaultUrl}/deletedkeys/${deleted.name}`,
      deletedDate: deleted.deletedDate,
      scheduledPurgeDate:
        deleted.scheduledPurgeDate ??
        new Date(Date.parse(deleted.deletedDate) + scope.recovery.recoverableDays * dayMs).toISOString(),
    }),
  );
}

/**
 * `DELETE /keys/{name}`: every version goes. With soft delete on (the vault's recovery level is
 * not plain `Purgeable`) the key is kept under `deletedkeys` for the retention period.
 */
function deleteKey(scope: VaultScope, name: string, now: number): EmulatorResponse {
  if (findKey(scope, name) === undefined) throw keyNotFound(name);
  const deletedDate = new Date(now).toISOString();
  const softDelete = scope.recovery.recoveryLevel !== "Purgeable";
  const deleted = scope.state.deleteKey(scope.vault.url, name, {
    deletedDate,
    scheduledPurgeDate: new Date(now + scope.recovery.recoverableDays * dayMs).toISOString(),
    softDelete,
  });
  if (deleted === undefined) throw keyNotFound(name);
  return deletedBundleOf(scope, deleted);
}

function deletedKeyNotFound(name: string): KeyVaultRequestError {
  return new KeyVaultRequestError(404, "KeyNotFound", `Deleted Key not found: ${name}`);
}

function handle(state: TenantState, request: EmulatorRequest, context: RequestContext): EmulatorResponse {
  const host = request.url.host.toLowerCase();
  const vault = state.vaultByHost(host);
  if (vault === undefined) {
    // In Azure the name of a vault that does not exist does not resolve (ENOTFOUND); the emulator
    // can only answer over HTTP, so it answers 404 before any authentication.
    return keyVaultError(
      404,
      "VaultNotFound",
      `No vault exists at ${host}; in Azure its name would not resolve in DNS.`,
    );
  }
  const challenge = vaultChallenge(host, state.tenantId);
  const refused = authenticate(request.headers.authorization, context.principal, challenge, state.tenantId);
  if (refused !== undefined) return refused;
  const apiVersion = readApiVersion(request.url);
  const rbac =
    keyVaultDomainOf(host)?.startsWith("managedhsm.") === true
      ? hsmRbacRouteOf(request.url.pathname)
      : undefined;
  if (rbac !== undefined) return handleHsmRbac(vault, request, rbac, context.principal);
  const route = routeOf(request.method, pathSegments(request.url.pathname));
  if (route === undefined) {
    return keyVaultError(
      501,
      "NotImplemented",
      `The emulator does not implement ${request.method} ${request.url.pathname} of the Key Vault data plane.`,
    );
  }
  const scope: VaultScope = {
    state,
    vault,
    host,
    vaultUrl: `https://${host}`,
    recovery: vaultRecovery(state, host),
    apiVersion,
  };
  switch (route.op) {
    case "listKeys":
      return listKeys(scope, request.url);
    case "listVersions":
      return listVersions(scope, request.url, route.name);
    case "getKey": {
      const { key, version } = findVersion(scope, route.name, route.version);
      return bundleOf(scope, key, version);
    }
    case "createKey":
      return createKey(scope, request, route.name, context.now);
    case "updateKey":
      return updateKey(scope, request, route.name, route.version, context.now);
    case "deleteKey":
      return deleteKey(scope, route.name, context.now);
    case "getDeletedKey": {
      const deleted = state.deletedKey(vault.url, route.name);
      if (deleted === undefined) throw deletedKeyNotFound(route.name);
      return deletedBundleOf(scope, deleted);
    }
    case "recoverDeletedKey": {
      if (!state.recoverKey(vault.url, route.name)) throw deletedKeyNotFound(route.name);
      const { key, version } = findVersion(scope, route.name, undefined);
      return bundleOf(scope, key, version);
    }
  }
}

/**
 * The Key Vault keys data plane as KeyClient (@azure/keyvault-keys 4.x) uses it: the challenge
 * handshake, get (latest or one version), list keys, list versions (paged), create and update,
 * delete (soft delete when the vault has it), get a deleted key and recover it, served from the
 * tenant's `keyVaults` so changes show in `toTenantFile()`; on a Managed HSM pool also its local RBAC
 * role assignments and role definitions (`hsmRbacHandler.ts`). Other operations (purge, list deleted
 * keys, import, rotate, cryptography, secrets, certificates) answer 501 `NotImplemented`.
 */
export function createKeyVaultHandler(state: TenantState): SurfaceHandler {
  return (request, context) => {
    try {
      return handle(state, request, context);
    } catch (error) {
      if (error instanceof KeyVaultRequestError) return error.toResponse();
      throw error;
    }
  };
}
