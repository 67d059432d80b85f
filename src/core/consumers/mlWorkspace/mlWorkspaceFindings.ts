import { sameResourceId } from "../../ids/resourceId.js";
import { field, stringField, type ArmResourceJson } from "../../arm/armResource.js";
import { mlWorkspaceRule } from "./mlWorkspaceRule.js";
import { flag, sameText } from "../../arm/armValues.js";
import { checkCmkConsumer, exclusionHint } from "../../findings/cmkConsumerChecks.js";
import { evaluationOf, type Evaluation, type Finding } from "../../findings/finding.js";
import type { RuleContext } from "../../findings/ruleContext.js";
import { nameOf, portalLink, ticketBody } from "../../findings/ticketBody.js";
import { mlRecreationTicketSections } from "./recreation/mlRecreationTicket.js";

/*
 * Sources (learn.microsoft.com/azure/machine-learning/concept-customer-managed-keys and
 * how-to-setup-customer-managed-keys; Azure/azure-rest-api-specs machinelearningservices
 * `EncryptionProperty`, `WorkspaceProperties.hubResourceId`): CMK is chosen at creation only; later
 * key updates must stay in the original vault; the vault needs soft delete and purge protection;
 * the identity needs get, wrapKey, unwrapKey; CMK metadata lives in a Microsoft-managed resource
 * group (`azureml-rg-{workspace}_{guid}`) unless service-side encryption is used, which cannot
 * rotate keys; Projects inherit the encryption of their Hub.
 */

const LABEL = "Machine Learning workspace";

function encryptionEnabled(resource: ArmResourceJson): boolean {
  return sameText(stringField(resource, "properties", "encryption", "status"), "Enabled");
}

const prerequisites = [
  "- A key vault with **soft delete and purge protection** on (purge protection cannot be turned off again).",
  "- An **RSA** key (RSA or RSA-HSM): at least **3072 bits recommended**, 2048 bits minimum, with wrapKey and unwrapKey allowed and an expiry date well in the future.",
  "- The identity the workspace will use (system-assigned, or a user-assigned identity you create first) granted **get, wrapKey and unwrapKey** on the key: an access policy, or the *Key Vault Crypto Service Encryption User* role when the vault uses Azure RBAC.",
  "- The resource providers Microsoft.MachineLearningServices, Microsoft.DocumentDB, Microsoft.Search, Microsoft.Storage and Microsoft.KeyVault registered on the subscription.",
  "- Choose the vault carefully: after creation the workspace's key can only be changed to another key **in the same vault**.",
].join("\n");

function decisions(resource: ArmResourceJson): string {
  const hbi = flag(field(resource, "properties", "hbiWorkspace"));
  return [
    `- **High business impact (\`hbi_workspace\` / \`hbiWorkspace\`)**: reduces the diagnostic data Microsoft collects and adds encryption in Microsoft-managed environments. It can only be set at creation. This workspace has it ${hbi ? "on" : "off"}.`,
    "- **Where the encrypted metadata lives**:",
    "  - Default: Azure Cosmos DB, Azure AI Search and Azure Storage resources are created, encrypted with your key, in a Microsoft-managed resource group in your subscription (`azureml-rg-{workspace}_{guid}`). They add cost to your subscription. Key rotation (to another version or key in the same vault) is supported.",
    "  - Service-side encryption (`enableServiceSideCMKEncryption: true`, preview): the metadata is kept on Microsoft-managed resources outside your subscription, so there is no managed resource group and lower cost, but **key rotation is not supported** (nor a user-assigned identity for the key), and charges continue during the soft-delete retention period. The service cannot keep such a workspace on a current key version.",
  ].join("\n");
}

const managedGroupWarning =
  "**Do not delete the Microsoft-managed resource group** (`azureml-rg-{workspace}_{guid}`) that the new workspace creates: it holds the Cosmos DB, AI Search and Storage resources encrypted with your key, and the workspace stops working without them. It is removed when the workspace is deleted.";

