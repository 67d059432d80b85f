import { SINGLE_KEY } from "@cmkr/azure-emulator/tenant-builder";

/**
 * A KeyNewVersionCreated (or expiry) delivery in the Event Grid schema, as Key Vault sends it, for
 * the key of the `SingleKeyTenant` preset (its `EXP` is the preset's default expiry, 2028-01-01).
 */
export function keyEventDelivery(
  version: string,
  options: {
    kind?: "KeyNewVersionCreated" | "KeyNearExpiry" | "KeyExpired";
    id?: string;
    vaultId?: string;
  } = {},
): unknown[] {
  return [
    {
      id: options.id ?? `evt-${version.slice(-6)}-${options.kind ?? "new"}`,
      topic: options.vaultId ?? SINGLE_KEY.vaultId,
      subject: SINGLE_KEY.keyName,
      eventType: `Microsoft.KeyVault.${options.kind ?? "KeyNewVersionCreated"}`,
      eventTime: "2026-11-22T11:59:00Z",
      dataVersion: "1",
      metadataVersion: "1",
      data: {
        Id: SINGLE_KEY.keyId(version),
        VaultName: SINGLE_KEY.vaultName,
        ObjectType: "Key",
        ObjectName: SINGLE_KEY.keyName,
        Version: version,
        NBF: null,
        EXP: Date.parse(SINGLE_KEY.expiresOn) / 1000,
      },
    },
  ];
}
