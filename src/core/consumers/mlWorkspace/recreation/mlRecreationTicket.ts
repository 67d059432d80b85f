import { portalLink } from "../../../findings/ticketBody.js";
import type { MlRecreationInventory, MlRecreationKit } from "./mlRecreationKit.js";
import { keyText } from "./mlRecreationReadme.js";
import { REPLACES_TAG } from "./mlRecreationFacts.js";

/** A ticket section: `### title` and markdown. */
export interface TicketSection {
  readonly title: string;
  readonly text: string;
}

/**
 * Past this many characters of JSON the ticket carries the inventory without item lists (counts
 * only): GitHub refuses bodies over 65,536 characters and the rest of the ticket needs room.
 */
const MAX_JSON_CHARS = 40_000;

/** A collapsed block: rendered folded by GitHub and (see markdownToHtml) by Azure DevOps. */
export function detailsBlock(summary: string, language: string, body: string): string {
  return [
    "<details>",
    `<summary>${summary}</summary>`,
    "",
    `\`\`\`${language}`,
    body,
    "```",
    "",
    "</details>",
  ].join("\n");
}

function countsOnly(inventory: MlRecreationInventory): unknown {
  const strip = (inv: MlRecreationInventory["inventory"]) => ({
    ...inv,
    groups: inv.groups.map(({ items: _items, ...g }) => g),
  });
  return { ...inventory, inventory: strip(inventory.inventory), projects: inventory.projects.map(strip) };
}

function progressText(inventory: MlRecreationInventory): string {
  const [first, ...others] = inventory.replacements;
  if (first === undefined) {
    return `None yet. Deploy the template below: the new workspace carries the tag \`${REPLACES_TAG}\` with this workspace's id, and the service links it here at its next sweep.`;
  }
  const lines = [
    `[${first.name}](${portalLink(first.id)}) (\`${first.id}\`) carries \`${REPLACES_TAG}\` for this workspace. ${first.encrypted ? "It is encrypted with a customer-managed key." : "**It is not encrypted with a customer-managed key**: it cannot replace this one; re-create it from the template."}`,
    ...others.map((o) => `- Also tagged as a replacement: \`${o.id}\``),
  ];
  if (first.progress !== undefined) {
    const rows = first.progress.filter((r) => r.inOld > 0 || r.unreadable !== undefined);
    const left = rows.reduce((n, r) => n + r.remaining.length, 0);
    lines.push(
      "",
      left === 0
        ? "Everything the service can see in this workspace has a counterpart in the new one: check it works, then delete this workspace."
        : `Still only in this workspace: ${left} item(s).`,
      "",
      "| What | Here | In the new one | Still to move |",
      "| --- | --- | --- | --- |",
      ...rows.map(
        (r) =>
          `| ${r.label} | ${r.inOld} | ${r.inNew} | ${
            r.unreadable !== undefined
              ? "could not be listed"
              : r.remaining.length === 0
                ? "none"
                : r.remaining
                    .slice(0, 10)
                    .map((n) => `\`${n}\``)
                    .join(", ") + (r.remaining.length > 10 ? ` and ${r.remaining.length - 10} more` : "")
          } |`,
      ),
    );
  }
  return lines.join("\n");
}

function countsText(inventory: MlRecreationInventory): string {
  const all = [inventory.inventory, ...inventory.projects];
  const lines: string[] = [];
  for (const inv of all) {
    const present = inv.groups.filter((g) => g.count > 0 || g.unreadable !== undefined);
    const label = inv === inventory.inventory ? `\`${inv.name}\`` : `project \`${inv.name}\``;
    lines.push(
      `- ${label}: ${present.length === 0 ? "nothing to move" : present.map((g) => (g.unreadable !== undefined ? `${g.label}: could not be listed` : `${g.label}: ${g.count}`)).join(", ")}`,
    );
  }
  for (const p of inventory.unreadableProjects)
    lines.push(`- project \`${p.id}\`: could not be read (${p.reason})`);
  return lines.join("\n");
}

/**
 * The ticket's re-creation sections: the replacement (linked by its tag) and what is still to move,
 * the inventory, the key, and the kit's `inventory.json` and `template.json` collapsed. Pure; its text
 * changes only when what it reports changes, so a sweep re-confirming the finding updates the ticket
 * only then.
 */
export function mlRecreationTicketSections(kit: MlRecreationKit): TicketSection[] {
  const { inventory } = kit;
  let inventoryJson = JSON.stringify(inventory, null, 2);
  let cut = "";
  if (inventoryJson.length > MAX_JSON_CHARS) {
    inventoryJson = JSON.stringify(countsOnly(inventory), null, 2);
    cut =
      " (counts only: the ticket has no room for every name; `cmkr ml-recreation-kit` writes the whole file)";
  }
  const sections: TicketSection[] = [
    { title: "Replacement", text: progressText(inventory) },
    { title: "What this workspace holds", text: countsText(inventory) },
  ];
  if (inventory.replacements.length === 0)
    sections.push({ title: "Key for the new workspace", text: keyText(inventory) });
  sections.push({
    title: "Re-creation kit",
    text: [
      `The same files as \`cmkr ml-recreation-kit ${inventory.workspace.id} --out DIR\` writes (with a README of the steps).`,
      "",
      detailsBlock(`inventory.json${cut}`, "json", inventoryJson),
      "",
      ...(inventory.replacements.length === 0
        ? [
            detailsBlock(
              "template.json (az deployment group create)",
              "json",
              JSON.stringify(kit.template, null, 2),
            ),
          ]
        : ["The template is no longer shown: the replacement exists."]),
    ].join("\n"),
  });
  return sections;
}
