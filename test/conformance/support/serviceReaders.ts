import type { HttpClient } from "@azure/core-rest-pipeline";
import { createAzureClients } from "../../../src/adapters/azure/azureClients.js";
import { createAzureRotationPort } from "../../../src/adapters/azure/azureRotationPort.js";
import { ArmFactsError } from "../../../src/core/arm/armFactsError.js";
import type { ArmResourceJson } from "../../../src/core/arm/armResource.js";
import { consumerFactsFromArm } from "../../../src/core/consumers/consumerFactsFromArm.js";
import { consumerRuleFor } from "../../../src/core/consumers/registry.js";
import {
  detectionSettings,
  type DetectionSettingsInput,
} from "../../../src/core/findings/detectionSettings.js";
import { evaluateResource } from "../../../src/core/findings/evaluateResource.js";
import type { KeyVersionFacts, VaultFacts } from "../../../src/core/keyStores/keyFacts.js";
import { roleAssignmentFactsFromArm } from "../../../src/core/keyStores/roleAssignmentFactsFromArm.js";
import { vaultFactsFromArm } from "../../../src/core/keyStores/vaultFactsFromArm.js";
import type { RotationPort } from "../../../src/core/ports/rotationPort.js";

/**
 * The service's readers, applied to one published body, summed up as one line a table can state:
 * the detection rule's classification (`compliant`, `finding:<codes>`, `undetermined`, `excluded`,
 * `not judged`) and, for the types the service maps to facts, what the mapper read.
 */

const now = new Date("2026-12-01T00:00:00Z");

function errorText(error: unknown): string {
  if (error instanceof ArmFactsError) return `${error.code}@${error.field}`;
  throw error;
}

/**
 * A healthy vault for the key a published body names: the examples say nothing about the key store,
 * and without a vault read the rules call a consumer undetermined. The readers are what is under test.
 */
function healthyVaultOf(resource: ArmResourceJson): VaultFacts | undefined {
  const key = consumerRuleFor(resource.type)?.currentKey(resource);
  if (key === undefined) return undefined;
  return {
    armId:
      "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv",
    vaultUri: key.vaultUrl,
    location: resource.location ?? "westeurope",
    tenantId: "00000000-0000-0000-0000-0000000000aa",
    enableSoftDelete: true,
    enablePurgeProtection: true,
    enableRbacAuthorization: false,
    accessPolicies: [],
  };
}

/** The detection rule's verdict on a resource, as the table states it. */
export function classify(resource: ArmResourceJson, settings: DetectionSettingsInput = {}): string {
  const isVault = resource.type.toLowerCase() === "microsoft.keyvault/vaults";
  let vault: VaultFacts | undefined;
  try {
    vault = healthyVaultOf(resource);
  } catch {
    // A body the rule cannot read: the evaluation below says so.
  }
  const evaluation = evaluateResource(resource, {
    settings: detectionSettings(settings),
    now,
    // A vault is judged only when it holds a key in use; the examples say nothing about that.
    ...(isVault ? { holdsCmkKeys: true } : {}),
    ...(vault === undefined ? {} : { vault }),
  });
  if (evaluation.excluded !== undefined) return "excluded";
  if (evaluation.undetermined !== undefined) return "undetermined";
  if (evaluation.notes.some((n) => n.startsWith("no detection rule"))) return "not judged";
  const kindNote = evaluation.notes.find((n) => n.startsWith("kind not in scope"));
  if (kindNote !== undefined) return `out of scope (kind ${resource.kind ?? "(none)"})`;
  if (evaluation.findings.length > 0) {
    return `finding:${evaluation.findings
      .map((f) => `${f.code}${f.remediation === undefined ? "" : `(${f.remediation.kind})`}`)
      .join(",")}`;
  }
  return "compliant";
}

/** A disk encryption set in the disk's own subscription (Azure allows no other), for enforce mode. */
function enforceDiskSet(disk: ArmResourceJson): string {
  const subscription =
    /^\/subscriptions\/([^/]+)\//i.exec(disk.id)?.[1] ?? "00000000-0000-0000-0000-000000000001";
  return `/subscriptions/${subscription}/resourceGroups/rg/providers/Microsoft.Compute/diskEncryptionSets/des`;
}

/** The verdicts the table states: default settings, plus the ones a type's enforce path depends on. */
function verdicts(resource: ArmResourceJson): string {
  const base = classify(resource);
  const type = resource.type.toLowerCase();
  if (type === "microsoft.compute/disks" && typeof resource.location === "string") {
    const enforce = classify(resource, {
      diskMode: "enforce",
      enforceDiskEncryptionSets: { [resource.location]: enforceDiskSet(resource) },
    });
    return `${base}; enforce: ${enforce}`;
  }
  if (base.startsWith("out of scope") && typeof resource.kind === "string") {
    return `${base}; as in scope: ${classify(resource, { aiServicesKinds: [resource.kind] })}`;
  }
  return base;
}

/** What the facts mappers read from an ARM resource body of a type they map. */
export function factsOf(resource: ArmResourceJson): string | undefined {
  if (resource.type.toLowerCase() === "microsoft.keyvault/vaults") {
    try {
      const v = vaultFactsFromArm(resource);
      return `vault softDelete=${String(v.enableSoftDelete)} purgeProtection=${String(v.enablePurgeProtection)} rbac=${String(v.enableRbacAuthorization)} policies=${v.accessPolicies.length}`;
    } catch (error) {
      return errorText(error);
    }
  }
  if (consumerRuleFor(resource.type) === undefined) return undefined;
  try {
    const f = consumerFactsFromArm(resource);
    const key =
      f.currentKey === undefined ? "none" : `${f.currentKey.keyName}@${f.currentKey.version ?? "latest"}`;
    return `key=${key} identity=${f.identity?.kind ?? "none"}`;
  } catch (error) {
    return errorText(error);
  }
}

/** Classification and facts of one ARM body: `classification | facts`. */
export function readArm(resource: ArmResourceJson): string {
  const facts = factsOf(resource);
  return facts === undefined ? verdicts(resource) : `${verdicts(resource)} | ${facts}`;
}

/** What the role assignment mapper reads. */
export function readRoleAssignment(body: unknown): string {
  try {
    const ra = roleAssignmentFactsFromArm(body);
    return `role ${ra.roleDefinitionId.split("/").at(-1) ?? ""} at ${ra.scope}`;
  } catch (error) {
    return errorText(error);
  }
}

/** The service's Azure adapter over an SDK transport (the replayed Key Vault). */
export function adapterOver(httpClient: HttpClient): RotationPort {
  const credential = {
    getToken: () => Promise.resolve({ token: "conformance", expiresOnTimestamp: Date.now() + 3_600_000 }),
  };
  return createAzureRotationPort(createAzureClients({ credential, httpClient, maxRetries: 0 }), {
    lroPollIntervalMs: 1,
  });
}

/** Key facts as the table states them. */
export function keyFactsLine(facts: KeyVersionFacts | undefined): string {
  if (facts === undefined) return "not found";
  return [
    facts.kty,
    facts.keySize === undefined ? "no size" : `${facts.keySize} bits`,
    facts.enabled ? "enabled" : "disabled",
    `created ${facts.createdOn.toISOString()}`,
    facts.expiresOn === undefined ? "no expiry" : `expires ${facts.expiresOn.toISOString()}`,
    `ops ${facts.keyOps.join(",") || "(none)"}`,
  ].join(", ");
}
