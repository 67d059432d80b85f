import type { TenantFile } from "@cmkr/azure-emulator";
import { TenantBuilder, type KeyVersionRef } from "@cmkr/azure-emulator/tenant-builder";

/** Deterministic ids of the sweep tenant. */
const subscriptionOf = (n: number): string => `5e3c6f0a-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

export const sweepVaultUrl = "https://kv-sweep.vault.azure.net";
export const sweepKeyName = "cmk";
export const sweepOldVersion = "0".repeat(31) + "1";
export const sweepNewVersion = "0".repeat(31) + "2";

/** What the generated tenant holds, so tests can check the sweep found exactly it. */
export interface SweepTenantCounts {
  /** Resources of the in-scope types (what the sweep walks). */
  inScope: number;
  /** Disks on platform keys, unattached: enforce mode attaches the set (a write each). */
  unattachedPlatformDisks: number;
  /** Disks on platform keys attached to a VM: a ticket each. */
  attachedPlatformDisks: number;
  /** OpenAI accounts on Microsoft-managed keys: a ticket each (ticket mode). */
  microsoftManagedAccounts: number;
  /** ML workspaces without CMK: a ticket each. */
  workspacesWithoutCmk: number;
  /** Disk encryption sets on the old key version, automatic rotation off: a catch-up rotation each. */
  laggingSets: number;
  /** Disk encryption sets on the old key version with automatic rotation on: left to the platform. */
  laggingAutoRotatingSets: number;
}

/** The generated tenant, the set enforce mode uses, and what it holds. */
export interface SweepTenant {
  tenant: TenantFile;
  /** The disk encryption set enforce mode attaches to platform-key disks (westeurope). */
  enforceSetId: string;
  counts: SweepTenantCounts;
  subscriptionIds: string[];
}

/**
 * A tenant of about `resources` in-scope resources over `resources / 100` subscriptions, mostly
 * compliant: disks on a disk encryption set, sets and OpenAI accounts and ML workspaces on the
 * newest version of one customer-managed key. About 2% need something: platform-key disks
 * (unattached ones are fixed in enforce mode, attached ones ticketed), Microsoft-managed OpenAI
 * accounts and ML workspaces without CMK (ticketed), sets behind the newest version (rotated), and
 * a few auto-rotating sets behind it (the platform's job). Consumers reach the key through one
 * user-assigned identity with one access policy, as large estates do. Linear in `resources`.
 */
export function sweepBenchTenant(resources: number): SweepTenant {
  const subscriptions = Math.max(1, Math.round(resources / 100));
  const b = new TenantBuilder({ tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47", seed: "sweep-bench" });
  const subscriptionIds = Array.from({ length: subscriptions }, (_, i) =>
    b.subscription(subscriptionOf(i + 1), `sweep-${i + 1}`),
  );
  const first = subscriptionIds[0] as string;
  const keys = { subscriptionId: first, resourceGroup: "rg-keys" };
  const counts: SweepTenantCounts = {
    inScope: 0,
    unattachedPlatformDisks: 0,
    attachedPlatformDisks: 0,
    microsoftManagedAccounts: 0,
    workspacesWithoutCmk: 0,
    laggingSets: 0,
    laggingAutoRotatingSets: 0,
  };
  const inScope = <T>(ref: T): T => {
    counts.inScope++;
    return ref;
  };

  const vault = inScope(b.vault({ ...keys, name: "kv-sweep" }));
  const apps = inScope(b.vault({ ...keys, name: "kv-apps" }));
  b.key(vault, sweepKeyName, [
    {
      version: sweepOldVersion,
      createdOn: "2026-01-01T00:00:00Z",
      expiresOn: "2027-06-01T00:00:00Z",
      keySize: 3072,
    },
    {
      version: sweepNewVersion,
      createdOn: "2026-10-01T00:00:00Z",
      expiresOn: "2027-12-01T00:00:00Z",
      keySize: 3072,
    },
  ]);
  // One user-assigned identity with one access policy reaches the key for every consumer.
  const identity = b.userAssignedIdentity({ ...keys, name: "id-cmk" });
  b.grantKeyAccess(vault, identity.principalId);
  b.grantKeyAccess(apps, identity.principalId);
  const userAssigned = { userAssigned: [identity] };
  const onOld: KeyVersionRef = { vault, keyName: sweepKeyName, version: sweepOldVersion };
  const onNew: KeyVersionRef = { ...onOld, version: sweepNewVersion };
  const consumer = (
    kind: "diskEncryptionSet" | "openAI" | "mlWorkspace",
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    key: KeyVersionRef,
    autoRotation = false,
  ) =>
    inScope(
      b.cmkConsumer({
        kind,
        subscriptionId,
        resourceGroup,
        name,
        identity: userAssigned,
        key,
        access: "none",
        ...(kind === "diskEncryptionSet" ? { autoRotation } : {}),
      }),
    );
  const enforceSetId = consumer("diskEncryptionSet", first, "rg-keys", "des-enforce", onNew).id;

  for (let i = 0; i < resources - 3; i++) {
    const subscriptionId = subscriptionIds[i % subscriptions] as string;
    const resourceGroup = `rg-${i % 7}`;
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3: {
        const platform = i % 53 === 0;
        const attached = platform && i % 2 === 0;
        if (platform && attached) counts.attachedPlatformDisks++;
        else if (platform) counts.unattachedPlatformDisks++;
        inScope(
          b.disk({
            // A disk can only use a disk encryption set of its own subscription: the ones enforce
            // mode fixes live beside the enforce set.
            subscriptionId: platform && !attached ? first : subscriptionId,
            resourceGroup,
            name: `disk-${i}`,
            // A VM the tenant does not hold: the disk is Attached, and its encryption cannot change.
            ...(attached
              ? {
                  managedBy: `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/virtualMachines/vm-${i}`,
                }
              : {}),
            encryption: platform ? "platform" : { desId: enforceSetId },
          }),
        );
        break;
      }
      case 4:
      case 5:
      case 6: {
        const autoLagging = i % 499 === 5;
        const lagging = !autoLagging && i % 61 === 4;
        if (lagging) counts.laggingSets++;
        if (autoLagging) counts.laggingAutoRotatingSets++;
        consumer(
          "diskEncryptionSet",
          subscriptionId,
          resourceGroup,
          `des-${i}`,
          lagging || autoLagging ? onOld : onNew,
          autoLagging,
        );
        break;
      }
      case 7:
      case 8: {
        const microsoftManaged = i % 47 === 7;
        if (microsoftManaged) {
          counts.microsoftManagedAccounts++;
          inScope(
            b.aiServicesAccount({
              subscriptionId,
              resourceGroup,
              name: `aoai-${i}`,
              kind: "OpenAI",
              identity: userAssigned,
            }),
          );
        } else {
          consumer("openAI", subscriptionId, resourceGroup, `aoai-${i}`, onNew);
        }
        break;
      }
      default: {
        const withoutCmk = i % 41 === 9;
        if (withoutCmk) {
          counts.workspacesWithoutCmk++;
          inScope(b.mlWorkspace({ subscriptionId, resourceGroup, name: `mlw-${i}`, identity: userAssigned }));
        } else {
          consumer("mlWorkspace", subscriptionId, resourceGroup, `mlw-${i}`, onNew);
        }
      }
    }
  }
  return { enforceSetId, counts, subscriptionIds, tenant: b.build() };
}
