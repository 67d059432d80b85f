import { z } from "zod";
import { parseArmBody } from "../arm/armFactsError.js";
import { networkAclsFromArm, networkAclsSchema } from "./networkAclsFromArm.js";
import type { AccessPolicyFacts, VaultFacts } from "./keyFacts.js";

const accessPolicySchema = z.looseObject({
  tenantId: z.string().min(1),
  objectId: z.string().min(1),
  applicationId: z.string().nullish(),
  permissions: z.looseObject({ keys: z.array(z.string()).nullish() }).nullish(),
});

const vaultSchema = z.looseObject({
  id: z.string().min(1),
  type: z
    .string()
    .refine((t) => t.toLowerCase() === "microsoft.keyvault/vaults", "expected Microsoft.KeyVault/vaults"),
  location: z.string().min(1),
  properties: z.looseObject({
    tenantId: z.string().min(1),
    vaultUri: z.string().min(1),
    enableSoftDelete: z.boolean().nullish(),
    enablePurgeProtection: z.boolean().nullish(),
    enableRbacAuthorization: z.boolean().nullish(),
    accessPolicies: z.array(accessPolicySchema).nullish(),
    networkAcls: networkAclsSchema,
    publicNetworkAccess: z.string().nullish(),
    sku: z.looseObject({ name: z.string().nullish() }).nullish(),
  }),
});

/**
 * Maps a `Microsoft.KeyVault/vaults` GET body to {@link VaultFacts}.
 *
 * Defaults for absent fields follow the ARM contract (Microsoft.KeyVault vaults spec, as documented
 * in @azure/arm-keyvault `VaultProperties`):
 * - `enableSoftDelete`: "If it's not set to any value (true or false) when creating new key vault,
 *   it will be set to true by default", and since February 2025 soft delete cannot be turned off
 *   on any vault (learn.microsoft.com/azure/key-vault/general/soft-delete-change), so absent = true.
 * - `enablePurgeProtection`: off unless set, so absent = false.
 * - `enableRbacAuthorization`: "If null or not specified, the vault is created with the default
 *   value of false", so absent = false (access policies).
 * - `networkAcls.bypass`: "If not specified the default is 'AzureServices'"; `defaultAction`
 *   absent = `Allow`.
 */
export function vaultFactsFromArm(resource: unknown): VaultFacts {
  const vault = parseArmBody(vaultSchema, resource);
  const p = vault.properties;
  const accessPolicies: AccessPolicyFacts[] = (p.accessPolicies ?? []).map((ap) => ({
    tenantId: ap.tenantId,
    objectId: ap.objectId,
    applicationId: ap.applicationId === null || ap.applicationId === "" ? undefined : ap.applicationId,
    keyPermissions: ap.permissions?.keys ?? [],
  }));
  const networkAcls = networkAclsFromArm(p.networkAcls, vault.id);
  return {
    armId: vault.id,
    vaultUri: p.vaultUri,
    location: vault.location,
    tenantId: p.tenantId,
    enableSoftDelete: p.enableSoftDelete !== false,
    enablePurgeProtection: p.enablePurgeProtection === true,
    enableRbacAuthorization: p.enableRbacAuthorization === true,
    accessPolicies,
    networkAcls,
    publicNetworkAccess: p.publicNetworkAccess ?? undefined,
    sku: p.sku?.name?.toLowerCase() ?? undefined,
  };
}