function migrationSteps(resource: ArmResourceJson, isHub: boolean): string[] {
  const name = nameOf(resource.id);
  const steps = [
    "Prepare the prerequisites above and decide the creation-time options.",
    `Create a new workspace with customer-managed key encryption in the same region (portal: *Encryption* tab, "Customer-managed keys"; ARM/Bicep: \`identity\` plus \`properties.encryption = { status: "Enabled", keyVaultProperties: { keyVaultArmId, keyIdentifier } }\`; CLI: \`customer_managed_key\` in the workspace YAML for \`az ml workspace create\`).`,
    "Recreate the datastores (connections) so they point at the same storage, then move the **data assets (datasets)**: re-register them against the datastores, or share them through an Azure Machine Learning registry.",
    "Move the **models**: share them through a registry, or download (`az ml model download`) and re-register them (`az ml model create`).",
    "Move the **environments** and **components**: re-create them from their definitions (YAML, conda files, Dockerfiles) or share them through a registry.",
    "Re-create **compute**: compute instances and clusters (and attached Kubernetes compute) cannot be moved between workspaces.",
    "Re-deploy the **online and batch endpoints** in the new workspace, switch their callers to the new scoring URIs and keys, then delete the old endpoints.",
    "Re-submit pipelines and schedules; job history does not move (export any metrics you must keep).",
    "Update everything that names the old workspace: CI/CD, SDK configuration, private endpoints, role assignments.",
  ];
  if (isHub) {
    steps.push(
      "Re-create each **project** of this hub under the new hub (projects inherit the hub's encryption and cannot be moved), and migrate their assets as above.",
    );
  }
  steps.push(
    `When the new workspace works, delete the old one (\`${name}\`), including its soft-deleted copy if you need the name back (\`az ml workspace delete --permanently-delete\`).`,
  );
  return steps;
}

/** The re-creation kit's sections, when the worker read what the workspace holds (not in a sweep's plan). */
function kitSections(resource: ArmResourceJson, context: RuleContext) {
  const kit = context.mlRecreation;
  if (kit === undefined || !sameResourceId(kit.inventory.workspace.id, resource.id)) return [];
  return mlRecreationTicketSections(kit);
}

function withoutCmkFinding(resource: ArmResourceJson, context: RuleContext): Finding {
  const isHub = sameText(resource.kind, "Hub");
  const projects = field(resource, "properties", "associatedWorkspaces");
  const projectList =
    isHub && Array.isArray(projects) && projects.length > 0
      ? `\n\nProjects of this hub that must move with it:\n${projects
          .filter((p): p is string => typeof p === "string")
          .map((p) => `- \`${p}\``)
          .join("\n")}`
      : "";
  return {
    code: "MlWorkspaceWithoutCmk",
    severity: "high",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `${isHub ? "Machine Learning hub" : LABEL} ${nameOf(resource.id)} is not encrypted with a customer-managed key`,
    body: ticketBody(resource, {
      code: "MlWorkspaceWithoutCmk",
      what: `This ${isHub ? "hub (and every project under it)" : "workspace"} stores its metadata encrypted with Microsoft-managed keys. Customer-managed key encryption can only be chosen when a workspace is created, so it **cannot be fixed in place: the workspace must be re-created** with a customer-managed key and its assets migrated.${projectList}`,
      why: "Your organisation requires data at rest to be encrypted with keys it controls, so that access can be audited and revoked. This workspace's job history, compute metadata, asset metadata and indexes are outside that control.",
      sections: [
        ...kitSections(resource, context),
        { title: "Prerequisites", text: prerequisites },
        {
          title: "Decisions to make before creating the new workspace (creation-time only)",
          text: decisions(resource),
        },
        { title: "Warning", text: managedGroupWarning },
      ],
      steps: migrationSteps(resource, isHub),
      selfAction: `Nothing can be fixed automatically: the service keeps this ticket up to date and closes it when the workspace is deleted. It then keeps the new workspace on the newest usable version of its key. ${exclusionHint(context.settings)}`,
    }),
  };
}

function hubWithoutCmkFinding(project: ArmResourceJson, hub: ArmResourceJson, context: RuleContext): Finding {
  const hubName = nameOf(hub.id);
  return {
    code: "MlProjectHubWithoutCmk",
    severity: "high",
    resourceId: project.id,
    resourceType: project.type,
    title: `Machine Learning project ${nameOf(project.id)} inherits Microsoft-managed keys from hub ${hubName}`,
    body: ticketBody(project, {
      code: "MlProjectHubWithoutCmk",
      what: `This project inherits its encryption from its hub **${hubName}** (\`${hub.id}\`, ${portalLink(hub.id)}), which is not encrypted with a customer-managed key. Neither can be fixed in place.`,
      why: "Your organisation requires data at rest to be encrypted with keys it controls. The project's metadata is stored through its hub with Microsoft-managed keys.",
      sections: [{ title: "Warning", text: managedGroupWarning }],
      steps: [
        `Follow the ticket of the hub ${hubName} (finding \`MlWorkspaceWithoutCmk\`): re-create the hub with a customer-managed key.`,
        "Create a new project under the new hub and migrate this project's data assets, models, environments, components, compute and endpoints to it.",
        "Delete this project when the new one works.",
      ],
      selfAction: `Nothing can be fixed automatically: the service keeps this ticket up to date and closes it when the project is deleted. ${exclusionHint(context.settings)}`,
    }),
  };
}

