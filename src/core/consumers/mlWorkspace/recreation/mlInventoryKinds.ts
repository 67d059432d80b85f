import { field, stringField, type ArmResourceJson } from "../../../arm/armResource.js";
import { sameText } from "../../../arm/armValues.js";

/*
 * Sources of the commands (every one is in docs/az-commands.json with its flags):
 * Azure/azure-cli-extensions src/machinelearningservices/azext_mlv2/manual/_params/ (`--workspace-name`
 * and `--resource-group` from _common_params.add_common_params, `--file` from add_file_param, each
 * group's own file for the rest), MicrosoftDocs/azure-docs-cli network/private-endpoint.yml and the
 * role assignment command of Azure/azure-cli. Compute, endpoints, datastores, connections, assets and
 * schedules cannot be moved between workspaces: they are exported (`show`) and created again from
 * their YAML definition; a model's files are downloaded and registered again.
 */

/** The kinds of things a workspace holds that must move to its replacement, in migration order. */
export const ML_INVENTORY_KINDS = [
  "connections",
  "datastores",
  "dataAssets",
  "models",
  "environments",
  "components",
  "computeInstances",
  "computeClusters",
  "attachedCompute",
  "onlineEndpoints",
  "onlineDeployments",
  "batchEndpoints",
  "batchDeployments",
  "schedules",
  "privateEndpoints",
  "roleAssignments",
] as const;

/** One of {@link ML_INVENTORY_KINDS}. */
export type MlInventoryKind = (typeof ML_INVENTORY_KINDS)[number];

/**
 * The child collections of a workspace the inventory lists (relative to the workspace id), as the
 * Machine Learning REST API names them. Deployments hang below each endpoint and are listed per endpoint.
 */
export const ML_CHILD_COLLECTIONS = [
  "computes",
  "onlineEndpoints",
  "batchEndpoints",
  "datastores",
  "connections",
  "models",
  "environments",
  "components",
  "data",
  "schedules",
  "privateEndpointConnections",
] as const;

/** The collection of an endpoint's deployments, relative to the workspace. */
export function deploymentsCollection(
  endpointsCollection: "onlineEndpoints" | "batchEndpoints",
  endpoint: string,
) {
  return `${endpointsCollection}/${endpoint}/deployments`;
}

/** Names the commands of one kind are written with. */
export interface CommandNames {
  readonly oldName: string;
  readonly newName: string;
  readonly resourceGroup: string;
  /** ARM id the new workspace will have. */
  readonly newId: string;
}

/** How one kind is found in the readings, described and moved. */
export interface MlInventoryKindSpec {
  readonly kind: MlInventoryKind;
  readonly label: string;
  /** The collection it is read from. */
  readonly collection: string;
  /** Keeps the items of this kind when a collection holds several (computes). */
  readonly accepts?: (item: ArmResourceJson) => boolean;
  /** A short description of one item (type, target, version...). */
  readonly detail?: (item: ArmResourceJson) => string | undefined;
  /** Items the new workspace creates by itself (not to move). */
  readonly automatic?: (item: ArmResourceJson) => boolean;
  /** What to run, in order, with the workspace names filled in; `<...>` are per item. */
  readonly commands: (n: CommandNames) => string[];
  /** What a person must know that the commands do not say. */
  readonly note?: string;
}

const computeType = (item: ArmResourceJson): string => stringField(item, "properties", "computeType") ?? "";

const joined = (...parts: (string | undefined)[]): string | undefined => {
  const kept = parts.filter((p): p is string => p !== undefined && p !== "");
  return kept.length === 0 ? undefined : kept.join(", ");
};

const latestVersion = (item: ArmResourceJson): string | undefined => {
  const v = field(item, "properties", "latestVersion");
  return typeof v === "string" && v !== "" ? `latest version ${v}` : undefined;
};

const SYSTEM_DATASTORES = new Set([
  "workspaceblobstore",
  "workspacefilestore",
  "workspaceartifactstore",
  "workspaceworkingdirectory",
]);

const wg = (workspace: string, n: CommandNames) =>
  `--workspace-name ${workspace} --resource-group ${n.resourceGroup}`;

