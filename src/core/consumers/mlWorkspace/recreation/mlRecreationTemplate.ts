import { field, stringField, type ArmResourceJson } from "../../../arm/armResource.js";
import { KEY_USE_ROLES } from "../../../keyStores/keyVaultRoles.js";
import type { KeyVerdict } from "./mlKeyChoice.js";
import { REPLACES_TAG } from "./mlRecreationFacts.js";

/*
 * The template is ARM JSON for `az deployment group create` in the old workspace's resource group.
 * Shapes: Microsoft.MachineLearningServices/workspaces 2025-09-01 (`Workspace`, `WorkspaceProperties`,
 * `EncryptionProperty` in the vendored workspaceRP.json; the `Workspace/create.json` example pairs
 * `identity.type: "SystemAssigned,UserAssigned"` with `encryption.identity.userAssignedIdentity` and a
 * versioned `keyIdentifier`), Microsoft.ManagedIdentity/userAssignedIdentities 2023-01-31,
 * Microsoft.KeyVault/vaults/accessPolicies 2023-07-01 (`{vault}/add`), Microsoft.Authorization/
 * roleAssignments 2022-04-01 (extension resource with `scope`), Microsoft.Resources/deployments
 * 2022-09-01 (a nested deployment into the vault's resource group, `expressionEvaluationOptions.scope:
 * inner`). Why a user-assigned identity: the workspace checks its access to the key when it is
 * created, and a system-assigned identity only exists once the workspace does, so nothing could be
 * granted to it in time. The workspace keeps the old one's system-assigned identity (its associated
 * resources are granted to that kind of identity) and uses the new identity only for the key.
 */

/** The api-version of the workspace resources in the template (the schema they are validated against). */
export const TEMPLATE_WORKSPACE_API_VERSION = "2025-09-01";

const CRYPTO_SERVICE_ENCRYPTION_USER = KEY_USE_ROLES[0]?.id ?? "e147488a-f6f5-4113-8e2d-b22465e65bf6";

/** A workspace name for the replacement: `{old}-cmk`, cut to the 33 characters Machine Learning allows. */
export function replacementName(oldName: string): string {
  const suffix = "-cmk";
  return `${oldName.slice(0, 33 - suffix.length)}${suffix}`;
}

type Json = Record<string, unknown>;

const STRING_PROPERTIES = [
  "description",
  "storageAccount",
  "containerRegistry",
  "applicationInsights",
  "keyVault",
  "publicNetworkAccess",
  "systemDatastoresAuthMode",
  "primaryUserAssignedIdentity",
] as const;

const BOOLEAN_PROPERTIES = [
  "hbiWorkspace",
  "allowPublicAccessWhenBehindVnet",
  "v1LegacyMode",
  "enableDataIsolation",
] as const;

const SKU_TIERS = new Set(["Free", "Basic", "Standard", "Premium"]);

function copyProperties(old: ArmResourceJson): Json {
  const out: Json = {};
  for (const name of STRING_PROPERTIES) {
    const v = stringField(old, "properties", name);
    if (v !== undefined && v !== "") out[name] = v;
  }
  for (const name of BOOLEAN_PROPERTIES) {
    const v = field(old, "properties", name);
    if (typeof v === "boolean") out[name] = v;
  }
  const serverless = field(old, "properties", "serverlessComputeSettings");
  if (serverless !== null && typeof serverless === "object") {
    const subnet = stringField(serverless, "serverlessComputeCustomSubnet");
    const noPublicIp = field(serverless, "serverlessComputeNoPublicIP");
    const copy: Json = {
      ...(subnet === undefined ? {} : { serverlessComputeCustomSubnet: subnet }),
      ...(typeof noPublicIp === "boolean" ? { serverlessComputeNoPublicIP: noPublicIp } : {}),
    };
    if (Object.keys(copy).length > 0) out.serverlessComputeSettings = copy;
  }
  const network = managedNetwork(old);
  if (network !== undefined) out.managedNetwork = network;
  return out;
}

