import { describe, expect, it } from "vitest";
import { abbreviateReason, formatReportTable, summarizeActions, wrap } from "../../src/cli/formatReport.js";
import { terminalWidth } from "../../src/cli/terminalWidth.js";
import type { Report, ReportAction } from "../../src/core/report/report.js";

const sub = "/subscriptions/0b1f6471-1bf0-4dda-aec3-111111111111";
const vault = `${sub}/resourceGroups/rg-keys/providers/Microsoft.KeyVault/vaults/kv-cmk-prod`;
const v1 = "3f2a9c1e5b7d4e8fa0c2d4e6f8a1b3c5";
const v2 = "7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f";
const keyUri = (v: string) => `https://kv-cmk-prod.vault.azure.net/keys/cmk/${v}`;

const refusal: ReportAction = {
  resourceId: `${sub}/resourceGroups/rg-ai-prod/providers/Microsoft.CognitiveServices/accounts/ais-docs-prod`,
  resourceType: "Microsoft.CognitiveServices/accounts",
  action: "refuse",
  status: "skipped",
  from: keyUri(v1),
  to: keyUri(v2),
  reason: `The system-assigned identity of AI services account ${sub}/resourceGroups/rg-ai-prod/providers/Microsoft.CognitiveServices/accounts/ais-docs-prod lacks key permission unwrapKey in the access policies of vault ${vault}. Add them to its access policy. (none of the 1 version(s) newer than ${v1} is usable; no change)`,
  codes: ["IdentityLacksKeyPermissions"],
};
const rotation: ReportAction = {
  resourceId: `${sub}/resourceGroups/rg-compute-prod/providers/Microsoft.Compute/diskEncryptionSets/des-prod`,
  resourceType: "Microsoft.Compute/diskEncryptionSets",
  action: "rotate-key",
  status: "applied",
  from: keyUri(v1),
  to: keyUri(v2),
  reason: `moving to ${v2}, the version the event announced`,
  codes: [],
};
const report: Report = { dryRun: false, actions: [rotation, refusal], errors: [] };

/** Columns a line takes: the ellipsis is one. */
const visible = (line: string) => line.replace(/…/g, ".").length;

describe("the replay and remediate table", () => {
  it("at 80 columns: summary first, ACTION STATUS RESOURCE CODE, the key and the whole reason beneath", () => {
    const text = formatReportTable(report, { width: 80 });
    const lines = text.trimEnd().split("\n");
    expect(lines.slice(0, 3)).toEqual([
      "Applied.",
      "Summary: 1 refuse skipped, 1 rotate-key applied",
      "Needs attention: 1 refused. CODE says why; each reason ends with what to do",
    ]);
    expect(text).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+CODE$/m);
    expect(text).toMatch(/^rotate-key\s+applied\s+rg-compute-prod\/des-prod\s+-$/m);
    expect(text).toMatch(/^refuse\s+skipped\s+rg-ai-prod\/ais-docs-prod\s+IdentityLacksKeyPermissions$/m);
    expect(text).toMatch(
      /^ {4}cmk 3f2a9c1e -> 7e9b1d3f: moving to 7e9b1d3f, the version the event\n {4}announced$/m,
    );
    expect(text.replace(/\s+/g, " ")).toContain(
      "access policies of vault kv-cmk-prod. Add them to its access policy. (none of the 1 version(s) newer than 3f2a9c1e is usable; no change)",
    );
    for (const line of lines) expect(visible(line)).toBeLessThan(80);
  });

  it("keeps the resource name whole and gives up the group first when the row is short of room", () => {
    const long = {
      ...refusal,
      codes: ["ServiceSideEncryptionNoRotation"],
      resourceId: `${sub}/resourceGroups/rg-machine-learning-production/providers/Microsoft.MachineLearningServices/workspaces/mlw-sse-prod`,
    };
    const text = formatReportTable({ ...report, actions: [long] }, { width: 70 });
    expect(text).toMatch(/^refuse\s+skipped\s+rg-ma…\/mlw-sse-prod\s+ServiceSideEncryptionNoRotation$/m);
    for (const line of text.trimEnd().split("\n")) expect(visible(line)).toBeLessThan(70);
  });

  it("gives reasons a column of their own on a wide terminal, wrapped inside it", () => {
    const text = formatReportTable(report, { width: 200 });
    expect(text).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+KEY\s+CODE\s+REASON$/m);
    expect(text).toMatch(
      /^refuse\s+skipped\s+rg-ai-prod\/ais-docs-prod\s+cmk 3f2a9c1e -> 7e9b1d3f\s+IdentityLacksKeyPermissions\s+The system-assigned/m,
    );
    for (const line of text.trimEnd().split("\n")) expect(visible(line)).toBeLessThan(200);
  });

  it("--wide: every field in full on one line, whatever the width", () => {
    const text = formatReportTable(report, { width: 80, wide: true });
    expect(text).toMatch(/^ACTION\s+STATUS\s+RESOURCE\s+FROM\s+TO\s+CODES\s+REASON$/m);
    expect(text).toContain(
      `${refusal.resourceId}  ${keyUri(v1)}  ${keyUri(v2)}  IdentityLacksKeyPermissions  ${refusal.reason}`,
    );
  });

  it("never lets control characters through, and lists input errors after the table", () => {
    const text = formatReportTable(
      {
        dryRun: true,
        actions: [{ ...rotation, reason: "evil \u001b[31m red" }],
        errors: [{ input: "f.json:1:2", message: "not valid JSON" }],
      },
      { width: 80 },
    );
    expect(text).not.toContain("\u001b");
    expect(text.trimEnd().split("\n").at(-1)).toBe("error: f.json:1:2: not valid JSON");
    expect(text.split("\n")[0]).toBe("Dry run: nothing was written (use --apply to make changes).");
  });

  it("abbreviates ids, key URIs and key versions, and wraps words", () => {
    expect(abbreviateReason(`vault ${vault}. Then key ${keyUri(v2)} and version ${v1}`)).toBe(
      "vault kv-cmk-prod. Then key cmk/7e9b1d3f and version 3f2a9c1e",
    );
    expect(wrap("aaa bbb ccc", 7)).toEqual(["aaa bbb", "ccc"]);
    expect(wrap("abcdefghij", 4)).toEqual(["abcd", "efgh", "ij"]);
    expect(summarizeActions([rotation, refusal, { ...rotation, status: "failed" }])).toBe(
      "1 rotate-key failed, 1 refuse skipped, 1 rotate-key applied",
    );
  });
});

describe("the terminal width", () => {
  it("is COLUMNS, else the terminal's, else 80; never under 40", () => {
    expect(terminalWidth({ env: { COLUMNS: "132" }, isTTY: true, columns: 200 })).toBe(132);
    expect(terminalWidth({ env: {}, isTTY: true, columns: 200 })).toBe(200);
    expect(terminalWidth({ env: {}, isTTY: false, columns: 200 })).toBe(80);
    expect(terminalWidth({ env: { COLUMNS: "abc" }, isTTY: true, columns: 0 })).toBe(80);
    expect(terminalWidth({ env: { COLUMNS: "10" } })).toBe(40);
  });
});
