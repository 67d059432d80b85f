import { z } from "zod";
import { parseArmBody } from "../arm/armFactsError.js";
import { networkAclsFromArm, networkAclsSchema } from "./networkAclsFromArm.js";
import type { VaultFacts } from "./keyFacts.js";

const managedHsmSchema = z.looseObject({
  id: z.string().min(1),
  type: z
    .string()
    .refine(
      (t) => t.toLowerCase() === "microsoft.keyvault/managedhsms",
      "expected Microsoft.KeyVault/managedHSMs",
    ),
  location: z.string().min(1),
  properties: z.looseObject({
    tenantId: z.string().min(1),
    hsmUri: z.string().min(1),
    enableSoftDelete: z.boolean().nullish(),
    softDeleteRetentionInDays: z.number().int().nullish(),
    enablePurgeProtection: z.boolean().nullish(),
    networkAcls: networkAclsSchema,
    publicNetworkAccess: z.string().nullish(),
  }),
  sku: z.looseObject({ name: z.string().nullish() }).nullish(),
});

/**
 * Maps a `Microsoft.KeyVault/managedHSMs` GET body to {@link VaultFacts} (`storeKind: "managedHsm"`),
 * so the preflight proof judges a Managed HSM pool by the same rules as a vault where they are the
 * same, and by its own where they differ.
 *
 * From the Managed HSM resource provider contract (azure-rest-api-specs
 * `specification/keyvault/resource-manager/Microsoft.KeyVault/stable/2024-11-01/managedHsm.json`,
 * `ManagedHsmProperties`, vendored under test/conformance/material):
 * - `enableSoftDelete`: "Soft delete is enabled by default for all managed HSMs and is immutable", so
 *   only an explicit `false` is off.
 * - `enablePurgeProtection`: "Enabling this functionality is irreversible." The 2024-11-01 contract
 *   defaults it to true on create, but older pools were created without it ("Purge protection is an
 *   optional Managed HSM behavior and is not enabled by default", Managed HSM soft-delete overview,
 *   2019): a GET that does not say `true` is read as off, the side that refuses rather than risks.
 * - `networkAcls` (`MHSMNetworkRuleSet`): `bypass` "If not specified the default is 'AzureServices'";
 *   `defaultAction` absent = `Allow`. `publicNetworkAccess`: `Enabled` or `Disabled`.
 * - Data-plane access is local RBAC only (learn.microsoft.com/azure/key-vault/managed-hsm/access-control):
 *   `enableRbacAuthorization` is true and there are no access policies.
 */
export function managedHsmFactsFromArm(resource: unknown): VaultFacts {
  const hsm = parseArmBody(managedHsmSchema, resource);
  const p = hsm.properties;
  const networkAcls = networkAclsFromArm(p.networkAcls, hsm.id);
  return {
    armId: hsm.id,
    vaultUri: p.hsmUri,
    storeKind: "managedHsm",
    location: hsm.location,
    tenantId: p.tenantId,
    enableSoftDelete: p.enableSoftDelete !== false,
    softDeleteRetentionInDays: p.softDeleteRetentionInDays ?? undefined,
    enablePurgeProtection: p.enablePurgeProtection === true,
    enableRbacAuthorization: true,
    accessPolicies: [],
    networkAcls,
    publicNetworkAccess: p.publicNetworkAccess ?? undefined,
    sku: hsm.sku?.name?.toLowerCase() ?? undefined,
  };
}
