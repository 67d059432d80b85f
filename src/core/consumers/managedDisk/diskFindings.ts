import { tryParseResourceId } from "../../ids/resourceId.js";
import {
  field,
  stringField,
  withoutNullMembers,
  type ArmResourceJson,
  type PresentArmResource,
} from "../../arm/armResource.js";
import { sameText } from "../../arm/armValues.js";
import { exclusionHint } from "../../findings/cmkConsumerChecks.js";
import { normalizeRegion, regionalSetting } from "../../findings/detectionSettings.js";
import { evaluationOf, type Evaluation, type Finding } from "../../findings/finding.js";
import type { RuleContext } from "../../findings/ruleContext.js";
import { nameOf, portalLink, ticketBody } from "../../findings/ticketBody.js";

/*
 * Sources: Azure/azure-rest-api-specs compute `Encryption {diskEncryptionSetId, type}`,
 * `EncryptionType`, `DiskState` and `DiskSecurityProfile {securityType, secureVMDiskEncryptionSetId}`
 * (as in @azure/arm-compute 23.3); learn.microsoft.com/azure/virtual-machines/disks-enable-customer-managed-keys-cli:
 * a disk's encryption can only be changed while it is not attached to a running VM.
 */

/** Encryption types that use a customer-managed key (double encryption included). */
const CMK_TYPES = ["EncryptionAtRestWithCustomerKey", "EncryptionAtRestWithPlatformAndCustomerKeys"];

/** Disk states in which the encryption may be changed: not attached, or attached to a deallocated VM. */
const WRITABLE_STATES = ["Unattached", "Reserved"];

function cmkDescription(resource: PresentArmResource): string | undefined {
  const type = stringField(resource, "properties", "encryption", "type");
  const des = stringField(resource, "properties", "encryption", "diskEncryptionSetId");
  if (CMK_TYPES.some((t) => sameText(type, t))) {
    return `encrypted with a customer-managed key (${type ?? ""}${des === undefined ? "" : `, disk encryption set ${des}`})`;
  }
  // A set without a type is customer-managed: the platform-key type "is not a valid encryption type
  // for disk encryption sets" (DiskRP `EncryptionType`), and Microsoft's own example
  // `Disk_Create_WithDiskEncryptionSet` returns the set id alone.
  if ((type === undefined || type.trim() === "") && des !== undefined && des.trim() !== "") {
    return `encrypted with a customer-managed key (disk encryption set ${des}; no encryption type reported)`;
  }
  // Confidential VM OS disks carry their customer key in the security profile instead.
  if (
    sameText(
      stringField(resource, "properties", "securityProfile", "securityType"),
      "ConfidentialVM_DiskEncryptedWithCustomerKey",
    )
  ) {
    const des = stringField(resource, "properties", "securityProfile", "secureVMDiskEncryptionSetId");
    return `a confidential VM disk encrypted with a customer-managed key${des === undefined ? "" : ` (disk encryption set ${des})`}`;
  }
  return undefined;
}

function address(resource: PresentArmResource): { name: string; group: string } {
  return {
    name: nameOf(resource.id),
    group: tryParseResourceId(resource.id)?.resourceGroup ?? "<resource group>",
  };
}

function updateCommand(resource: PresentArmResource, desId: string | undefined): string {
  const { name, group } = address(resource);
  return `\`az disk update --name ${name} --resource-group ${group} --encryption-type EncryptionAtRestWithCustomerKey --disk-encryption-set ${desId ?? "<disk encryption set id>"}\``;
}

function desStep(resource: PresentArmResource, desId: string | undefined): string {
  return desId === undefined
    ? `Pick (or create) a disk encryption set in the disk's region (${resource.location ?? "its region"}) whose identity has get, wrapKey and unwrapKey on its key.`
    : `Use the disk encryption set configured for this region: \`${desId}\` (${portalLink(desId)}).`;
}

/** Steps to make a disk writable, by state: what stands between the disk and an encryption change. */
function unblockSteps(resource: PresentArmResource, state: string): string[] {
  const vm = resource.managedBy;
  const vmName = vm === undefined ? "<vm>" : nameOf(vm);
  const vmGroup =
    (vm === undefined ? undefined : tryParseResourceId(vm)?.resourceGroup) ?? "<resource group>";
  if (sameText(state, "Attached") || sameText(state, "Frozen") || sameText(state, "ActiveSASFrozen")) {
    return [
      `Plan a maintenance window: the virtual machine ${vm === undefined ? "using the disk" : `\`${vm}\``} must be stopped.`,
      `Deallocate it: \`az vm deallocate --name ${vmName} --resource-group ${vmGroup}\`${sameText(state, "Attached") ? "" : " (a hibernated VM must be started and then deallocated)"}.`,
    ];
  }
  if (sameText(state, "ActiveSAS")) {
    const { name, group } = address(resource);
    return [
      `End the disk export: \`az disk revoke-access --name ${name} --resource-group ${group}\` (anyone still downloading the disk is cut off).`,
    ];
  }
  if (sameText(state, "ReadyToUpload") || sameText(state, "ActiveUpload")) {
    return ["Finish (or cancel) the upload to the disk and revoke its write access first."];
  }
  return [`Wait until the disk is unattached or its VM is deallocated (current state: ${state}).`];
}

