import { ComputeManagementClient } from "@azure/arm-compute";
import { ResourceManagementClient } from "@azure/arm-resources";
import { KeyClient } from "@azure/keyvault-keys";
import { describe, expect, it } from "vitest";
import { AzureEmulator } from "../../src/azureEmulator.js";
import { CVM_RELEASE_POLICY, TenantBuilder } from "../../src/tenantBuilder/index.js";

const SUB = "7a0c1d2e-3f40-4a5b-8c6d-7e8f90a1b2c3";
const at = (rg: string, name: string) => ({ subscriptionId: SUB, resourceGroup: rg, name });

function emulator(): { emulator: AzureEmulator; ids: Record<string, string> } {
  const b = new TenantBuilder({ seed: "resource-views" });
  b.subscription(SUB, "prod");
  const kv = b.vault({ ...at("rg-kv", "kv-views"), sku: "premium" });
  b.key(kv, "cvm", [
    {
      version: "c1",
      createdOn: "2026-01-01T00:00:00Z",
      kty: "RSA-HSM",
      keySize: 3072,
      exportable: true,
      releasePolicy: CVM_RELEASE_POLICY,
    },
  ]);
  const set = b.diskEncryptionSet({
    ...at("rg-vm", "des-cvm"),
    keyUrl: `${kv.url}/keys/cvm/c1`,
    sourceVaultId: kv.id,
    encryptionType: "ConfidentialVmEncryptedWithCustomerKey",
  });
  const vm = b.virtualMachine({ ...at("rg-vm", "vm-cvm"), powerState: "running" });
  const osDisk = b.disk({
    ...at("rg-vm", "vm-cvm-os"),
    osType: "Linux",
    encryption: "platform",
    managedBy: vm.id,
    securityProfile: {
      securityType: "ConfidentialVM_DiskEncryptedWithCustomerKey",
      secureVMDiskEncryptionSetId: set.id,
    },
  });
  const data = b.disk({ ...at("rg-vm", "data"), encryption: { desId: set.id } });
  const snapshot = b.snapshot({ ...at("rg-vm", "data-snap"), source: data, encryption: { desId: set.id } });
  b.disk({ ...at("rg-vm", "other"), encryption: "platform" });
  return {
    emulator: new AzureEmulator(b.build(), { lro: { polls: 1, retryAfterSeconds: 0 } }),
    ids: {
      set: set.id,
      vm: vm.id,
      osDisk: osDisk.id,
      data: data.id,
      snapshot: snapshot.id,
      vault: kv.url,
    },
  };
}

describe("views ARM serves beside a resource (SDK clients against the emulator)", () => {
  it("a VM's instance view has its power state; a plain GET of the VM has no instance view", async () => {
    const { emulator: e } = emulator();
    const compute = new ComputeManagementClient(e.credential(), SUB, { httpClient: e.httpClient() });
    const view = await compute.virtualMachines.instanceView("rg-vm", "vm-cvm");
    expect(view.statuses?.map((s) => s.code)).toContain("PowerState/running");
    const plain = await compute.virtualMachines.get("rg-vm", "vm-cvm");
    expect(plain.instanceView).toBeUndefined();
    const expanded = await compute.virtualMachines.get("rg-vm", "vm-cvm", { expand: "instanceView" });
    expect(expanded.instanceView?.statuses?.map((s) => s.code)).toContain("PowerState/running");
  });

  it("a disk encryption set lists the disks and snapshots it encrypts, confidential OS disks included", async () => {
    const { emulator: e, ids } = emulator();
    const compute = new ComputeManagementClient(e.credential(), SUB, { httpClient: e.httpClient() });
    const found: string[] = [];
    for await (const id of compute.diskEncryptionSets.listAssociatedResources("rg-vm", "des-cvm"))
      found.push(id);
    expect(found.sort()).toEqual([ids.osDisk, ids.data, ids.snapshot].map(String).sort());
  });

  it("an incremental snapshot names its source disk and lists by subscription", async () => {
    const { emulator: e, ids } = emulator();
    const compute = new ComputeManagementClient(e.credential(), SUB, { httpClient: e.httpClient() });
    const snapshots = [];
    for await (const s of compute.snapshots.list()) snapshots.push(s);
    expect(snapshots.map((s) => [s.id, s.incremental, s.creationData?.sourceResourceId])).toEqual([
      [ids.snapshot, true, ids.data],
    ]);
    const resources = new ResourceManagementClient(e.credential(), SUB, { httpClient: e.httpClient() });
    const disk = await resources.resources.getById(String(ids.data), "2024-03-02");
    expect((snapshots[0]?.creationData?.sourceUniqueId ?? "").length).toBeGreaterThan(0);
    expect(snapshots[0]?.creationData?.sourceUniqueId).toBe(
      (disk.properties as { uniqueId: string }).uniqueId,
    );
  });

  it("a key version carries exportable and its release policy as the data plane returns them", async () => {
    const { emulator: e, ids } = emulator();
    const keys = new KeyClient(String(ids.vault), e.credential(), {
      httpClient: e.httpClient(),
      disableChallengeResourceVerification: false,
    });
    const key = await keys.getKey("cvm", { version: "c1" });
    expect(key.properties.exportable).toBe(true);
    const policy = key.properties.releasePolicy;
    expect(policy?.encodedPolicy).toBeDefined();
    expect(JSON.parse(Buffer.from(policy?.encodedPolicy ?? new Uint8Array()).toString("utf8"))).toEqual(
      CVM_RELEASE_POLICY,
    );
  });
});
