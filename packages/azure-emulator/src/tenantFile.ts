import { readFile } from "node:fs/promises";
import { z } from "zod";
import { likelyMeantType, typeOfResourceId } from "./knownResourceTypes.js";

const isoDate = z.iso.datetime({ offset: true });

/** One version of a Key Vault key, as the tenant file records it. */
export const keyVersionSchema = z.object({
  version: z.string().regex(/^[0-9A-Za-z]+$/, "a key version is letters and digits only"),
  kty: z.enum(["RSA", "RSA-HSM", "EC", "EC-HSM", "oct", "oct-HSM"]),
  keySize: z.number().int().positive().optional(),
  curve: z.string().optional(),
  enabled: z.boolean(),
  createdOn: isoDate,
  updatedOn: isoDate.optional(),
  notBefore: isoDate.nullable().optional(),
  expiresOn: isoDate.nullable().optional(),
  keyOps: z.array(z.string()),
  tags: z.record(z.string(), z.string()).optional(),
  recoveryLevel: z.string().optional(),
  /** Key Vault data plane `KeyAttributes.exportable`: the private key may be released (secure key release). */
  exportable: z.boolean().optional(),
  /**
   * `KeyBundle.release_policy` as the data plane returns it: `data` is the policy JSON, base64url
   * encoded (keys.json 7.5 `KeyReleasePolicy`).
   */
  releasePolicy: z
    .object({ contentType: z.string().optional(), data: z.string(), immutable: z.boolean().optional() })
    .optional(),
});

/**
 * An ARM resource exactly as a GET returns it; unknown fields are kept. `location`, `kind`,
 * `managedBy`, `identity` and `tags` may be `null`, as `az resource show`, the generic resources
 * API and Resource Graph rows write them for a resource that has none.
 */
export const armResourceSchema = z.looseObject({
  id: z.string().regex(/^\/subscriptions\/[^/]+\/.+/i, "an ARM resource id starts with /subscriptions/{id}/"),
  name: z.string().min(1),
  type: z.string().regex(/^[^/]+\/[^/]+(\/[^/]+)*$/, "a type is Namespace/type"),
  location: z.string().nullish(),
  kind: z.string().nullish(),
  managedBy: z.string().nullish(),
  identity: z.looseObject({}).nullish(),
  properties: z.looseObject({}).optional(),
  tags: z.record(z.string(), z.string()).nullish(),
});

export const subscriptionSchema = z.object({
  subscriptionId: z.string().min(1),
  displayName: z.string(),
  state: z.string().optional(),
  managementGroupId: z.string().optional(),
});

const keyNameSchema = z.string().regex(/^[0-9A-Za-z-]{1,127}$/);

/**
 * A soft-deleted key (Key Vault's `DeletedKeyBundle`, kept with every version): listed under
 * `deletedkeys`, recoverable until `scheduledPurgeDate`, unusable by consumers meanwhile.
 */
export const deletedKeySchema = z.object({
  deletedDate: isoDate,
  /** Absent: the deletion date plus the vault's retention period. */
  scheduledPurgeDate: isoDate.optional(),
  versions: z.array(keyVersionSchema).min(1),
});

/**
 * A soft-deleted vault as `GET /subscriptions/{s}/providers/Microsoft.KeyVault/locations/{l}/deletedVaults/{name}`
 * returns it (Microsoft.KeyVault `DeletedVault`); unknown fields are kept.
 */
export const deletedVaultSchema = z.looseObject({
  id: z
    .string()
    .regex(
      /^\/subscriptions\/[^/]+\/providers\/Microsoft\.KeyVault\/locations\/[^/]+\/deletedVaults\/[^/]+$/i,
      "a deleted vault id is /subscriptions/{id}/providers/Microsoft.KeyVault/locations/{location}/deletedVaults/{name}",
    ),
  name: z.string().min(1),
  type: z.string().min(1),
  properties: z.looseObject({
    vaultId: z.string().min(1),
    location: z.string().min(1),
    deletionDate: isoDate,
    scheduledPurgeDate: isoDate.optional(),
    purgeProtectionEnabled: z.boolean().optional(),
    tags: z.record(z.string(), z.string()).optional(),
  }),
});

