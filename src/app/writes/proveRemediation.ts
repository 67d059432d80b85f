import { stringField, type ArmResourceJson } from "../../core/arm/armResource.js";
import { enableCmkProof } from "../../core/consumers/aiServicesAccount/enableCmkProof.js";
import { aiServicesAccountRule } from "../../core/consumers/aiServicesAccount/aiServicesAccountRule.js";
import { desAutoRotationProof } from "../../core/consumers/diskEncryptionSet/desKeyChangeProof.js";
import { attachDesProof } from "../../core/consumers/managedDisk/attachDesProof.js";
import { resourceScopeVerdict, type ScopeResolver } from "../../core/decisions/scopeGuard.js";
import { keyRefFromUri, sameKeyVersion } from "../../core/ids/keyId.js";
import { parseResourceId } from "../../core/ids/resourceId.js";
import { newestVersion } from "../../core/keyStores/keyVersionOrder.js";
import type { Remediation } from "../../core/findings/finding.js";
import type { RotationPort } from "../../core/ports/rotationPort.js";
import type { WriteRestriction } from "../../core/writes/writeRestriction.js";
import { keyUsability, type KeyUsability } from "./keyUsability.js";

/** What proving an in-place fix needs besides the resource. */
export interface RemediationProofDeps {
  port: RotationPort;
  resolveScope: ScopeResolver;
  now: () => Date;
  expiryMarginDays: number;
}

/** A proven fix: the restrictions in the way (none: write `patch`), and how to check it held. */
export interface RemediationProof {
  readonly restrictions: readonly WriteRestriction[];
  readonly patch?: Record<string, unknown> | undefined;
  verify: (after: ArmResourceJson) => boolean;
}

type Fix = Exclude<Remediation, { kind: "catch-up-rotation" }>;

const lower = (value: string | undefined): string | undefined => value?.replace(/\/+$/, "").toLowerCase();

/**
 * Reads the facts an in-place fix depends on, fresh, and runs that write path's pure proof on the
 * resource as just read. The patch is built from this read and names only the fields the fix owns.
 */
export async function proveRemediation(
  fix: Fix,
  resource: ArmResourceJson,
  deps: RemediationProofDeps,
): Promise<RemediationProof> {
  const timing = { now: deps.now(), expiryMarginDays: deps.expiryMarginDays };
  switch (fix.kind) {
    case "enable-cmk": {
      const key = keyRefFromUri(fix.keyId);
      const usable =
        key === undefined
          ? { unreadable: `${fix.keyId} is not a key identifier` }
          : await keyUsability(deps.port, resource, fix.keyId, timing);
      const restrictions = enableCmkProof(resource, "problems" in usable ? usable.problems : usable);
      return {
        restrictions,
        patch: key === undefined ? undefined : aiServicesAccountRule.rotationPatch(resource, key),
        // Compared as keys: the provider may echo the vault URI in another spelling than the one written.
        verify: (after) => {
          const held = aiServicesAccountRule.currentKey(after);
          return held !== undefined && key !== undefined && sameKeyVersion(held, key);
        },
      };
    }
    case "attach-des": {
      const set = await deps.port.readResource(fix.desId);
      const setKey: KeyUsability =
        set === undefined
          ? { unreadable: `the set ${fix.desId} was not found` }
          : await setKeyUsability(deps.port, set, timing);
      const proof = attachDesProof({
        disk: resource,
        set,
        setInScope: resourceScopeVerdict(fix.desId, await deps.resolveScope()).inScope,
        setKey,
        snapshots: await deps.port.listSnapshots(parseResourceId(resource.id).subscriptionId),
      });
      return {
        restrictions: proof.restrictions,
        patch: proof.patch,
        verify: (after) =>
          lower(stringField(after, "properties", "encryption", "diskEncryptionSetId")) === lower(fix.desId),
      };
    }
    case "enable-auto-rotation": {
      const newest = await newestKeyUsability(deps.port, resource, timing);
      return {
        restrictions: desAutoRotationProof(resource, newest),
        patch: { properties: { rotationToLatestKeyVersionEnabled: true } },
        verify: (after) =>
          (after.properties as { rotationToLatestKeyVersionEnabled?: unknown } | undefined)
            ?.rotationToLatestKeyVersionEnabled === true,
      };
    }
  }
}

/** Whether a disk encryption set can use the key version it names now (its active key). */
async function setKeyUsability(
  port: RotationPort,
  set: ArmResourceJson,
  timing: { now: Date; expiryMarginDays: number },
): Promise<KeyUsability> {
  const keyUrl = stringField(set, "properties", "activeKey", "keyUrl");
  if (keyUrl === undefined) return { unreadable: "the set names no active key" };
  return keyUsability(port, set, keyUrl, {
    ...timing,
    vaultArmId: stringField(set, "properties", "activeKey", "sourceVault", "id"),
  });
}

/** Whether a set can use the newest version of its key, the one automatic rotation moves it to. */
async function newestKeyUsability(
  port: RotationPort,
  set: ArmResourceJson,
  timing: { now: Date; expiryMarginDays: number },
): Promise<{ keyId: string; problems: readonly string[] } | { unreadable: string }> {
  const key = keyRefFromUri(stringField(set, "properties", "activeKey", "keyUrl") ?? "");
  if (key === undefined) return { unreadable: "the set names no valid active key" };
  const versions = await port.listKeyVersions(key.vaultUrl, key.keyName);
  const newest = versions === undefined ? undefined : newestVersion(versions);
  if (newest === undefined)
    return { unreadable: `the key ${key.vaultUrl}/keys/${key.keyName} has no readable versions` };
  const usable = await keyUsability(port, set, newest.keyId, {
    ...timing,
    vaultArmId: stringField(set, "properties", "activeKey", "sourceVault", "id"),
  });
  return "problems" in usable ? { keyId: newest.keyId, problems: usable.problems } : usable;
}
