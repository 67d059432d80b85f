import { createComplianceReportBuilder } from "../src/report/complianceReportBuilder.js";
import { renderCsv } from "../src/report/renderCsv.js";
import { renderHtml } from "../src/report/renderHtml.js";
import { renderJson } from "../src/report/renderJson.js";
import { renderTable } from "../src/report/renderTable.js";
import { detectionSettings } from "../src/core/findings/detectionSettings.js";
import { evaluateResource } from "../src/core/findings/evaluateResource.js";
import { rotationBenchTenant } from "./benchTenant.js";
import type { Figure } from "./rotationBench.js";

/** Best of `runs`, in milliseconds: the least disturbed by other work on the machine. */
function timeOf(runs: number, work: () => unknown): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Rendering a scan of 12,000 resources with 10,000 findings (real detection rules over a generated
 * tenant) in every format, against `JSON.stringify` of the same report measured in the same run:
 * the least any renderer can cost, since each one at least walks every finding once.
 */
export function reportRendering(): Figure[] {
  const tenant = rotationBenchTenant(20, 2_000, 500);
  const settings = detectionSettings({});
  const now = new Date("2026-12-01T00:00:00Z");
  const builder = createComplianceReportBuilder({ scope: { subscriptions: [], managementGroups: [] }, now });
  for (const resource of tenant.resources) {
    const subscriptionId = /^\/subscriptions\/([^/]+)/.exec(resource.id)?.[1] ?? "";
    builder.add(evaluateResource(resource, { settings, now }), subscriptionId);
  }
  const report = builder.build();
  const baseline = timeOf(5, () => JSON.stringify(report));
  const formats: [string, () => string][] = [
    ["json", () => renderJson(report)],
    ["csv", () => renderCsv(report)],
    ["table", () => renderTable(report, { color: false })],
    ["html", () => renderHtml(report)],
  ];
  return formats.map(([format, render]) => {
    const ms = timeOf(5, render);
    const bytes = render().length;
    return {
      name: `cmkr scan --format ${format}: ${report.findings.length} findings, ${report.totals.resources} resources`,
      value: ms,
      unit: "ms",
      baseline,
      baselineName: "JSON.stringify of the same report",
      ratio: ms / baseline,
      note: `${(bytes / 1024 / 1024).toFixed(1)} MiB of output; rendering is linear in the findings (one pass each).`,
    };
  });
}
