import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { FINDING_CODES } from "../../src/core/findings/finding.js";
import { PREFLIGHT_REASON_CODES } from "../../src/core/preflight/preflightReason.js";

/** The codes a page names in backticks. */
function codesIn(page: string): Set<string> {
  return new Set([...readFileSync(page, "utf8").matchAll(/`([A-Za-z]+)`/g)].map((m) => m[1] ?? ""));
}

// Tickets, reports and dashboards key on these stable codes: an operator reading a ticket or a
// refusal must find the code explained in the pages that describe rotation and detection.
describe("stable codes in the documentation", () => {
  it("docs/rotation.md explains every preflight code", () => {
    const documented = codesIn("docs/rotation.md");
    expect(PREFLIGHT_REASON_CODES.filter((code) => !documented.has(code))).toEqual([]);
  });

  it("docs/detection.md explains every finding code", () => {
    const documented = codesIn("docs/detection.md");
    expect(FINDING_CODES.filter((code) => !documented.has(code))).toEqual([]);
  });
});