/** Isolation mode, firewall SKU and the user-defined outbound rules (the required ones are the service's). */
function managedNetwork(old: ArmResourceJson): Json | undefined {
  const isolationMode = stringField(old, "properties", "managedNetwork", "isolationMode");
  if (isolationMode === undefined) return undefined;
  const firewallSku = stringField(old, "properties", "managedNetwork", "firewallSku");
  const rules = field(old, "properties", "managedNetwork", "outboundRules");
  const userRules: Json = {};
  if (rules !== null && typeof rules === "object") {
    for (const [name, rule] of Object.entries(rules as Json)) {
      const type = stringField(rule, "type");
      if (type === undefined || stringField(rule, "category")?.toLowerCase() !== "userdefined") continue;
      const destination = field(rule, "destination");
      userRules[name] = {
        type,
        category: "UserDefined",
        ...(destination === undefined || destination === null ? {} : { destination }),
      };
    }
  }
  return {
    isolationMode,
    ...(firewallSku === undefined ? {} : { firewallSku }),
    ...(Object.keys(userRules).length > 0 ? { outboundRules: userRules } : {}),
  };
}

function sku(old: ArmResourceJson): Json | undefined {
  const name = stringField(old, "sku", "name");
  if (name === undefined) return undefined;
  const tier = stringField(old, "sku", "tier");
  return { name, ...(tier !== undefined && SKU_TIERS.has(tier) ? { tier } : {}) };
}

function hasSystemIdentity(resource: ArmResourceJson): boolean {
  const type = stringField(resource, "identity", "type") ?? "";
  return type
    .split(",")
    .map((t) => t.trim().toLowerCase())
    .includes("systemassigned");
}

function userIdentityIds(resource: ArmResourceJson): string[] {
  const map = field(resource, "identity", "userAssignedIdentities");
  return map !== null && typeof map === "object" ? Object.keys(map) : [];
}

function tagsWith(old: ArmResourceJson): Json {
  const tags: Json = {};
  for (const [k, v] of Object.entries(old.tags ?? {})) {
    if (k.toLowerCase() !== REPLACES_TAG && typeof v === "string") tags[k] = v;
  }
  tags[REPLACES_TAG] = old.id;
  return tags;
}

const IDENTITY_ID =
  "[resourceId('Microsoft.ManagedIdentity/userAssignedIdentities', parameters('cmkIdentityName'))]";
const WORKSPACE_ID =
  "[resourceId('Microsoft.MachineLearningServices/workspaces', parameters('workspaceName'))]";
const GRANT_DEPLOYMENT_NAME = "[format('{0}-cmk-key-access', parameters('workspaceName'))]";
const GRANT_DEPLOYMENT_ID =
  "[resourceId(variables('keyVaultSubscriptionId'), variables('keyVaultResourceGroup'), 'Microsoft.Resources/deployments', format('{0}-cmk-key-access', parameters('workspaceName')))]";

const KEY_REQUIREMENTS =
  "in the workspace's subscription and region, with soft delete and purge protection on, its firewall (if any) letting trusted Microsoft services through; the key RSA or RSA-HSM (3072 bits recommended, 2048 minimum), enabled, permitting wrapKey and unwrapKey, not expiring soon";

/** What the template is made from. */
export interface TemplateInput {
  readonly old: ArmResourceJson;
  readonly projects: readonly ArmResourceJson[];
  readonly newName: string;
  /** The key chosen by the preflight; without one the template takes the vault and key as parameters. */
  readonly key?: KeyVerdict | undefined;
}

function keyParameters(key: KeyVerdict | undefined): Json {
  const chosen = key?.keyId !== undefined && key.usesRbac !== undefined;
  const because = chosen
    ? " Chosen by the CMK remediation service: it passes the preflight proof for this workspace."
    : " No vault in the workspace's subscription and region qualified when the kit was made: give one that does.";
  return {
    keyVaultId: {
      type: "string",
      ...(chosen ? { defaultValue: key.vaultId } : {}),
      metadata: {
        description: `ARM id of the Key Vault holding the key: ${KEY_REQUIREMENTS}. It can never change after creation.${because}`,
      },
    },
    keyIdentifier: {
      type: "string",
      ...(chosen ? { defaultValue: key.keyId } : {}),
      metadata: {
        description: `Versioned key identifier (https://{vault}.vault.azure.net/keys/{name}/{version}) of a key in that vault.${because}`,
      },
    },
    keyVaultUsesRbac: {
      type: "bool",
      ...(chosen ? { defaultValue: key.usesRbac } : {}),
      metadata: {
        description:
          "True when the vault uses the Azure RBAC permission model (the identity then gets the Key Vault Crypto Service Encryption User role on the vault), false for access policies (it gets get, wrapKey and unwrapKey).",
      },
    },
  };
}

