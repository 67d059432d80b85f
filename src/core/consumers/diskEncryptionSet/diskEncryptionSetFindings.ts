import { tryParseResourceId } from "../../ids/resourceId.js";
import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { diskEncryptionSetRule } from "./diskEncryptionSetRule.js";
import { flag } from "../../arm/armValues.js";
import { checkCmkConsumer, exclusionHint } from "../../findings/cmkConsumerChecks.js";
import { evaluationOf, type Evaluation, type Finding, type Remediation } from "../../findings/finding.js";
import type { RuleContext } from "../../findings/ruleContext.js";
import { nameOf, ticketBody } from "../../findings/ticketBody.js";

/*
 * Sources: Azure/azure-rest-api-specs compute `EncryptionSetProperties {activeKey, previousKeys,
 * rotationToLatestKeyVersionEnabled, lastKeyRotationTimestamp, autoKeyRotationError (ApiError)}`
 * (as in @azure/arm-compute 23.3); learn.microsoft.com/azure/virtual-machines/disk-encryption:
 * with automatic rotation the set follows a new key version within about an hour, and after an
 * auto-rotation error it stops trying until the error is fixed.
 */

const LABEL = "disk encryption set";

function address(resource: ArmResourceJson): { name: string; group: string } {
  return {
    name: nameOf(resource.id),
    group: tryParseResourceId(resource.id)?.resourceGroup ?? "<resource group>",
  };
}

/** `autoKeyRotationError` as set by the platform, or undefined when absent or null. */
function rotationError(resource: ArmResourceJson): { code: string; message: string } | undefined {
  const error = field(resource, "properties", "autoKeyRotationError");
  if (error === null || error === undefined || typeof error !== "object") return undefined;
  const code = stringField(error, "code") ?? "";
  const message = stringField(error, "message") ?? "";
  const details = field(error, "details");
  const detailText = Array.isArray(details)
    ? details
        .map((d) =>
          [stringField(d, "code"), stringField(d, "message")].filter((s) => s !== undefined).join(": "),
        )
        .filter((s) => s !== "")
    : [];
  if (code === "" && message === "" && detailText.length === 0) return undefined;
  return {
    code: code === "" ? "(no code)" : code,
    message: [message, ...detailText].filter((s) => s !== "").join("; "),
  };
}

function rotationErrorFinding(
  resource: ArmResourceJson,
  context: RuleContext,
  error: { code: string; message: string },
): Finding {
  const { name, group } = address(resource);
  const keyUrl = stringField(resource, "properties", "activeKey", "keyUrl") ?? "(unknown)";
  return {
    code: "DesAutoRotationError",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Disk encryption set ${name}: automatic key rotation failed (${error.code})`,
    body: ticketBody(resource, {
      code: "DesAutoRotationError",
      what: `The platform could not move this disk encryption set to the newest version of its key and reports \`autoKeyRotationError\`: **${error.code}**${error.message === "" ? "" : ` - ${error.message}`}. Its active key is \`${keyUrl}\`.`,
      why: "After an automatic rotation error the platform stops trying until the error is fixed, so the disks stay on the old key version. If that version is disabled or expires, disk I/O fails within about an hour and the virtual machines shut down.",
      steps: [
        "Check that the set's identity still has get, wrapKey and unwrapKey on the key (access policy, or a Key Vault crypto role when the vault uses Azure RBAC).",
        "Check that the newest key version is enabled, not expired, RSA 2048/3072/4096, and that the vault firewall allows trusted Microsoft services.",
        `Once fixed, move the set to the newest version once by hand, which clears the error: \`az disk-encryption-set update --name ${name} --resource-group ${group} --key-url <newest versioned key URL> --source-vault <vault id>\`.`,
      ],
      selfAction: `The service also tries to move the set to the newest usable key version itself (after proving it is usable) and opens a separate ticket if that is refused. This finding clears once the platform no longer reports the error. ${exclusionHint(context.settings)}`,
    }),
  };
}

