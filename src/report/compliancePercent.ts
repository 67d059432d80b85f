import type { ComplianceCounts } from "./complianceReport.js";

/**
 * The share of in-scope resources that are compliant, in percent: excluded resources are out of
 * scope, and undetermined ones count against it (nobody has shown them compliant). Undefined when
 * nothing is in scope, so an empty group never reads as 0 % or 100 %.
 */
export function compliancePercent(counts: ComplianceCounts): number | undefined {
  const inScope = counts.resources - counts.excluded;
  return inScope <= 0 ? undefined : (counts.compliant / inScope) * 100;
}

/**
 * {@link compliancePercent} with one decimal, rounded down so that `100.0%` only ever means every
 * resource is compliant; `n/a` when nothing is in scope.
 */
export function formatCompliancePercent(counts: ComplianceCounts): string {
  const percent = compliancePercent(counts);
  return percent === undefined ? "n/a" : `${(Math.floor(percent * 10) / 10).toFixed(1)}%`;
}