/**
 * One local RBAC role assignment of a Managed HSM pool (its data plane, not ARM): the fields of
 * rbac.json 7.6 `RoleAssignment` (`name`, and `properties.scope`, `roleDefinitionId`, `principalId`)
 * written flat. `scope` is `/` (the whole HSM), `/keys` (every key) or `/keys/{name}` (one key);
 * `roleDefinitionId` as the HSM writes it,
 * `Microsoft.KeyVault/providers/Microsoft.Authorization/roleDefinitions/{guid}`.
 */
export const hsmRoleAssignmentSchema = z.object({
  name: z.string().min(1),
  scope: z
    .string()
    .regex(/^\/(keys(\/[0-9A-Za-z-]{1,127})?)?$/, "a Managed HSM role scope is /, /keys or /keys/{name}"),
  roleDefinitionId: z.string().min(1),
  principalId: z.string().min(1),
});

const vaultUrl = z
  .url({ protocol: /^https$/, hostname: z.regexes.domain })
  .refine(
    (u) => new URL(u).pathname === "/",
    "a vault URL has no path, e.g. https://kv-name.vault.azure.net",
  );

export const tenantFileSchema = z
  .object({
    tenantId: z.string().min(1),
    subscriptions: z.array(subscriptionSchema),
    resources: z.array(armResourceSchema),
    keyVaults: z.record(
      vaultUrl,
      z.object({
        keys: z.record(keyNameSchema, z.array(keyVersionSchema)),
        deletedKeys: z.record(keyNameSchema, deletedKeySchema).optional(),
        /** Managed HSM pools only: the pool's local RBAC role assignments (see {@link hsmRoleAssignmentSchema}). */
        roleAssignments: z.array(hsmRoleAssignmentSchema).optional(),
      }),
    ),
    deletedVaults: z.array(deletedVaultSchema).optional(),
  })
  .superRefine((tenant, ctx) => {
    const subs = new Set(tenant.subscriptions.map((s) => s.subscriptionId.toLowerCase()));
    const seen = new Map<string, number>();
    tenant.resources.forEach((r, i) => {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(r.id)?.[1]?.toLowerCase();
      if (sub !== undefined && !subs.has(sub)) {
        ctx.addIssue({
          code: "custom",
          path: ["resources", i, "id"],
          message: `subscription ${sub} is not listed in subscriptions`,
        });
      }
      // A type that disagrees with its id, or a misspelt one, would load and then never be found.
      const fromId = typeOfResourceId(r.id);
      if (fromId !== undefined && fromId.toLowerCase() !== r.type.toLowerCase()) {
        ctx.addIssue({
          code: "custom",
          path: ["resources", i, "type"],
          message: `${r.type} does not match the type in the resource's id, ${fromId}`,
        });
      } else {
        const meant = likelyMeantType(r.type);
        if (meant !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["resources", i, "type"],
            message: `unknown resource type ${r.type}; did you mean ${meant}?`,
          });
        }
      }
      const key = r.id.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["resources", i, "id"],
          message: `duplicate of resources[${first}].id`,
        });
      } else {
        seen.set(key, i);
      }
    });
    (tenant.deletedVaults ?? []).forEach((d, i) => {
      const sub = /^\/subscriptions\/([^/]+)/i.exec(d.id)?.[1]?.toLowerCase();
      if (sub !== undefined && !subs.has(sub)) {
        ctx.addIssue({
          code: "custom",
          path: ["deletedVaults", i, "id"],
          message: `subscription ${sub} is not listed in subscriptions`,
        });
      }
    });
    for (const [url, vault] of Object.entries(tenant.keyVaults)) {
      if (vault.roleAssignments !== undefined && !/\.managedhsm\./i.test(new URL(url).hostname)) {
        ctx.addIssue({
          code: "custom",
          path: ["keyVaults", url, "roleAssignments"],
          message:
            "local role assignments belong to Managed HSM pools (https://{name}.managedhsm.azure.net); a vault's are Microsoft.Authorization/roleAssignments resources",
        });
      }
      const active = new Set(Object.keys(vault.keys).map((k) => k.toLowerCase()));
      for (const name of Object.keys(vault.deletedKeys ?? {})) {
        if (active.has(name.toLowerCase())) {
          ctx.addIssue({
            code: "custom",
            path: ["keyVaults", url, "deletedKeys", name],
            message: "a key is either in keys or in deletedKeys, not both",
          });
        }
      }
      for (const [name, versions] of Object.entries(vault.keys)) {
        const versionsSeen = new Set<string>();
        versions.forEach((v, i) => {
          if (versionsSeen.has(v.version.toLowerCase())) {
            ctx.addIssue({
              code: "custom",
              path: ["keyVaults", url, "keys", name, i, "version"],
              message: "duplicate key version",
            });
          }
          versionsSeen.add(v.version.toLowerCase());
          if ((v.kty === "RSA" || v.kty === "RSA-HSM") && v.keySize === undefined) {
            ctx.addIssue({
              code: "custom",
              path: ["keyVaults", url, "keys", name, i, "keySize"],
              message: "an RSA key needs keySize",
            });
          }
        });
      }
    }
  });

