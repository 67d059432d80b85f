/**
 * Key Vault and Managed HSM host names as the emulator serves them. The DNS suffixes are those of
 * the Azure clouds' Key Vault endpoints ("Azure Key Vault DNS suffixes", learn.microsoft.com
 * azure/key-vault/general/about-keys-secrets-certificates, "Object identifiers"): vaults on
 * `vault.azure.net` (public), `vault.azure.cn` (China), `vault.usgovcloudapi.net` (US Government);
 * Managed HSM pools on `managedhsm.azure.net` and its sovereign equivalents.
 */
export const keyVaultDomains: readonly string[] = [
  "vault.azure.net",
  "vault.azure.cn",
  "vault.usgovcloudapi.net",
  "managedhsm.azure.net",
  "managedhsm.azure.cn",
  "managedhsm.usgovcloudapi.net",
];

// Vault names: 3-24 characters, letters, digits and hyphens, starting with a letter, no "--"
// (learn.microsoft.com azure/azure-resource-manager/management/resource-name-rules, Microsoft.KeyVault).
const vaultName = /^[a-z](?!.*--)[a-z0-9-]{1,22}[a-z0-9]$/;

/** The Key Vault DNS suffix a host belongs to, or undefined when it is not a vault or HSM host. */
export function keyVaultDomainOf(host: string): string | undefined {
  const [name, ...rest] = host.toLowerCase().replace(/:443$/, "").split(".");
  const suffix = rest.join(".");
  if (name === undefined || !keyVaultDomains.includes(suffix)) return undefined;
  return vaultName.test(name) ? suffix : undefined;
}

/** A key identifier as Key Vault writes it in `kid`: `{vault}/keys/{name}[/{version}]`. */
export function formatKeyId(vaultUrl: string, name: string, version?: string): string {
  const base = `${vaultUrl.replace(/\/+$/, "")}/keys/${name}`;
  return version === undefined ? base : `${base}/${version}`;
}
