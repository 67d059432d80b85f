import { tryParseResourceId } from "../ids/resourceId.js";
import type { ArmResourceJson } from "../arm/armResource.js";
import type { FindingCode } from "./finding.js";

/** The Azure portal page of a resource. */
export function portalLink(resourceId: string): string {
  return `https://portal.azure.com/#resource${resourceId}`;
}

/** The last segment of a resource id: the resource's name. */
export function nameOf(resourceId: string): string {
  return resourceId.replace(/\/+$/, "").split("/").pop() ?? resourceId;
}

/** The parts of a ticket body, in the order a reader needs them. */
export interface TicketText {
  readonly code: FindingCode;
  /** One or two sentences: what is wrong. */
  readonly what: string;
  readonly why: string;
  /** Extra sections before the steps (`### Title` plus markdown), e.g. prerequisites. */
  readonly sections?: readonly { readonly title: string; readonly text: string }[];
  /** Numbered steps; each entry is one step (markdown, may hold a code block). */
  readonly steps: readonly string[];
  readonly selfAction: string;
}

/** The "where" block: everything needed to find the resource without searching. */
export function whereLines(resource: Pick<ArmResourceJson, "id" | "type" | "kind" | "location">): string[] {
  const parsed = tryParseResourceId(resource.id);
  const kind = typeof resource.kind === "string" && resource.kind !== "" ? ` (kind ${resource.kind})` : "";
  return [
    `- Resource: \`${resource.id}\``,
    `- Type: ${resource.type}${kind}`,
    ...(parsed === undefined ? [] : [`- Subscription: ${parsed.subscriptionId}`]),
    ...(parsed?.resourceGroup === undefined ? [] : [`- Resource group: ${parsed.resourceGroup}`]),
    ...(typeof resource.location === "string" && resource.location !== ""
      ? [`- Location: ${resource.location}`]
      : []),
    `- Portal: ${portalLink(resource.id)}`,
  ];
}

/** Renders a ticket body in markdown; the same layout for every finding so readers know where to look. */
export function ticketBody(resource: ArmResourceJson, text: TicketText): string {
  const lines = [
    "## What",
    text.what,
    "",
    "## Where",
    ...whereLines(resource),
    "",
    "## Why it matters",
    text.why,
    "",
  ];
  for (const section of text.sections ?? []) lines.push(`### ${section.title}`, section.text, "");
  // Continuation lines are indented so code blocks stay inside their numbered step.
  lines.push(
    "## How to fix",
    ...text.steps.map((step, i) => `${i + 1}. ${step.split("\n").join("\n   ")}`),
    "",
  );
  lines.push("## What the service does by itself", text.selfAction, "", `Finding code: \`${text.code}\``);
  return lines.join("\n");
}