/** The tenant file: the emulator's seed and snapshot format (docs/emulator.md, "The tenant file"). */
export type TenantFile = z.infer<typeof tenantFileSchema>;
/** An ARM resource body as GET returns it. */
export type ArmResource = z.infer<typeof armResourceSchema>;
/** One key version in the tenant file. */
export type TenantKeyVersion = z.infer<typeof keyVersionSchema>;
/** A Managed HSM local RBAC role assignment in the tenant file. */
export type TenantHsmRoleAssignment = z.infer<typeof hsmRoleAssignmentSchema>;
/** A soft-deleted key in the tenant file. */
export type TenantDeletedKey = z.infer<typeof deletedKeySchema>;
/** A soft-deleted vault in the tenant file, as ARM returns it. */
export type TenantDeletedVault = z.infer<typeof deletedVaultSchema>;
/** One subscription in the tenant file. */
export type TenantSubscription = z.infer<typeof subscriptionSchema>;

/** A tenant file that does not match the contract; `path` is the JSON path of the first problem. */
export class TenantFileError extends Error {
  readonly code = "TenantFileInvalid";
  constructor(
    readonly path: string,
    readonly problem: string,
    readonly source?: string,
  ) {
    super(`${source === undefined ? "" : `${source}: `}${path}: ${problem}`);
    this.name = "TenantFileError";
  }
}

/** Renders a zod issue path as a JSON path: `$.resources[3].properties`. */
export function toJsonPath(path: readonly PropertyKey[]): string {
  let out = "$";
  for (const segment of path) {
    if (typeof segment === "number") out += `[${segment}]`;
    else if (typeof segment === "string" && /^[A-Za-z_$][\w$]*$/.test(segment)) out += `.${segment}`;
    else out += `[${JSON.stringify(String(segment))}]`;
  }
  return out;
}

/** Validates parsed JSON against the tenant file contract. */
export function parseTenantFile(json: unknown, source?: string): TenantFile {
  const result = tenantFileSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new TenantFileError(toJsonPath(issue?.path ?? []), issue?.message ?? "invalid", source);
  }
  return result.data;
}

/** Reads and validates a tenant file from disk. */
export async function readTenantFile(path: string): Promise<TenantFile> {
  const text = await readFile(path, "utf8");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new TenantFileError("$", `not valid JSON (${(error as Error).message})`, path);
  }
  return parseTenantFile(json, path);
}
