import { describe, expect, it } from "vitest";
import { generateChaosPlan } from "../../bench/chaos/chaosPlan.js";
import { chaosNow } from "../../bench/chaos/chaosTenant.js";
import { judgeWrite, worldOfTenant } from "../../bench/chaos/chaosWriteProof.js";
import { findingStands } from "../../bench/chaos/chaosCompliance.js";

const plan = generateChaosPlan(5, "small");
const tenant = plan.tenant;
const world = worldOfTenant(tenant.tenant);
const clock = { now: chaosNow, expiryMarginDays: 30 };
const enforceSet = tenant.enforceSets.westeurope ?? "";
const disk = (shape: string) => {
  const d = tenant.disks.find((x) => x.shape === shape);
  if (d === undefined) throw new Error(`seed 5 has no ${shape} disk`);
  return d.id;
};
const attach = (diskId: string, setId = enforceSet) =>
  judgeWrite(
    world,
    {
      method: "PATCH",
      resourceId: diskId,
      body: {
        properties: { encryption: { diskEncryptionSetId: setId, type: "EncryptionAtRestWithCustomerKey" } },
      },
    },
    clock,
  );

describe("the chaos runner's write judge (independent of the service's proofs)", () => {
  it("passes attaching the enforce set to an unattached or reserved disk", () => {
    expect(attach(disk("plain"))).toEqual({ kind: "attach-set", problems: [] });
    expect(attach(disk("reserved")).problems).toEqual([]);
  });

  it("refuses attaching to disks Azure documents as impossible", () => {
    expect(attach(disk("running")).problems.join()).toContain("the disk is attached");
    expect(attach(disk("azureDiskEncryption")).problems.join()).toContain("Azure Disk Encryption");
    expect(attach(disk("otherRegion")).problems.join()).toContain("the set is in westeurope");
    expect(attach(disk("otherSubscription")).problems.join()).toContain("another subscription");
    expect(attach(disk("incrementalSnapshots")).problems.join()).toContain("incremental snapshot");
    expect(attach(disk("confidential")).problems.join()).toContain("confidential VM disk");
  });

  it("refuses a confidential VM set given as an ordinary set, and automatic rotation on it", () => {
    const cvm = tenant.consumers.find((c) => c.scenario === "cvm");
    if (cvm === undefined) throw new Error("no confidential set");
    expect(attach(disk("plain"), cvm.id).problems.join()).toContain("confidential VM set");
    const auto = judgeWrite(
      world,
      {
        method: "PATCH",
        resourceId: cvm.id,
        body: { properties: { rotationToLatestKeyVersionEnabled: true } },
      },
      clock,
    );
    expect(auto.kind).toBe("enable-auto-rotation");
    expect(auto.problems).toContain("automatic rotation on a confidential VM set");
  });

  it("refuses a rotation onto a Managed HSM key whose access cannot be shown, and any delete", () => {
    const hsm = tenant.consumers.find((c) => c.scenario === "hsm" && c.type.includes("Cognitive"));
    const key = tenant.keys[hsm?.key ?? -1];
    if (hsm === undefined || key === undefined) throw new Error("no HSM consumer");
    const version = tenant.tenant.keyVaults[key.vaultUrl]?.keys[key.keyName]?.[0]?.version ?? "";
    const moved = judgeWrite(
      world,
      {
        method: "PATCH",
        resourceId: hsm.id,
        body: { properties: { encryption: { keyVaultProperties: { keyVersion: `${version}0` } } } },
      },
      clock,
    );
    expect(moved.problems.join()).toContain("does not exist");
    expect(judgeWrite(world, { method: "DELETE", resourceId: hsm.id, body: null }, clock).problems).toEqual([
      "the service deleted a resource",
    ]);
  });

  it("reads a platform-key disk as still non-compliant and an attached one as compliant", () => {
    const plain = world.resource(disk("plain"));
    if (plain === undefined) throw new Error("no disk");
    expect(findingStands(world, plain, "DiskPlatformKey", clock)).toContain("platform-managed key");
    const attached = {
      ...plain,
      properties: { ...plain.properties, encryption: { diskEncryptionSetId: enforceSet } },
    };
    expect(findingStands(world, attached, "DiskPlatformKey", clock)).toBeUndefined();
  });
});