/** The nested deployment that grants the new identity the use of the key, in the vault's resource group. */
function grantDeployment(): Json {
  return {
    type: "Microsoft.Resources/deployments",
    apiVersion: "2022-09-01",
    name: GRANT_DEPLOYMENT_NAME,
    subscriptionId: "[variables('keyVaultSubscriptionId')]",
    resourceGroup: "[variables('keyVaultResourceGroup')]",
    dependsOn: [IDENTITY_ID],
    properties: {
      mode: "Incremental",
      expressionEvaluationOptions: { scope: "inner" },
      parameters: {
        vaultName: { value: "[variables('keyVaultName')]" },
        principalId: { value: `[reference(${IDENTITY_ID.slice(1, -1)}, '2023-01-31').principalId]` },
        tenantId: { value: "[subscription().tenantId]" },
        useRbac: { value: "[parameters('keyVaultUsesRbac')]" },
      },
      template: {
        $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        contentVersion: "1.0.0.0",
        parameters: {
          vaultName: { type: "string" },
          principalId: { type: "string" },
          tenantId: { type: "string" },
          useRbac: { type: "bool" },
        },
        resources: [
          {
            condition: "[not(parameters('useRbac'))]",
            type: "Microsoft.KeyVault/vaults/accessPolicies",
            apiVersion: "2023-07-01",
            name: "[format('{0}/add', parameters('vaultName'))]",
            properties: {
              accessPolicies: [
                {
                  tenantId: "[parameters('tenantId')]",
                  objectId: "[parameters('principalId')]",
                  permissions: { keys: ["get", "wrapKey", "unwrapKey"] },
                },
              ],
            },
          },
          {
            condition: "[parameters('useRbac')]",
            type: "Microsoft.Authorization/roleAssignments",
            apiVersion: "2022-04-01",
            scope: "[format('Microsoft.KeyVault/vaults/{0}', parameters('vaultName'))]",
            name: `[guid(resourceId('Microsoft.KeyVault/vaults', parameters('vaultName')), parameters('principalId'), '${CRYPTO_SERVICE_ENCRYPTION_USER}')]`,
            properties: {
              roleDefinitionId: `[subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '${CRYPTO_SERVICE_ENCRYPTION_USER}')]`,
              principalId: "[parameters('principalId')]",
              principalType: "ServicePrincipal",
            },
          },
        ],
      },
    },
  };
}

function workspaceResource(old: ArmResourceJson, hubConfig: Json | undefined): Json {
  const userIdentities: Json = { [IDENTITY_ID]: {} };
  for (const id of userIdentityIds(old)) userIdentities[id] = {};
  const skuBody = sku(old);
  return {
    type: "Microsoft.MachineLearningServices/workspaces",
    apiVersion: TEMPLATE_WORKSPACE_API_VERSION,
    name: "[parameters('workspaceName')]",
    location: "[parameters('location')]",
    ...(old.kind === undefined ? {} : { kind: old.kind }),
    ...(skuBody === undefined ? {} : { sku: skuBody }),
    tags: tagsWith(old),
    identity: {
      type: hasSystemIdentity(old) ? "SystemAssigned,UserAssigned" : "UserAssigned",
      userAssignedIdentities: userIdentities,
    },
    dependsOn: [IDENTITY_ID, GRANT_DEPLOYMENT_ID],
    properties: {
      friendlyName: stringField(old, "properties", "friendlyName") ?? old.name,
      ...copyProperties(old),
      ...(hubConfig === undefined ? {} : { workspaceHubConfig: hubConfig }),
      encryption: {
        status: "Enabled",
        identity: { userAssignedIdentity: IDENTITY_ID },
        keyVaultProperties: {
          keyVaultArmId: "[parameters('keyVaultId')]",
          keyIdentifier: "[parameters('keyIdentifier')]",
        },
      },
    },
  };
}