const why =
  "Your organisation requires disks to be encrypted with keys it controls, so that access can be audited and revoked. This disk is encrypted with a platform-managed key.";

function platformKeyFinding(
  resource: PresentArmResource,
  context: RuleContext,
  desId: string | undefined,
  remediate: boolean,
  modeNote: string,
): Finding {
  return {
    code: "DiskPlatformKey",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Managed disk ${nameOf(resource.id)} is encrypted with a platform-managed key`,
    body: ticketBody(resource, {
      code: "DiskPlatformKey",
      what: `This disk is encrypted at rest with a platform-managed key (state: ${stringField(resource, "properties", "diskState") ?? "unknown"}${resource.managedBy === undefined ? "" : `, used by \`${resource.managedBy}\``}).`,
      why,
      steps: [
        desStep(resource, desId),
        // A Reserved disk's VM is already deallocated; any other attached disk needs its VM stopped.
        ...(resource.managedBy === undefined ||
        sameText(stringField(resource, "properties", "diskState"), "Reserved")
          ? []
          : unblockSteps(resource, "Attached")),
        `Switch the disk to the set: ${updateCommand(resource, desId)}.`,
        ...(resource.managedBy === undefined
          ? []
          : [`Start the virtual machine again: \`az vm start --ids ${resource.managedBy}\`.`]),
      ],
      selfAction: remediate
        ? `The service attaches the disk encryption set itself while the disk is unattached or its VM deallocated; this ticket is only opened when that write fails. ${exclusionHint(context.settings)}`
        : `${modeNote} ${exclusionHint(context.settings)}`,
    }),
    ...(remediate && desId !== undefined
      ? {
          remediation: {
            kind: "attach-des",
            desId,
            patch: {
              properties: {
                encryption: { type: "EncryptionAtRestWithCustomerKey", diskEncryptionSetId: desId },
              },
            },
          } as const,
        }
      : {}),
  };
}

function cannotEnforceFinding(
  resource: PresentArmResource,
  context: RuleContext,
  desId: string,
  state: string,
): Finding {
  return {
    code: "DiskAttachedCannotEnforce",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Managed disk ${nameOf(resource.id)} uses a platform-managed key and is ${state}`,
    body: ticketBody(resource, {
      code: "DiskAttachedCannotEnforce",
      what: `This disk is encrypted with a platform-managed key. The service is configured to attach the disk encryption set \`${desId}\` to disks in this region, but the disk is **${state}**${resource.managedBy === undefined ? "" : ` (used by \`${resource.managedBy}\`)`}, and a disk's encryption can only be changed while it is unattached or its VM is deallocated. The service never stops a virtual machine.`,
      why,
      steps: [
        desStep(resource, desId),
        ...unblockSteps(resource, state),
        `Switch the disk to the set: ${updateCommand(resource, desId)}.`,
        ...(resource.managedBy === undefined
          ? []
          : [`Start the virtual machine again: \`az vm start --ids ${resource.managedBy}\`.`]),
      ],
      selfAction: `If the disk is seen unattached or with its VM deallocated (on a change or at a sweep), the service attaches the set itself and this finding clears. ${exclusionHint(context.settings)}`,
    }),
  };
}

/**
 * True when the disk uses, or ever used, Azure Disk Encryption: `encryptionSettingsCollection` is
 * present, even with `enabled: false` ("Once this field is set, it cannot be overwritten", DiskRP
 * `EncryptionSettingsCollection`).
 */
function usedAzureDiskEncryption(resource: PresentArmResource): boolean {
  const collection = field(resource, "properties", "encryptionSettingsCollection");
  return collection !== undefined && collection !== null;
}

/**
 * A platform-key disk that can never take a customer-managed key in place: "Managed disks currently
 * or previously encrypted using Azure Disk Encryption can't be encrypted using customer-managed keys"
 * (learn.microsoft.com/azure/virtual-machines/disk-encryption, restrictions include). Same code as
 * any platform-key disk, never a remediation: the write would be refused.
 */
