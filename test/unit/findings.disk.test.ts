import { describe, expect, it } from "vitest";
import { evaluateDisk } from "../../src/core/consumers/managedDisk/diskFindings.js";
import { context, DES_ID, disk, SUB } from "./findingsFixtures.js";

const enforce = { diskMode: "enforce" as const, enforceDiskEncryptionSets: { westeurope: DES_ID } };

function withEncryption(encryption: Record<string, unknown> | undefined) {
  const d = disk("Attached");
  const { encryption: _dropped, ...props } = d.properties ?? {};
  return { ...d, properties: encryption === undefined ? props : { ...props, encryption } };
}

describe("evaluateDisk: what counts as CMK", () => {
  it.each(["EncryptionAtRestWithCustomerKey", "EncryptionAtRestWithPlatformAndCustomerKeys"])(
    "%s is compliant",
    (type) => {
      const result = evaluateDisk(withEncryption({ type, diskEncryptionSetId: DES_ID }), context(enforce));
      expect(result.compliant).toBe(true);
      expect(result.findings).toEqual([]);
      expect(result.notes[0]).toContain(DES_ID);
    },
  );

  it("a confidential VM disk encrypted with a customer key is compliant", () => {
    const d = withEncryption({ type: "EncryptionAtRestWithPlatformKey" });
    const result = evaluateDisk(
      {
        ...d,
        properties: {
          ...d.properties,
          securityProfile: {
            securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey",
            secureVMDiskEncryptionSetId: DES_ID,
          },
        },
      },
      context(),
    );
    expect(result.compliant).toBe(true);
  });

  it("a platform key is a finding", () => {
    const result = evaluateDisk(withEncryption({ type: "EncryptionAtRestWithPlatformKey" }), context());
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
  });

  it("no encryption block is a finding", () => {
    const result = evaluateDisk(withEncryption(undefined), context());
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
  });

  // Microsoft's example Disk_Create_WithDiskEncryptionSet returns the set id without a type.
  it("a disk encryption set without an encryption type is customer-managed", () => {
    const result = evaluateDisk(withEncryption({ diskEncryptionSetId: DES_ID }), context(enforce));
    expect(result.compliant).toBe(true);
    expect(result.notes[0]).toContain(DES_ID);
  });

  it("an explicit platform-key type with a set id is still a platform key", () => {
    const result = evaluateDisk(
      withEncryption({ type: "EncryptionAtRestWithPlatformKey", diskEncryptionSetId: DES_ID }),
      context(),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
  });
});

describe("evaluateDisk: a configured set of another subscription", () => {
  it("is never attached: Azure only lets a disk use a set of its own subscription", () => {
    const elsewhere = DES_ID.replace(SUB, "0a0b0c0d-0000-4000-8000-000000000009");
    const result = evaluateDisk(
      disk("Unattached"),
      context({ diskMode: "enforce", enforceDiskEncryptionSets: { westeurope: elsewhere } }),
    );
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    expect(result.findings[0]?.body).toContain("its own subscription");
  });
});

describe("evaluateDisk: Azure Disk Encryption", () => {
  const ade = (settings: { enabled: boolean }) => {
    const d = { ...disk("Unattached") };
    return {
      ...d,
      properties: { ...d.properties, encryptionSettingsCollection: { enabled: settings.enabled } },
    };
  };

  it.each([true, false])(
    "a disk that uses or used it (enabled: %s) is reported and never given a disk encryption set",
    (enabled) => {
      const result = evaluateDisk(ade({ enabled }), context(enforce));
      expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
      expect(result.findings[0]?.remediation).toBeUndefined();
      expect(result.findings[0]?.body).toContain("Azure Disk Encryption");
    },
  );
});

describe("evaluateDisk: ticket mode", () => {
  it("reports with steps and never remediates, whatever the state", () => {
    for (const state of ["Unattached", "Reserved", "Attached"]) {
      const result = evaluateDisk(
        disk(state),
        context({ enforceDiskEncryptionSets: { westeurope: DES_ID } }),
      );
      expect(result.findings[0]?.code).toBe("DiskPlatformKey");
      expect(result.findings[0]?.remediation).toBeUndefined();
    }
    const body = evaluateDisk(disk("Attached"), context()).findings[0]?.body ?? "";
    expect(body).toContain(`- Subscription: ${SUB}`);
    expect(body).toContain("- Resource group: rg-vm");
    expect(body).toContain(`https://portal.azure.com/#resource${disk("Attached").id}`);
    expect(body).toContain("az vm deallocate --name vm1 --resource-group rg-vm");
    expect(body).toContain(
      "az disk update --name vm1-data0 --resource-group rg-vm --encryption-type EncryptionAtRestWithCustomerKey",
    );
    expect(body).toContain("az vm start");
  });
});

describe("evaluateDisk: enforce mode, by disk state", () => {
  it.each(["Unattached", "Reserved"])("%s: attach-des remediation in wire shape", (state) => {
    const result = evaluateDisk(disk(state), context(enforce));
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
    expect(result.findings[0]?.remediation).toEqual({
      kind: "attach-des",
      desId: DES_ID,
      patch: {
        properties: { encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: DES_ID } },
      },
    });
  });

  it.each(["Attached", "ActiveSAS", "Frozen", "ActiveSASFrozen", "ReadyToUpload", "ActiveUpload"])(
    "%s: DiskAttachedCannotEnforce with manual steps and no write",
    (state) => {
      const result = evaluateDisk(disk(state), context(enforce));
      expect(result.findings.map((f) => f.code)).toEqual(["DiskAttachedCannotEnforce"]);
      expect(result.findings[0]?.remediation).toBeUndefined();
      expect(result.findings[0]?.body).toContain(`**${state}**`);
      expect(result.findings[0]?.body).toContain(DES_ID);
    },
  );

  it("Attached: the steps deallocate the VM, change the encryption and start it again", () => {
    const body = evaluateDisk(disk("Attached"), context(enforce)).findings[0]?.body ?? "";
    const deallocate = body.indexOf("az vm deallocate --name vm1 --resource-group rg-vm");
    const update = body.indexOf(`--disk-encryption-set ${DES_ID}`);
    const start = body.indexOf("az vm start");
    expect(deallocate).toBeGreaterThan(0);
    expect(update).toBeGreaterThan(deallocate);
    expect(start).toBeGreaterThan(update);
    expect(body).toMatch(/never stops a virtual machine/);
  });

  it("Reserved: the fallback ticket does not ask to deallocate a VM that already is", () => {
    const body = evaluateDisk(disk("Reserved"), context(enforce)).findings[0]?.body ?? "";
    expect(body).not.toContain("az vm deallocate");
    expect(body).toContain("az vm start");
  });

  it("ActiveSAS: the steps revoke the export first", () => {
    const body = evaluateDisk(disk("ActiveSAS"), context(enforce)).findings[0]?.body ?? "";
    expect(body).toContain("az disk revoke-access --name vm1-data0 --resource-group rg-vm");
  });

  it("without a disk encryption set for the region: finding only", () => {
    const result = evaluateDisk(disk("Unattached", { location: "eastus" }), context(enforce));
    expect(result.findings.map((f) => f.code)).toEqual(["DiskPlatformKey"]);
    expect(result.findings[0]?.remediation).toBeUndefined();
    expect(result.findings[0]?.body).toMatch(/no disk encryption set is configured for region eastus/);
  });
});
