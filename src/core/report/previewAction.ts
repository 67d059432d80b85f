import type { ReportAction } from "./report.js";

/**
 * How a dry run reports what `--apply` would do: an action that would be applied is `planned`, and
 * so is a refusal (with its ticket request), as every dry run of the service words it; the rest
 * (skipped, failed) reads as `--apply` would report it.
 */
export function previewAction(action: ReportAction): ReportAction {
  if (action.status === "applied") return { ...action, status: "planned" };
  if (action.action === "refuse" && action.status === "skipped") return { ...action, status: "planned" };
  return action;
}