function adeFinding(resource: PresentArmResource, context: RuleContext): Finding {
  const { name, group } = address(resource);
  return {
    code: "DiskPlatformKey",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `Managed disk ${nameOf(resource.id)} is encrypted with a platform-managed key and uses Azure Disk Encryption`,
    body: ticketBody(resource, {
      code: "DiskPlatformKey",
      what: `This disk is encrypted at rest with a platform-managed key and has \`encryptionSettingsCollection\` set: it uses, or once used, Azure Disk Encryption${resource.managedBy === undefined ? "" : ` (used by \`${resource.managedBy}\`)`}.`,
      why: `${why} Azure does not allow a disk that uses or used Azure Disk Encryption to be switched to a customer-managed key, so it cannot be fixed in place.`,
      steps: [
        `Create a new managed disk encrypted with a customer-managed key from the start (a disk encryption set in ${resource.location ?? "the disk's region"}), without Azure Disk Encryption.`,
        `Copy the data from \`${name}\` (resource group ${group}) at the file-system level (the encryption settings must not follow the data), switch the workload to the new disk, then delete this one.`,
      ],
      selfAction: `The service never switches such a disk itself: Azure refuses it. ${exclusionHint(context.settings)}`,
    }),
  };
}

/**
 * Judges a managed disk. A platform-managed key (or no encryption block) is a finding. In enforce
 * mode, with a disk encryption set configured for the disk's region, the finding carries an
 * `attach-des` remediation only while the disk is `Unattached` or `Reserved`; in any other state it
 * is `DiskAttachedCannotEnforce` with manual steps, and the service never writes.
 */
export function evaluateDisk(raw: ArmResourceJson, context: RuleContext): Evaluation {
  const resource = withoutNullMembers(raw);
  const cmk = cmkDescription(resource);
  if (cmk !== undefined) return evaluationOf(resource, { notes: [cmk] });
  if (usedAzureDiskEncryption(resource)) {
    return evaluationOf(resource, {
      findings: [adeFinding(resource, context)],
      notes: [
        "platform-managed key; Azure Disk Encryption (encryptionSettingsCollection): no customer-managed key in place",
      ],
    });
  }
  const { settings } = context;
  const state = stringField(resource, "properties", "diskState") ?? "unknown";
  const region = resource.location === undefined ? "(no location)" : normalizeRegion(resource.location);
  const desId = regionalSetting(settings.enforceDiskEncryptionSets, resource.location);
  if (settings.diskMode === "ticket") {
    return evaluationOf(resource, {
      findings: [
        platformKeyFinding(
          resource,
          context,
          desId,
          false,
          "Ticket mode: the service reports this disk and changes nothing.",
        ),
      ],
      notes: [`platform-managed key; state ${state}; ticket mode`],
    });
  }
  if (desId === undefined) {
    return evaluationOf(resource, {
      findings: [
        platformKeyFinding(
          resource,
          context,
          undefined,
          false,
          `Enforce mode is on, but no disk encryption set is configured for region ${region}, so the service cannot switch this disk itself.`,
        ),
      ],
      notes: [`platform-managed key; enforce mode, but no disk encryption set for region ${region}`],
    });
  }
  // "Most resources related to your customer-managed keys (disk encryption sets, VMs, disks, and
  // snapshots) must be in the same subscription and region" (restrictions include, S7): Azure
  // refuses a set of another subscription, so the service does not try.
  const desSubscription = tryParseResourceId(desId)?.subscriptionId;
  const diskSubscription = tryParseResourceId(resource.id)?.subscriptionId;
  if (
    desSubscription !== undefined &&
    diskSubscription !== undefined &&
    desSubscription.toLowerCase() !== diskSubscription.toLowerCase()
  ) {
    return evaluationOf(resource, {
      findings: [
        platformKeyFinding(
          resource,
          context,
          undefined,
          false,
          `Enforce mode is on, but the disk encryption set configured for region ${region} (\`${desId}\`) is in subscription ${desSubscription}, and a disk can only use a set of its own subscription (${diskSubscription}), so the service cannot switch this disk itself.`,
        ),
      ],
      notes: [
        `platform-managed key; enforce mode, but the set for region ${region} is in another subscription`,
      ],
    });
  }
  if (WRITABLE_STATES.some((s) => sameText(state, s))) {
    return evaluationOf(resource, {
      findings: [platformKeyFinding(resource, context, desId, true, "")],
      notes: [`platform-managed key; state ${state}; enforce mode: attach-des ${desId}`],
    });
  }
  return evaluationOf(resource, {
    findings: [cannotEnforceFinding(resource, context, desId, state)],
    notes: [`platform-managed key; state ${state}: cannot change encryption now`],
  });
}
