import { actorText } from "../core/audit/actor.js";
import { keyRefFromUri } from "../core/ids/keyId.js";
import type { LedgerAction } from "../core/ports/actionStore.js";

/** Control characters from resource names, reasons or actor names must not reach the terminal. */
function clean(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, "?");
}

function pad(text: string, width: number): string {
  return text.length >= width ? text : text + " ".repeat(width - text.length);
}

function cut(text: string, width: number): string {
  return text.length <= width ? text : `${text.slice(0, Math.max(0, width - 1))}…`;
}

/** `group/name` of a resource id, the name kept whole when it has to give way. */
function shortResource(resourceId: string, width: number): string {
  const parts = resourceId.replace(/\/+$/, "").split("/");
  const groupAt = parts.findIndex((p) => p.toLowerCase() === "resourcegroups");
  const name = parts.at(-1) ?? resourceId;
  const group = groupAt < 0 ? "" : (parts[groupAt + 1] ?? "");
  const full = group === "" ? name : `${group}/${name}`;
  return full.length <= width ? full : cut(name, width);
}

/** A key URI as `name/version8`; anything else as it is. */
function shortValue(value: unknown): string {
  if (typeof value !== "string") return JSON.stringify(value);
  const key = keyRefFromUri(value);
  if (key !== undefined) return `${key.keyName}/${key.version?.slice(0, 8) ?? "(no version)"}`;
  const parts = value.split("/");
  return value.startsWith("/subscriptions/") ? (parts.at(-1) ?? value) : value;
}

/** What changed, in one phrase: the owned fields before -> after, else the key versions. */
function change(a: LedgerAction): string {
  const moved = (a.fields ?? []).filter((f) => JSON.stringify(f.before) !== JSON.stringify(f.after));
  if (moved.length > 0) {
    return moved
      .map((f) => `${f.path.split(".").at(-1) ?? f.path}: ${shortValue(f.before)} -> ${shortValue(f.after)}`)
      .join("; ");
  }
  if (a.from !== undefined || a.to !== undefined) {
    return `${a.from === undefined ? "(none)" : shortValue(a.from)} -> ${a.to === undefined ? "(none)" : shortValue(a.to)}`;
  }
  return "";
}

/**
 * The audit trail as a table that fits `width` columns (80 when absent): one line per action (when,
 * who, what, which resource), and beneath it the plan it was applied from, what changed (the owned
 * fields before -> after) and why. Newest first, as given.
 */
export function formatHistoryTable(actions: readonly LedgerAction[], width = 80): string {
  if (actions.length === 0) return "No recorded actions match.\n";
  const w = Math.max(60, width);
  const actorWidth = 16;
  const fixed = 16 + 2 + actorWidth + 2 + 13 + 1 + 7 + 2;
  const resourceWidth = Math.max(10, w - fixed);
  const lines = [
    `${pad("AT (UTC)", 16)}  ${pad("ACTOR", actorWidth)}  ${pad("ACTION", 13)} ${pad("STATUS", 7)}  RESOURCE`,
  ];
  for (const a of actions) {
    const at = a.at.slice(0, 16).replace("T", " ");
    lines.push(
      [
        pad(at, 16),
        "  ",
        pad(cut(clean(actorText(a.actor)), actorWidth), actorWidth),
        "  ",
        pad(a.action, 13),
        " ",
        pad(a.dryRun && a.status === "planned" ? "planned" : a.status, 7),
        "  ",
        shortResource(clean(a.resourceId), resourceWidth),
      ].join(""),
    );
    const detail = [
      ...(a.planId === undefined ? [] : [`plan ${a.planId.slice(0, 8)}`]),
      ...(change(a) === "" ? [] : [change(a)]),
      clean(a.reason),
    ].join("  ");
    lines.push(cut(`    ${detail}`, w));
  }
  lines.push("", `${actions.length} action(s). Full actors, plan ids and field values: --json.`);
  return `${lines.join("\n")}\n`;
}
