import type { TenantState } from "../tenantState.js";

/** The deletion-recovery attributes Key Vault reports on every key version. */
export interface VaultRecovery {
  recoveryLevel: string;
  recoverableDays: number;
}

/** Key Vault's answer for a vault with soft delete (90 days) and no purge protection. */
const defaultRecovery: VaultRecovery = { recoveryLevel: "Recoverable+Purgeable", recoverableDays: 90 };

function recordOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
}

/**
 * The recovery level of keys in the vault at `host`, derived from the vault's ARM resource
 * (`Microsoft.KeyVault/vaults` or `managedHSMs`: `enableSoftDelete`, `softDeleteRetentionInDays`,
 * `enablePurgeProtection`) the way Key Vault derives it, so the data plane and ARM tell one story.
 * Without a matching resource the vault is taken to have Azure's defaults.
 */
export function vaultRecovery(state: TenantState, host: string): VaultRecovery {
  const lowerHost = host.toLowerCase();
  const name = lowerHost.split(".")[0] ?? "";
  for (const resource of state.scanResources()) {
    const type = resource.type.toLowerCase();
    if (type !== "microsoft.keyvault/vaults" && type !== "microsoft.keyvault/managedhsms") continue;
    const properties = recordOf(resource.properties);
    const uri = properties.vaultUri ?? properties.hsmUri;
    let matches: boolean;
    try {
      matches =
        typeof uri === "string"
          ? new URL(uri).host.toLowerCase() === lowerHost
          : resource.name.toLowerCase() === name;
    } catch {
      matches = false;
    }
    if (!matches) continue;
    if (properties.enableSoftDelete === false) return { recoveryLevel: "Purgeable", recoverableDays: 0 };
    const days =
      typeof properties.softDeleteRetentionInDays === "number" ? properties.softDeleteRetentionInDays : 90;
    const base = days < 90 ? "CustomizedRecoverable" : "Recoverable";
    return {
      recoveryLevel: properties.enablePurgeProtection === true ? base : `${base}+Purgeable`,
      recoverableDays: days,
    };
  }
  return { ...defaultRecovery };
}
