import type { ArmResourceJson } from "../../../src/core/arm/armResource.js";
import { materialJson, type MaterialEntry } from "./material.js";

/** One response body of an x-ms-examples file, or one item of a list answer. */
export interface ExampleBody {
  /** `200`, `201`, `202`, `default`... */
  readonly status: string;
  /** Index in `value` (ARM list) or `data` (Resource Graph rows); undefined for a single body. */
  readonly index?: number;
  readonly body: unknown;
  /** Fields the example left out that an ARM GET always returns, filled from the operation (`id`, `type`). */
  readonly completed: readonly string[];
}

interface ExampleFile {
  parameters?: Record<string, unknown>;
  responses?: Record<string, { body?: unknown } | undefined>;
}

/** ARM resource type and name parameter of the operations whose bodies may lack `id` or `type`. */
const operationTypes: Record<string, { type: string; nameParameter: string }> = {
  DiskEncryptionSets: {
    type: "Microsoft.Compute/diskEncryptionSets",
    nameParameter: "diskEncryptionSetName",
  },
  Disks: { type: "Microsoft.Compute/disks", nameParameter: "diskName" },
  Snapshots: { type: "Microsoft.Compute/snapshots", nameParameter: "snapshotName" },
  VirtualMachines: { type: "Microsoft.Compute/virtualMachines", nameParameter: "vmName" },
  Accounts: { type: "Microsoft.CognitiveServices/accounts", nameParameter: "accountName" },
  Workspaces: { type: "Microsoft.MachineLearningServices/workspaces", nameParameter: "workspaceName" },
  Vaults: { type: "Microsoft.KeyVault/vaults", nameParameter: "vaultName" },
  ManagedHsms: { type: "Microsoft.KeyVault/managedHSMs", nameParameter: "name" },
};

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Fills `id` and `type` of a single-resource answer from the operation, as ARM's GET returns them. */
function complete(
  entry: MaterialEntry,
  parameters: Record<string, unknown>,
  body: unknown,
): { body: unknown; completed: string[] } {
  const family = operationTypes[(entry.operation ?? "").split("_")[0] ?? ""];
  if (family === undefined || !isObject(body)) return { body, completed: [] };
  const completed: string[] = [];
  const out: Record<string, unknown> = { ...body };
  if (typeof out.type !== "string") {
    out.type = family.type;
    completed.push("type");
  }
  if (typeof out.id !== "string") {
    const name = typeof out.name === "string" ? out.name : String(parameters[family.nameParameter]);
    out.id = `/subscriptions/${String(parameters.subscriptionId)}/resourceGroups/${String(parameters.resourceGroupName)}/providers/${family.type}/${name}`;
    completed.push("id");
  }
  return { body: out, completed };
}

/** Every response body of an example file, list answers split into their items. */
export function exampleBodies(entry: MaterialEntry): ExampleBody[] {
  const example = materialJson(entry.file) as ExampleFile;
  const out: ExampleBody[] = [];
  for (const [status, response] of Object.entries(example.responses ?? {})) {
    const body = response?.body;
    if (body === undefined || status === "default") continue;
    const items =
      isObject(body) && Array.isArray(body.value)
        ? body.value
        : isObject(body) && Array.isArray(body.data)
          ? body.data
          : undefined;
    if (items !== undefined) {
      items.forEach((item: unknown, index) => {
        out.push({ status, index, body: item, completed: [] });
      });
    } else {
      out.push({ status, ...complete(entry, example.parameters ?? {}, body) });
    }
  }
  return out;
}

/** A body as the ARM resource JSON the rules read (the caller checked it is one). */
export function asArm(body: unknown): ArmResourceJson {
  return body as ArmResourceJson;
}
