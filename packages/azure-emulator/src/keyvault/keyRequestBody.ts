import type { TenantKeyVersion } from "../tenantFile.js";
import { KeyVaultRequestError, badParameter } from "./keyVaultRequestError.js";

type KeyType = TenantKeyVersion["kty"];

/** What a create-key request asks for, with Key Vault's defaults filled in. */
export interface CreateKeyRequest {
  kty: KeyType;
  keySize?: number;
  curve?: string;
  keyOps: string[];
  enabled: boolean;
  notBefore: string | null;
  expiresOn: string | null;
  tags?: Record<string, string>;
}

/** What an update-key request changes; absent members stay as they are. */
export interface UpdateKeyRequest {
  keyOps?: string[];
  enabled?: boolean;
  /** null clears the attribute. */
  notBefore?: string | null;
  expiresOn?: string | null;
  tags?: Record<string, string>;
}

const keyOperations = new Set([
  "encrypt",
  "decrypt",
  "sign",
  "verify",
  "wrapKey",
  "unwrapKey",
  "import",
  "export",
]);
const rsaSizes = [2048, 3072, 4096];
const octSizes = [128, 192, 256];
const curves = ["P-256", "P-384", "P-521", "P-256K"];
const maxTags = 15;

type Json = Readonly<Record<string, unknown>>;

/** A JSON value quoted for an error message, never longer than 100 characters. */
function shown(value: unknown): string {
  // JSON.stringify gives undefined for undefined and functions, whatever its declared type says.
  const text = (JSON.stringify(value) as string | undefined) ?? "undefined";
  return text.length > 100 ? `${text.slice(0, 100)}...` : text;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function readBody(body: string | undefined): Json {
  if (body === undefined || body.trim() === "") throw badParameter("The request body is missing.");
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw badParameter("The request body is not valid JSON.");
  }
  if (!isObject(parsed)) throw badParameter("The request body must be a JSON object.");
  return parsed;
}

function rejectReleasePolicy(body: Json): void {
  if (body.release_policy !== undefined && body.release_policy !== null) {
    throw new KeyVaultRequestError(
      501,
      "NotImplemented",
      "The emulator does not implement key release policies (release_policy).",
    );
  }
}

function readKeyOps(value: unknown): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((op): op is string => typeof op === "string")) {
    throw badParameter("Property key_ops must be an array of strings.");
  }
  const unknown = value.find((op) => !keyOperations.has(op));
  if (unknown !== undefined) {
    throw badParameter(
      `Property key_ops has invalid value ${shown(unknown)}; expected ${[...keyOperations].join(", ")}.`,
    );
  }
  return [...new Set(value)];
}

function readTime(attributes: Json, name: "nbf" | "exp"): string | null | undefined {
  const value = attributes[name];
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw badParameter(`Property attributes.${name} must be a time in seconds since the epoch.`);
  }
  return new Date(Math.floor(value) * 1000).toISOString();
}

interface Attributes {
  enabled?: boolean;
  notBefore?: string | null;
  expiresOn?: string | null;
}

function readAttributes(value: unknown): Attributes {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw badParameter("Property attributes must be an object.");
  if (value.enabled !== undefined && typeof value.enabled !== "boolean") {
    throw badParameter("Property attributes.enabled must be true or false.");
  }
  if (value.exportable === true) {
    throw badParameter("An exportable key needs a release policy (attributes.exportable).");
  }
  const attributes: Attributes = {};
  if (typeof value.enabled === "boolean") attributes.enabled = value.enabled;
  const notBefore = readTime(value, "nbf");
  const expiresOn = readTime(value, "exp");
  if (notBefore !== undefined) attributes.notBefore = notBefore;
  if (expiresOn !== undefined) attributes.expiresOn = expiresOn;
  return attributes;
}

function readTags(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || !Object.values(value).every((v) => typeof v === "string")) {
    throw badParameter("Property tags must be an object whose values are strings.");
  }
  if (Object.keys(value).length > maxTags) throw badParameter(`At most ${maxTags} tags are allowed.`);
  return { ...(value as Record<string, string>) };
}

function readKeyType(value: unknown, managedHsm: boolean): KeyType {
  const allowed: KeyType[] = managedHsm
    ? ["RSA", "RSA-HSM", "EC", "EC-HSM", "oct-HSM"]
    : ["RSA", "RSA-HSM", "EC", "EC-HSM"];
  if (value === undefined || value === null) throw badParameter("Property kty is required.");
  const kty = allowed.find((k) => k === value);
  if (kty === undefined) {
    throw badParameter(
      `Property kty has invalid value ${shown(value)}; this ${managedHsm ? "managed HSM" : "vault"} accepts ${allowed.join(", ")}.`,
    );
  }
  return kty;
}

function readSize(value: unknown, allowed: readonly number[], fallback: number, kty: string): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== "number" || !allowed.includes(value)) {
    throw badParameter(
      `Property key_size has invalid value ${shown(value)} for kty ${kty}; expected ${allowed.join(", ")}.`,
    );
  }
  return value;
}

/**
 * Reads the body of `POST /keys/{name}/create` (`KeyCreateParameters`) and applies Key Vault's
 * defaults: RSA 2048 bits with all six RSA operations, EC P-256 with sign and verify, enabled.
 */
export function parseCreateKeyBody(body: string | undefined, managedHsm: boolean): CreateKeyRequest {
  const json = readBody(body);
  rejectReleasePolicy(json);
  const kty = readKeyType(json.kty, managedHsm);
  const attributes = readAttributes(json.attributes);
  const keyOps = readKeyOps(json.key_ops);
  const request: CreateKeyRequest = {
    kty,
    keyOps: keyOps ?? [],
    enabled: attributes.enabled ?? true,
    notBefore: attributes.notBefore ?? null,
    expiresOn: attributes.expiresOn ?? null,
  };
  const tags = readTags(json.tags);
  if (tags !== undefined) request.tags = tags;
  if (kty === "RSA" || kty === "RSA-HSM") {
    if (json.crv !== undefined && json.crv !== null)
      throw badParameter("Property crv is only valid for EC keys.");
    if (
      json.public_exponent !== undefined &&
      json.public_exponent !== null &&
      json.public_exponent !== 65537
    ) {
      throw badParameter("Property public_exponent must be 65537.");
    }
    request.keySize = readSize(json.key_size, rsaSizes, 2048, kty);
    request.keyOps = keyOps ?? ["encrypt", "decrypt", "sign", "verify", "wrapKey", "unwrapKey"];
  } else if (kty === "EC" || kty === "EC-HSM") {
    const crv = json.crv ?? "P-256";
    if (typeof crv !== "string" || !curves.includes(crv)) {
      throw badParameter(`Property crv has invalid value ${shown(crv)}; expected ${curves.join(", ")}.`);
    }
    request.curve = crv;
    request.keyOps = keyOps ?? ["sign", "verify"];
  } else {
    request.keySize = readSize(json.key_size, octSizes, 256, kty);
    request.keyOps = keyOps ?? ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
  }
  return request;
}

/** Reads the body of `PATCH /keys/{name}/{version}` (`KeyUpdateParameters`). */
export function parseUpdateKeyBody(body: string | undefined): UpdateKeyRequest {
  const json = readBody(body);
  rejectReleasePolicy(json);
  const update: UpdateKeyRequest = { ...readAttributes(json.attributes) };
  const keyOps = readKeyOps(json.key_ops);
  if (keyOps !== undefined) update.keyOps = keyOps;
  const tags = readTags(json.tags);
  if (tags !== undefined) update.tags = tags;
  return update;
}