function hubConfigOf(old: ArmResourceJson): Json | undefined {
  const rg = stringField(old, "properties", "workspaceHubConfig", "defaultWorkspaceResourceGroup");
  const extra = field(old, "properties", "workspaceHubConfig", "additionalWorkspaceStorageAccounts");
  const accounts = Array.isArray(extra) ? extra.filter((a): a is string => typeof a === "string") : [];
  if (rg === undefined && accounts.length === 0) return undefined;
  return {
    ...(rg === undefined ? {} : { defaultWorkspaceResourceGroup: rg }),
    ...(accounts.length === 0 ? {} : { additionalWorkspaceStorageAccounts: accounts }),
  };
}

function projectResource(project: ArmResourceJson): Json {
  const skuBody = sku(project);
  const description = stringField(project, "properties", "description");
  return {
    type: "Microsoft.MachineLearningServices/workspaces",
    apiVersion: TEMPLATE_WORKSPACE_API_VERSION,
    name: replacementName(project.name),
    location: project.location ?? "[parameters('location')]",
    kind: "Project",
    ...(skuBody === undefined ? {} : { sku: skuBody }),
    tags: tagsWith(project),
    identity: { type: "SystemAssigned" },
    dependsOn: [WORKSPACE_ID],
    properties: {
      friendlyName: stringField(project, "properties", "friendlyName") ?? project.name,
      ...(description === undefined ? {} : { description }),
      hubResourceId: WORKSPACE_ID,
    },
  };
}

/**
 * The ARM template of the replacement: a user-assigned identity, its grant on the key's vault (a
 * nested deployment in the vault's resource group), the workspace (same kind, region, SKU,
 * associated storage account, container registry, Application Insights and key vault, network
 * isolation, identities, `hbiWorkspace`, tags plus `cmk-remediation-replaces`) with customer-managed
 * key encryption, and for a hub its projects. Pure.
 */
export function mlRecreationTemplate(input: TemplateInput): Json {
  const { old, newName } = input;
  const isHub = old.kind?.toLowerCase() === "hub";
  const resources: Json[] = [
    {
      type: "Microsoft.ManagedIdentity/userAssignedIdentities",
      apiVersion: "2023-01-31",
      name: "[parameters('cmkIdentityName')]",
      location: "[parameters('location')]",
      tags: { [REPLACES_TAG]: old.id },
    },
    grantDeployment(),
    workspaceResource(old, isHub ? hubConfigOf(old) : undefined),
    ...(isHub ? input.projects.map(projectResource) : []),
  ];
  return {
    $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
    contentVersion: "1.0.0.0",
    metadata: {
      description: `Re-creates ${old.id} with customer-managed key encryption. Made by the CMK remediation service (cmkr ml-recreation-kit).`,
      replaces: old.id,
      keyChosenByPreflight: input.key?.keyId !== undefined,
    },
    parameters: {
      workspaceName: {
        type: "string",
        defaultValue: newName,
        minLength: 3,
        maxLength: 33,
        metadata: {
          description: "Name of the new workspace (the old one keeps its name until it is deleted).",
        },
      },
      location: {
        type: "string",
        defaultValue: old.location ?? "",
        metadata: { description: "Region: the old workspace's, which is also the key vault's." },
      },
      cmkIdentityName: {
        type: "string",
        defaultValue: `id-${newName}`,
        metadata: {
          description:
            "User-assigned identity created for the key: granted the key's use before the workspace exists.",
        },
      },
      ...keyParameters(input.key),
    },
    variables: {
      keyVaultSubscriptionId: "[split(parameters('keyVaultId'), '/')[2]]",
      keyVaultResourceGroup: "[split(parameters('keyVaultId'), '/')[4]]",
      keyVaultName: "[last(split(parameters('keyVaultId'), '/'))]",
    },
    resources,
    outputs: {
      workspaceId: { type: "string", value: WORKSPACE_ID },
      cmkIdentityPrincipalId: {
        type: "string",
        value: `[reference(${IDENTITY_ID.slice(1, -1)}, '2023-01-31').principalId]`,
      },
    },
  };
}
