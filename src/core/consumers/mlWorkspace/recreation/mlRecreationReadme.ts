import { tryParseResourceId } from "../../../ids/resourceId.js";
import type { MlInventoryGroup, MlWorkspaceInventory } from "./mlInventory.js";
import type { KeyVerdict } from "./mlKeyChoice.js";
import type { MlRecreationInventory } from "./mlRecreationKit.js";
import { REPLACES_TAG } from "./mlRecreationFacts.js";
import { replacementName } from "./mlRecreationTemplate.js";

/** At most this many item names per kind in texts; the inventory file has them all. */
const NAMES_SHOWN = 25;

/** One kind's items as a markdown list (names and details), cut at {@link NAMES_SHOWN}. */
export function itemLines(group: MlInventoryGroup): string[] {
  const shown = group.items.slice(0, NAMES_SHOWN).map((i) => {
    const detail = i.detail === undefined ? "" : ` (${i.detail})`;
    return `  - \`${i.name}\`${detail}${i.automatic === true ? " (created with the new workspace: nothing to do)" : ""}`;
  });
  if (group.items.length > NAMES_SHOWN)
    shown.push(`  - … and ${group.items.length - NAMES_SHOWN} more (inventory.json)`);
  return shown;
}

/** The key the template names, or what a usable one needs, for people. */
export function keyText(inventory: MlRecreationInventory): string {
  const choice = inventory.key;
  if (choice === undefined) return "A replacement exists already, so the service no longer chooses a key.";
  const chosen = choice.chosen;
  if (chosen !== undefined) {
    const warnings = chosen.reasons.filter((r) => r.severity === "warning").map((r) => r.message);
    return [
      `The template uses key \`${chosen.keyId ?? ""}\` (${chosen.keySize === undefined ? "RSA" : `RSA ${chosen.keySize} bits`}) of vault \`${chosen.vaultId}\` (${chosen.usesRbac === true ? "Azure RBAC: the new identity gets the Key Vault Crypto Service Encryption User role on the vault" : "access policies: the new identity gets get, wrapKey and unwrapKey"}). The service chose it because it passes the same preflight proof as every key rotation, for a workspace in ${inventory.workspace.location} in this subscription: soft delete and purge protection on, key enabled, RSA, wrapKey and unwrapKey allowed, not expiring within the service's margin, the vault's firewall letting trusted services through.`,
      ...(warnings.length === 0 ? [] : ["", ...warnings.map((w) => `- Warning: ${w}`)]),
      "",
      "Choose carefully: after creation the workspace's key can only move to another key **in the same vault**. To use another key, pass `--parameters keyVaultId=... keyIdentifier=... keyVaultUsesRbac=...`.",
    ].join("\n");
  }
  const lines = [
    `No key in a vault of this subscription and region (${inventory.workspace.location}) passes the preflight proof, so the template takes the vault and key as parameters (\`keyVaultId\`, \`keyIdentifier\`, \`keyVaultUsesRbac\`). A usable key: in a vault of the workspace's subscription and region, with soft delete and purge protection on and a firewall (if any) that lets trusted Microsoft services through; RSA or RSA-HSM (3072 bits recommended, 2048 minimum), enabled, with wrapKey and unwrapKey allowed and an expiry well in the future.`,
  ];
  if (choice.considered.length > 0) {
    lines.push("", "Keys considered:");
    for (const v of choice.considered.slice(0, NAMES_SHOWN)) lines.push(`- ${verdictLine(v)}`);
  }
  return lines.join("\n");
}

function verdictLine(v: KeyVerdict): string {
  const what =
    v.keyName === undefined ? `vault \`${v.vaultId}\`` : `key \`${v.keyName}\` of vault \`${v.vaultId}\``;
  const errors = v.reasons.filter((r) => r.severity === "error").map((r) => `${r.code}: ${r.message}`);
  return `${what}: ${errors.length === 0 ? "usable" : errors.join("; ")}`;
}