/** Every kind, in {@link ML_INVENTORY_KINDS} order. */
export const ML_INVENTORY_SPECS: readonly MlInventoryKindSpec[] = [
  {
    kind: "connections",
    label: "Connections",
    collection: "connections",
    detail: (i) => joined(stringField(i, "properties", "category"), stringField(i, "properties", "target")),
    commands: (n) => [
      `az ml connection show --name <connection> ${wg(n.oldName, n)}`,
      `az ml connection create --file <connection>.yml ${wg(n.newName, n)}`,
    ],
    note: "Secrets (keys, tokens, passwords) are not exported: put them into the YAML again before creating.",
  },
  {
    kind: "datastores",
    label: "Datastores",
    collection: "datastores",
    detail: (i) =>
      joined(
        stringField(i, "properties", "datastoreType"),
        stringField(i, "properties", "accountName"),
        stringField(i, "properties", "containerName"),
      ),
    automatic: (i) => SYSTEM_DATASTORES.has(i.name.toLowerCase()),
    commands: (n) => [
      `az ml datastore show --name <datastore> ${wg(n.oldName, n)}`,
      `az ml datastore create --file <datastore>.yml ${wg(n.newName, n)}`,
    ],
    note: "The workspace's own datastores (workspaceblobstore, workspacefilestore, ...) are created with the new workspace on the same storage account. Credentials are not exported.",
  },
  {
    kind: "dataAssets",
    label: "Data assets",
    collection: "data",
    detail: latestVersion,
    commands: (n) => [
      `az ml data show --name <data> --version <version> ${wg(n.oldName, n)}`,
      `az ml data create --file <data>.yml ${wg(n.newName, n)}`,
    ],
    note: "Re-register each version you need against the re-created datastores; the data itself stays where it is.",
  },
  {
    kind: "models",
    label: "Models",
    collection: "models",
    detail: latestVersion,
    commands: (n) => [
      `az ml model download --name <model> --version <version> --download-path ./models/<model> ${wg(n.oldName, n)}`,
      `az ml model create --name <model> --version <version> --path ./models/<model> ${wg(n.newName, n)}`,
    ],
    note: "Or share them through an Azure Machine Learning registry.",
  },
  {
    kind: "environments",
    label: "Environments",
    collection: "environments",
    detail: latestVersion,
    automatic: (i) => i.name.startsWith("AzureML-"),
    commands: (n) => [
      `az ml environment show --name <environment> --version <version> ${wg(n.oldName, n)}`,
      `az ml environment create --file <environment>.yml ${wg(n.newName, n)}`,
    ],
    note: "Curated environments (AzureML-*) exist in every workspace and need no move.",
  },
  {
    kind: "components",
    label: "Components",
    collection: "components",
    detail: latestVersion,
    commands: (n) => [
      `az ml component show --name <component> --version <version> ${wg(n.oldName, n)}`,
      `az ml component create --file <component>.yml ${wg(n.newName, n)}`,
    ],
  },
  {
    kind: "computeInstances",
    label: "Compute instances",
    collection: "computes",
    accepts: (i) => sameText(computeType(i), "ComputeInstance"),
    detail: (i) => stringField(i, "properties", "properties", "vmSize"),
    commands: (n) => [
      `az ml compute show --name <compute> ${wg(n.oldName, n)}`,
      `az ml compute create --file <compute>.yml ${wg(n.newName, n)}`,
      `az ml compute delete --name <compute> ${wg(n.oldName, n)}`,
    ],
    note: "Compute cannot move between workspaces: create it again, then delete the old one (it costs while it exists).",
  },
  {
    kind: "computeClusters",
    label: "Compute clusters",
    collection: "computes",
    accepts: (i) => sameText(computeType(i), "AmlCompute"),
    detail: (i) => stringField(i, "properties", "properties", "vmSize"),
    commands: (n) => [
      `az ml compute show --name <compute> ${wg(n.oldName, n)}`,
      `az ml compute create --file <compute>.yml ${wg(n.newName, n)}`,
      `az ml compute delete --name <compute> ${wg(n.oldName, n)}`,
    ],
  },
  {
    kind: "attachedCompute",
    label: "Attached compute",
    collection: "computes",
    accepts: (i) => !["computeinstance", "amlcompute"].includes(computeType(i).toLowerCase()),
    detail: (i) => joined(computeType(i), stringField(i, "properties", "resourceId")),
    commands: (n) => [
      `az ml compute detach --name <compute> ${wg(n.oldName, n)}`,
      `az ml compute attach --file <compute>.yml ${wg(n.newName, n)}`,
    ],
    note: "The attached resource (Kubernetes cluster, VM...) stays; only its attachment moves.",
  },
  {
    kind: "onlineEndpoints",
    label: "Online endpoints",
    collection: "onlineEndpoints",
    detail: (i) =>
      joined(stringField(i, "properties", "authMode"), stringField(i, "properties", "scoringUri")),
    commands: (n) => [
      `az ml online-endpoint show --name <endpoint> ${wg(n.oldName, n)}`,
      `az ml online-endpoint create --file <endpoint>.yml ${wg(n.newName, n)}`,
    ],
    note: "The new endpoint has a new scoring URI and keys: switch every caller before deleting the old one.",
  },
  {
    kind: "onlineDeployments",
    label: "Online deployments",
    collection: "onlineEndpoints/*/deployments",
    detail: (i) => stringField(i, "properties", "model"),
    commands: (n) => [
      `az ml online-deployment show --name <deployment> --endpoint-name <endpoint> ${wg(n.oldName, n)}`,
      `az ml online-deployment create --file <deployment>.yml --all-traffic ${wg(n.newName, n)}`,
    ],
  },
  {
    kind: "batchEndpoints",
    label: "Batch endpoints",
    collection: "batchEndpoints",
    detail: (i) => stringField(i, "properties", "scoringUri"),
    commands: (n) => [
      `az ml batch-endpoint show --name <endpoint> ${wg(n.oldName, n)}`,
      `az ml batch-endpoint create --file <endpoint>.yml ${wg(n.newName, n)}`,
    ],
  },
  {
    kind: "batchDeployments",
    label: "Batch deployments",
    collection: "batchEndpoints/*/deployments",
    detail: (i) => stringField(i, "properties", "model", "assetId"),
    commands: (n) => [
      `az ml batch-deployment show --name <deployment> --endpoint-name <endpoint> ${wg(n.oldName, n)}`,
      `az ml batch-deployment create --file <deployment>.yml --set-default ${wg(n.newName, n)}`,
    ],
  },
  {
    kind: "schedules",
    label: "Schedules",
    collection: "schedules",
    detail: (i) =>
      joined(
        field(i, "properties", "isEnabled") === false ? "disabled" : "enabled",
        stringField(i, "properties", "trigger", "triggerType"),
        stringField(i, "properties", "trigger", "expression"),
      ),
    commands: (n) => [
      `az ml schedule show --name <schedule> ${wg(n.oldName, n)}`,
      `az ml schedule create --file <schedule>.yml ${wg(n.newName, n)}`,
      `az ml schedule disable --name <schedule> ${wg(n.oldName, n)}`,
    ],
    note: "Disable the old schedule as soon as the new one runs, or both will run. Job history does not move.",
  },
  {
    kind: "privateEndpoints",
    label: "Private endpoints",
    collection: "privateEndpointConnections",
    detail: (i) =>
      joined(
        stringField(i, "properties", "privateEndpoint", "id"),
        stringField(i, "properties", "privateLinkServiceConnectionState", "status"),
      ),
    commands: (n) => [
      `az network private-endpoint create --name <private-endpoint>-cmk --resource-group <network resource group> --vnet-name <vnet> --subnet <subnet> --private-connection-resource-id ${n.newId} --group-id amlworkspace --connection-name <private-endpoint>-cmk`,
    ],
    note: "Give the new private endpoint the same virtual network, subnet and private DNS zone group as the old one.",
  },
  {
    kind: "roleAssignments",
    label: "Role assignments on the workspace",
    collection: "roleAssignments",
    commands: (n) => [
      `az role assignment create --assignee-object-id <principal> --assignee-principal-type <type> --role <role definition id> --scope ${n.newId}`,
    ],
    note: "Only assignments made on the workspace itself are listed; those inherited from the resource group or subscription apply to the new workspace already.",
  },
];
