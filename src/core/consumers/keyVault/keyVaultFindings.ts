import { tryParseResourceId } from "../../ids/resourceId.js";
import { ArmFactsError } from "../../arm/armFactsError.js";
import type { VaultFacts } from "../../keyStores/keyFacts.js";
import { vaultFactsFromArm } from "../../keyStores/vaultFactsFromArm.js";
import type { ArmResourceJson } from "../../arm/armResource.js";
import { flag } from "../../arm/armValues.js";
import { exclusionHint } from "../../findings/cmkConsumerChecks.js";
import { evaluationOf, type Evaluation, type Finding } from "../../findings/finding.js";
import type { RuleContext } from "../../findings/ruleContext.js";
import { nameOf, ticketBody } from "../../findings/ticketBody.js";

/*
 * Sources: learn.microsoft.com/azure/key-vault/general/soft-delete-overview and
 * .../soft-delete-change (soft delete cannot be turned off; purge protection, once on, cannot be
 * turned off); every CMK consumer this service handles requires both on the key's vault.
 */

const NEVER_AUTOMATIC =
  "The service never changes this setting itself: turning purge protection on is irreversible (it cannot be turned off again, and deleted keys and the vault can then only be purged after the retention period), so it is the vault owner's decision. The finding clears at the next check after the change.";

function address(resource: ArmResourceJson): { name: string; group: string } {
  return {
    name: nameOf(resource.id),
    group: tryParseResourceId(resource.id)?.resourceGroup ?? "<resource group>",
  };
}

function softDeleteFinding(resource: ArmResourceJson, context: RuleContext): Finding {
  const { name, group } = address(resource);
  return {
    code: "VaultSoftDeleteOff",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Key vault ${name} holds customer-managed keys and has soft delete off`,
    body: ticketBody(resource, {
      code: "VaultSoftDeleteOff",
      what: "This key vault holds keys that resources are encrypted with (customer-managed keys), and soft delete is off.",
      why: "A deleted key, or the deleted vault, cannot be recovered: every resource encrypted with its keys loses access to its data for good (disks stop, AI services and Machine Learning workspaces stop working).",
      steps: [
        `Turn soft delete on: \`az resource update --ids ${resource.id} --set properties.enableSoftDelete=true\` (it cannot be turned off again; \`az keyvault update\` no longer has a soft-delete flag, and Azure has been turning soft delete on for every vault since February 2025).`,
        `Turn purge protection on too: \`az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true\` (irreversible).`,
      ],
      selfAction: `${NEVER_AUTOMATIC} ${exclusionHint(context.settings)}`,
    }),
  };
}

function purgeProtectionFinding(resource: ArmResourceJson, context: RuleContext, vault: VaultFacts): Finding {
  const { name, group } = address(resource);
  return {
    code: "VaultPurgeProtectionOff",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Key vault ${name} holds customer-managed keys and has purge protection off`,
    body: ticketBody(resource, {
      code: "VaultPurgeProtectionOff",
      what: `This key vault holds keys that resources are encrypted with (customer-managed keys), and purge protection is off${vault.enableSoftDelete ? "" : " (soft delete is off too)"}.`,
      why: "Anyone allowed to purge can destroy a deleted key, or the deleted vault, before the retention period ends: every resource encrypted with its keys then loses access to its data for good. Azure OpenAI / AI services, disk encryption sets and Machine Learning workspaces all require purge protection on the vault of their key.",
      steps: [
        `Turn purge protection on: \`az keyvault update --name ${name} --resource-group ${group} --enable-purge-protection true\`. This is irreversible.`,
      ],
      selfAction: `${NEVER_AUTOMATIC} ${exclusionHint(context.settings)}`,
    }),
  };
}

const BOOLEAN_PROPERTIES = ["enableSoftDelete", "enablePurgeProtection", "enableRbacAuthorization"];

/** Resource Graph and Resource Notifications may send the vault's booleans as 1/0 or strings. */
function withBooleans(resource: ArmResourceJson): ArmResourceJson {
  const props = resource.properties;
  if (props === undefined) return resource;
  const copy: Record<string, unknown> = { ...props };
  for (const name of BOOLEAN_PROPERTIES) {
    const value = copy[name];
    if (value !== undefined && value !== null && typeof value !== "boolean") copy[name] = flag(value);
  }
  return { ...resource, properties: copy };
}

/**
 * Judges a key vault that holds customer-managed keys (`context.holdsCmkKeys`; other vaults are out
 * of scope): soft delete and purge protection must be on. Ticket only, never a write.
 */
export function evaluateKeyVault(resource: ArmResourceJson, context: RuleContext): Evaluation {
  if (context.holdsCmkKeys !== true) {
    return evaluationOf(resource, {
      notes: ["out of scope: the vault holds no customer-managed key in use"],
    });
  }
  let vault: VaultFacts;
  try {
    vault = vaultFactsFromArm(withBooleans(resource));
  } catch (error) {
    if (!(error instanceof ArmFactsError)) throw error;
    return evaluationOf(resource, {
      undetermined: `the vault's properties cannot be read: ${error.field}: ${error.problem}`,
    });
  }
  const findings: Finding[] = [];
  if (!vault.enableSoftDelete) findings.push(softDeleteFinding(resource, context));
  if (!vault.enablePurgeProtection) findings.push(purgeProtectionFinding(resource, context, vault));
  return evaluationOf(resource, {
    findings,
    notes: [
      `holds customer-managed keys; soft delete ${vault.enableSoftDelete ? "on" : "off"}, purge protection ${vault.enablePurgeProtection ? "on" : "off"}`,
    ],
  });
}