function groupSteps(inventory: MlWorkspaceInventory, heading: string): string[] {
  const steps: string[] = [];
  for (const g of inventory.groups) {
    if (g.unreadable !== undefined) {
      steps.push(
        `**${g.label}** of ${heading}: the service could not list them (${g.unreadable}). Check them yourself; move them with:\n${commandBlock(g.commands)}`,
      );
      continue;
    }
    if (g.count === 0) continue;
    steps.push(
      [
        `**${g.label}** of ${heading}: ${g.count} to move${g.truncated === true ? " (at least; the list was cut)" : ""}.`,
        ...itemLines(g),
        ...(g.note === undefined ? [] : [g.note]),
        commandBlock(g.commands),
      ].join("\n"),
    );
  }
  return steps;
}

function commandBlock(commands: readonly string[]): string {
  return ["```sh", ...commands, "```"].join("\n");
}

/**
 * `README.md` of the kit: the migration steps in order, with this workspace's names, counts and
 * commands filled in. Pure.
 */
export function mlRecreationReadme(inventory: MlRecreationInventory): string {
  const ws = inventory.workspace;
  const parsed = tryParseResourceId(ws.id);
  const rg = parsed?.resourceGroup ?? "<resource group>";
  const isHub = ws.kind.toLowerCase() === "hub";
  const what = isHub ? "hub" : "workspace";
  const noKey = inventory.key !== undefined && inventory.key.chosen === undefined;
  const keyParams = noKey
    ? " --parameters keyVaultId=<vault id> keyIdentifier=<key id> keyVaultUsesRbac=<true|false>"
    : "";
  const steps: string[] = [
    `Check what the template will create, in the old ${what}'s resource group (you need to create resources there, and to add an access policy or a role assignment on the key's vault):\n${commandBlock([`az deployment group create --resource-group ${rg} --template-file template.json${keyParams} --what-if`])}`,
    `Deploy it. It creates the identity \`id-${inventory.newName}\`, grants it the use of the key, then creates \`${inventory.newName}\`${isHub ? ` and its ${inventory.projects.length} project(s)` : ""} tagged \`${REPLACES_TAG}\`, which is how the service links the new ${what} to its ticket:\n${commandBlock([`az deployment group create --resource-group ${rg} --name ${inventory.newName}-recreate --template-file template.json${keyParams}`])}\n**Do not delete the Microsoft-managed resource group** (\`azureml-rg-${inventory.newName}_{guid}\`) the new ${what} creates: it holds the data encrypted with your key.`,
    ...groupSteps(inventory.inventory, `\`${ws.name}\``),
  ];
  for (const project of inventory.projects) {
    steps.push(
      `Project \`${project.name}\` is re-created by the template as \`${replacementName(project.name)}\` under the new hub. Move its assets:`,
      ...groupSteps(project, `project \`${project.name}\``),
    );
  }
  for (const p of inventory.unreadableProjects) {
    steps.push(
      `Project \`${p.id}\` could not be read (${p.reason}): re-create it under the new hub and move its assets by hand.`,
    );
  }
  steps.push(
    `Update everything that names the old ${what}: CI/CD pipelines, SDK and CLI configuration (\`config.json\`), callers of endpoints, monitoring. Job history does not move: export the metrics you must keep.`,
    `When the new ${what} works, delete the old one${isHub ? " (its projects first)" : ""}; add \`--permanently-delete\` only if you need its name back at once:\n${commandBlock([`az ml workspace delete --name ${ws.name} --resource-group ${rg}`])}\nThe service closes the ticket once ARM answers that \`${ws.name}\` no longer exists.`,
  );
  const total = inventory.inventory.total + inventory.projects.reduce((n, p) => n + p.total, 0);
  return [
    `# Re-creating ${what} \`${ws.name}\` with a customer-managed key`,
    "",
    `\`${ws.id}\` (${ws.kind}, ${ws.location}) was created without customer-managed key encryption, which can only be chosen when a ${what} is created. This kit re-creates it as \`${inventory.newName}\`: \`template.json\` (ARM, for \`az deployment group create\`), \`inventory.json\` (everything the service found in it: ${total} item(s) to move) and these steps.`,
    "",
    "## The key",
    "",
    keyText(inventory),
    "",
    "## Steps",
    "",
    ...steps.map((s, i) => `${i + 1}. ${s.split("\n").join("\n   ")}`),
    "",
  ].join("\n");
}