function evaluateProject(resource: ArmResourceJson, context: RuleContext): Evaluation {
  if (encryptionEnabled(resource)) {
    return evaluationOf(resource, {
      notes: ["project reports customer-managed key encryption (inherited from its hub)"],
    });
  }
  const hubId = stringField(resource, "properties", "hubResourceId");
  if (hubId === undefined || hubId.trim() === "") {
    return evaluationOf(resource, {
      undetermined:
        "the project has no properties.hubResourceId, so the hub it inherits encryption from is unknown",
    });
  }
  const hub = context.hub;
  if (hub === undefined || !sameResourceId(hub.id, hubId)) {
    return evaluationOf(resource, {
      notes: hub === undefined ? [] : [`the hub provided (${hub.id}) is not this project's hub: ignored`],
      undetermined: `the project's hub ${hubId} was not provided: read it and evaluate again`,
    });
  }
  if (encryptionEnabled(hub)) {
    return evaluationOf(resource, { notes: [`inherits customer-managed key encryption from hub ${hub.id}`] });
  }
  return evaluationOf(resource, {
    findings: [hubWithoutCmkFinding(resource, hub, context)],
    notes: [`hub ${hub.id} is not encrypted with a customer-managed key`],
  });
}

function invalidKeyFinding(resource: ArmResourceJson, context: RuleContext): Finding {
  const raw =
    stringField(resource, "properties", "encryption", "keyVaultProperties", "keyIdentifier") ?? "(absent)";
  return {
    code: "CmkKeyReferenceInvalid",
    severity: "medium",
    resourceId: resource.id,
    resourceType: resource.type,
    title: `${LABEL} ${nameOf(resource.id)}: its customer-managed key cannot be identified`,
    body: ticketBody(resource, {
      code: "CmkKeyReferenceInvalid",
      what: `The workspace reports customer-managed key encryption, but \`properties.encryption.keyVaultProperties.keyIdentifier\` (${raw}) is not a Key Vault key URI.`,
      why: "The service cannot check the key's vault, expiry or newer versions, so a key problem would go unnoticed until the workspace stops working.",
      steps: [
        "Check the workspace's *Encryption* settings in the portal and the key it names.",
        "If the key URI is wrong, update it to a key in the original vault (`properties.encryption.keyVaultProperties.keyIdentifier`).",
      ],
      selfAction: `The service re-checks the workspace on its next change and at each sweep. ${exclusionHint(context.settings)}`,
    }),
  };
}

/**
 * Judges a Machine Learning workspace (Default, Hub, FeatureStore, Project). A workspace without
 * customer-managed key encryption gets a re-creation ticket (it cannot be fixed in place); a
 * Project is judged by its Hub; a CMK workspace gets the shared consumer checks and a catch-up
 * rotation unless service-side encryption rules rotation out.
 */
export function evaluateMlWorkspace(resource: ArmResourceJson, context: RuleContext): Evaluation {
  if (sameText(resource.kind, "Project")) return evaluateProject(resource, context);
  if (!encryptionEnabled(resource)) {
    return evaluationOf(resource, { findings: [withoutCmkFinding(resource, context)] });
  }
  const key = mlWorkspaceRule.currentKey(resource);
  if (key === undefined) return evaluationOf(resource, { findings: [invalidKeyFinding(resource, context)] });
  const cannot = mlWorkspaceRule.cannotRotate(resource);
  const checks = checkCmkConsumer(
    {
      resource,
      label: LABEL,
      key,
      keyLossConsequence: mlWorkspaceRule.keyLossConsequence,
      rotate: cannot === undefined,
    },
    context,
    exclusionHint(context.settings),
  );
  const managedGroup = stringField(resource, "properties", "serviceProvisionedResourceGroup");
  return evaluationOf(resource, {
    findings: checks.findings,
    maintenance: checks.maintenance,
    undetermined: checks.undetermined,
    cmkKeyId: checks.cmkKeyId,
    notes: [
      ...checks.notes,
      ...(cannot === undefined ? [] : [`no catch-up rotation: ${cannot.message}`]),
      ...(managedGroup === undefined
        ? []
        : [`its CMK metadata lives in the managed resource group ${managedGroup}`]),
    ],
  });
}