function autoRotationOffFinding(
  resource: ArmResourceJson,
  context: RuleContext,
  remediate: boolean,
): Finding {
  const { name, group } = address(resource);
  return {
    code: "DesAutoRotationOff",
    severity: "low",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Disk encryption set ${name} does not rotate its key automatically`,
    body: ticketBody(resource, {
      code: "DesAutoRotationOff",
      what: "Automatic key rotation (`rotationToLatestKeyVersionEnabled`) is off for this disk encryption set, so it stays on its current key version until someone moves it.",
      why: "With automatic rotation on, the platform moves the set and all its disks to each new key version within about an hour. Without it, disks keep using an old version that may be disabled or expire, which makes disk I/O fail and shuts the virtual machines down.",
      steps: [
        `Turn automatic rotation on: \`az disk-encryption-set update --name ${name} --resource-group ${group} --enable-auto-key-rotation true\`.`,
      ],
      selfAction: remediate
        ? `The service turns automatic rotation on itself; this ticket is only opened when that write fails. ${exclusionHint(context.settings)}`
        : `Meanwhile the service moves the set to each new usable key version itself. ${exclusionHint(context.settings)}`,
    }),
    ...(remediate
      ? {
          remediation: {
            kind: "enable-auto-rotation",
            patch: { properties: { rotationToLatestKeyVersionEnabled: true } },
          } as const,
        }
      : {}),
  };
}

function invalidKeyFinding(resource: ArmResourceJson, context: RuleContext): Finding {
  const value = field(resource, "properties", "activeKey", "keyUrl");
  // A value of another type is shown as it is, so the ticket says what is wrong with the field.
  const raw = typeof value === "string" ? value : value === undefined ? "(absent)" : JSON.stringify(value);
  return {
    code: "CmkKeyReferenceInvalid",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Disk encryption set ${nameOf(resource.id)}: its key cannot be identified`,
    body: ticketBody(resource, {
      code: "CmkKeyReferenceInvalid",
      what: `\`properties.activeKey.keyUrl\` (${raw}) is not a versioned Key Vault key URL.`,
      why: "The service cannot check the key's vault, expiry or newer versions, so a key problem would go unnoticed until disk I/O fails.",
      steps: [
        "Open the set in the portal and check its key; set a valid key with `az disk-encryption-set update --key-url <versioned key URL> --source-vault <vault id>`.",
      ],
      selfAction: `The service re-checks the set on its next change and at each sweep. ${exclusionHint(context.settings)}`,
    }),
  };
}

/**
 * Judges a disk encryption set: the shared consumer checks on its key and vault, a ticket when the
 * platform reports an automatic rotation error, the `desAutoRotation` setting when automatic
 * rotation is off, and a catch-up rotation while it is off (with it on, the platform follows new
 * versions itself).
 */
export function evaluateDiskEncryptionSet(resource: ArmResourceJson, context: RuleContext): Evaluation {
  const key = diskEncryptionSetRule.currentKey(resource);
  if (key === undefined) return evaluationOf(resource, { findings: [invalidKeyFinding(resource, context)] });
  const autoRotates = flag(field(resource, "properties", "rotationToLatestKeyVersionEnabled"));
  const checks = checkCmkConsumer(
    {
      resource,
      label: LABEL,
      key,
      keyLossConsequence: diskEncryptionSetRule.keyLossConsequence,
      rotate: !autoRotates,
    },
    context,
    exclusionHint(context.settings),
  );
  const findings: Finding[] = [...checks.findings];
  const notes = [...checks.notes];
  const error = rotationError(resource);
  if (error !== undefined) findings.push(rotationErrorFinding(resource, context, error));
  if (autoRotates) {
    notes.push("automatic key rotation is on: the platform follows new key versions");
  } else {
    const setting = context.settings.desAutoRotation;
    if (setting === "off") notes.push("automatic key rotation is off (not reported: desAutoRotation is off)");
    else findings.push(autoRotationOffFinding(resource, context, setting === "enable"));
  }
  const previous = field(resource, "properties", "previousKeys");
  if (Array.isArray(previous) && previous.length > 0)
    notes.push("a key rotation is in progress (previousKeys is not empty)");
  const maintenance: Remediation[] = checks.maintenance;
  return evaluationOf(resource, {
    findings,
    maintenance,
    notes,
    undetermined: checks.undetermined,
    cmkKeyId: checks.cmkKeyId,
  });
}
