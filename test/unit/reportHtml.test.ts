import { JSDOM } from "jsdom";
import { beforeAll, describe, expect, it } from "vitest";
import type { ComplianceCounts, ComplianceReport } from "../../src/report/complianceReport.js";
import { createComplianceReportBuilder } from "../../src/report/complianceReportBuilder.js";
import { formatCompliancePercent } from "../../src/report/compliancePercent.js";
import { REPORT_CSP, renderHtml } from "../../src/report/renderHtml.js";
import {
  buildReportTenant,
  HOSTILE_NAME,
  HOSTILE_REASON,
  HOSTILE_TITLE,
  NOW,
  recordLedger,
  reportOf,
  SUB_DEV,
} from "./reportFixtures.js";

const outcomes = ["compliant", "nonCompliant", "atRisk", "excluded", "undetermined"] as const;

let report: ComplianceReport;
let html: string;
let doc: Document;

beforeAll(async () => {
  const tenant = buildReportTenant();
  report = reportOf(tenant, await recordLedger(tenant));
  html = renderHtml(report);
  doc = new JSDOM(html).window.document;
});

function num(el: Element | null): number {
  if (el === null) throw new Error("element missing");
  return Number(el.getAttribute("data-value") ?? el.getAttribute("data-total") ?? el.textContent);
}

function expectCounts(root: Element, counts: ComplianceCounts): void {
  expect(num(root.querySelector('[data-count="resources"]'))).toBe(counts.resources);
  for (const o of outcomes) expect(num(root.querySelector(`[data-count="${o}"]`)), o).toBe(counts[o]);
  expect(root.querySelector('[data-count="compliancePercent"]')?.textContent).toBe(
    formatCompliancePercent(counts),
  );
}

describe("renderHtml", () => {
  it("is one HTML5 document that loads nothing: CSP, no script, no external reference", () => {
    expect(html.startsWith("<!DOCTYPE html>")).toBe(true);
    expect(doc.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute("content")).toBe(
      REPORT_CSP,
    );
    expect(doc.querySelector("meta[charset]")?.getAttribute("charset")).toBe("utf-8");
    expect(
      doc.querySelectorAll("script, link, img, iframe, object, embed, video, audio, source, base, form"),
    ).toHaveLength(0);
    const loading = ["src", "srcset", "data", "poster", "action", "background", "xlink:href", "formaction"];
    for (const el of doc.querySelectorAll("*")) {
      for (const attr of loading) expect(el.hasAttribute(attr), `${el.tagName} ${attr}`).toBe(false);
      const href = el.getAttribute("href");
      // Links navigate when clicked; only anchors may carry one, and only to http(s) or the page itself.
      if (href !== null) {
        expect(el.tagName).toBe("A");
        expect(href).toMatch(/^(#|https:\/\/)/);
      }
      expect(el.getAttribute("style") ?? "").not.toMatch(/url\(|@import/i);
    }
    const css = [...doc.querySelectorAll("style")].map((s) => s.textContent).join("\n");
    expect(css.length).toBeGreaterThan(100);
    expect(css).not.toMatch(/url\(|@import|@font-face/i);
    // Only links the findings and tickets name point outside the page: portal, key URIs, tickets.
    const hosts = [...doc.querySelectorAll("a[href^='https:']")].map(
      (a) => new URL(a.getAttribute("href") ?? "").host,
    );
    expect(hosts).toContain("portal.azure.com");
    expect(hosts).toContain("github.com");
    for (const host of hosts)
      expect(host).toMatch(/^(portal\.azure\.com|github\.com|[a-z0-9-]+\.vault\.azure\.net)$/);
  });

  it("summary: totals, percentage, generated at and scope equal the report", () => {
    const summary = doc.getElementById("summary");
    if (summary === null) throw new Error("no summary");
    expectCounts(summary, report.totals);
    expect(num(summary.querySelector('[data-count="findings"]'))).toBe(report.findings.length);
    expect(num(summary.querySelector('[data-count="actions"]'))).toBe(report.actions.length);
    expect(num(summary.querySelector('[data-count="tickets"]'))).toBe(report.tickets.length);
    expect(num(summary.querySelector('[data-count="graphPages"]'))).toBe(2);
    expect(doc.getElementById("generated-at")?.getAttribute("datetime")).toBe(report.generatedAt);
    expect(doc.getElementById("scope")?.textContent).toBe("all subscriptions the scan could see");
  });

  for (const [section, field] of [
    ["by-resource-type", "byResourceType"],
    ["by-subscription", "bySubscription"],
  ] as const) {
    it(`${section}: one chart bar and one table row per group, with the report's counts`, () => {
      const root = doc.getElementById(section);
      if (root === null) throw new Error(`no ${section}`);
      const groups = report[field];
      expect(groups.length).toBeGreaterThan(1);
      const svg = root.querySelector("svg");
      expect(svg?.getAttribute("role")).toBe("img");
      expect(svg?.getAttribute("aria-label")).toBeTruthy();
      expect(svg?.querySelector("title")?.textContent).toBeTruthy();
      expect(svg?.querySelector("desc")?.textContent).toContain(`${groups[0]?.counts.resources} resources`);
      expect(svg?.querySelectorAll(".legend text")).toHaveLength(outcomes.length);
      const bars = [...root.querySelectorAll("svg g.bar")];
      const rows = [...root.querySelectorAll("table.groups tbody tr")];
      expect(bars.map((b) => b.getAttribute("data-key"))).toEqual(groups.map((g) => g.key));
      expect(rows.map((r) => r.getAttribute("data-key"))).toEqual(groups.map((g) => g.key));
      groups.forEach((g, i) => {
        const bar = bars[i] as Element;
        expect(num(bar.querySelector(".bar-value") && bar.querySelector('[data-segment="compliant"]'))).toBe(
          g.counts.compliant,
        );
        let x = Number.NaN;
        let total = 0;
        for (const o of outcomes) {
          const seg = bar.querySelector(`rect[data-segment="${o}"]`);
          expect(num(seg), `${g.key} ${o}`).toBe(g.counts[o]);
          // Segments stack left to right without gaps, widths proportional to the counts.
          const sx = Number(seg?.getAttribute("x"));
          if (!Number.isNaN(x)) expect(sx).toBeCloseTo(x, 1);
          x = sx + Number(seg?.getAttribute("width"));
          total += Number(seg?.getAttribute("width"));
          expect(Number(seg?.getAttribute("width"))).toBeCloseTo((g.counts[o] / g.counts.resources) * 360, 1);
        }
        expect(total).toBeCloseTo(360, 1);
        expect(bar.querySelector(".bar-value")?.textContent).toBe(
          `${formatCompliancePercent(g.counts)} of ${g.counts.resources - g.counts.excluded} in scope`,
        );
        expectCounts(rows[i] as Element, g.counts);
      });
    });
  }

  it("subscription bars are labelled with the display name, escaped", () => {
    const dev = doc.querySelector(`#by-subscription g.bar[data-key="${SUB_DEV}"] .bar-label`);
    expect(dev?.textContent).toBe("dev & test (0b1f6471…)");
    expect(html).toContain("dev &amp; test");
  });

  it("findings: one entry per finding, grouped by severity, each with its remediation steps", () => {
    const entries = [...doc.querySelectorAll("#findings article.finding")];
    expect(entries).toHaveLength(report.findings.length);
    expect(num(doc.getElementById("findings"))).toBe(report.findings.length);
    for (const severity of ["urgent", "high", "medium", "low"] as const) {
      const expected = report.findings.filter((f) => f.severity === severity).length;
      expect(expected, severity).toBeGreaterThan(0);
      const section = doc.getElementById(`findings-${severity}`);
      expect(section?.querySelectorAll("article.finding")).toHaveLength(expected);
      expect(num(section)).toBe(expected);
      for (const a of section?.querySelectorAll("article.finding") ?? [])
        expect(a.getAttribute("data-severity")).toBe(severity);
    }
    entries.forEach((a, i) => {
      const f = report.findings[i];
      expect(a.getAttribute("data-code")).toBe(f?.code);
      expect(a.getAttribute("data-resource-id")).toBe(f?.resourceId);
      expect(a.getAttribute("data-self-remediable")).toBe(String(f?.selfRemediable));
      expect(a.querySelector(".title")?.textContent).toBe(f?.title);
      const headings = [...a.querySelectorAll(".finding-body h4")].map((h) => h.textContent);
      expect(headings).toContain("How to fix");
      // The numbered steps of the markdown body are an ordered list.
      expect(a.querySelectorAll(".finding-body ol > li").length).toBeGreaterThan(0);
    });
    expect(doc.querySelectorAll('article.finding[data-self-remediable="true"]')).toHaveLength(
      report.findings.filter((f) => f.selfRemediable).length,
    );
    // The urgent ones are open from the start.
    expect(doc.querySelectorAll("#findings-urgent details[open]")).toHaveLength(
      report.findings.filter((f) => f.severity === "urgent").length,
    );
  });

  it("ledger: every action and ticket, in the report's order", () => {
    const actions = [...doc.querySelectorAll("#actions tr.action")];
    expect(actions).toHaveLength(report.actions.length);
    expect(report.actions.length).toBe(6);
    expect(num(doc.getElementById("actions"))).toBe(report.actions.length);
    actions.forEach((tr, i) => {
      expect(tr.getAttribute("data-action")).toBe(report.actions[i]?.action);
      expect(tr.querySelector("time")?.getAttribute("datetime")).toBe(report.actions[i]?.at);
    });
    const tickets = [...doc.querySelectorAll("#tickets tr.ticket")];
    expect(tickets.map((t) => t.getAttribute("data-state"))).toEqual(report.tickets.map((t) => t.state));
    expect(new Set(report.tickets.map((t) => t.state))).toEqual(new Set(["open", "requested", "closed"]));
    const link = doc.querySelector("#tickets a");
    expect(link?.getAttribute("href")).toBe("https://github.com/contoso/platform/issues/17");
  });

  it("excluded resources: each with its exclusion", () => {
    const rows = [...doc.querySelectorAll("#excluded tr.excluded-resource")];
    expect(report.excluded.length).toBeGreaterThan(0);
    expect(num(doc.getElementById("excluded"))).toBe(report.excluded.length);
    expect(rows.map((r) => r.querySelector("span")?.getAttribute("title"))).toEqual(
      report.excluded.map((e) => e.resourceId),
    );
    expect(rows.map((r) => r.lastElementChild?.textContent)).toEqual(report.excluded.map((e) => e.reason));
  });

  it("tables fit the page: long ids and key URIs wrap in their cells, shown short with the full text in title", () => {
    const style = doc.querySelector("style")?.textContent ?? "";
    expect(style).toMatch(/th, td \{[^}]*overflow-wrap: anywhere;/);
    expect(style).toMatch(/\.table-wrap \{[^}]*overflow-x: auto;/);
    for (const table of doc.querySelectorAll("table.ledger, table.excluded")) {
      expect(table.parentElement?.className).toBe("table-wrap");
    }
    const rotation = report.actions.find((a) => a.from !== undefined && a.to !== undefined);
    expect(rotation).toBeDefined();
    const keys = [...doc.querySelectorAll("#actions tr.action td span[title^='https://']")].map((s) => [
      s.getAttribute("title"),
      s.textContent,
    ]);
    expect(keys).toContainEqual([
      rotation?.to,
      expect.stringMatching(/^[\w-]+\/[0-9A-Za-z]{1,8}$/) as string,
    ]);
    // No cell holds an unbreakable key URI as text.
    expect(doc.querySelector("#actions tbody")?.textContent).not.toMatch(/https:\/\/\S+\/keys\//);
  });

  it("escapes what comes from resources and the ledger: no markup gets through", () => {
    expect(doc.querySelectorAll("script, img")).toHaveLength(0);
    const hostile = report.findings.find((f) => f.resourceId.includes(HOSTILE_NAME));
    expect(hostile).toBeDefined();
    const entry = [...doc.querySelectorAll("article.finding")].find(
      (a) => a.getAttribute("data-resource-id") === hostile?.resourceId,
    );
    // The name shows as text in the title, the meta line and the markdown body (via markdownToHtml).
    expect(entry?.querySelector(".title")?.textContent).toContain(HOSTILE_NAME);
    expect(entry?.querySelector(".finding-body")?.textContent).toContain(HOSTILE_NAME);
    expect(entry?.querySelector(".meta code")?.textContent).toBe(hostile?.resourceId);
    expect(doc.querySelector("#tickets")?.textContent).toContain(HOSTILE_TITLE);
    expect(doc.querySelector("#actions")?.textContent).toContain(HOSTILE_REASON);
    expect(html).not.toContain("<script");
    expect(html).not.toContain('<img src="https://evil');
  });

  it("lists the resources not fully judged, with the reason and the field", () => {
    const section = doc.getElementById("undetermined");
    expect(num(section)).toBe(report.undeterminedResources.length);
    const rows = [...(section?.querySelectorAll("tr.undetermined") ?? [])];
    expect(rows.map((r) => r.getAttribute("data-resource-id"))).toEqual(
      report.undeterminedResources.map((u) => u.resourceId),
    );
    expect(rows.map((r) => r.getAttribute("data-field"))).toEqual(
      report.undeterminedResources.map((u) => u.field ?? null),
    );
    for (const [i, u] of report.undeterminedResources.entries())
      expect(rows[i]?.textContent).toContain(u.reason);
    expect(doc.querySelector('#summary [data-count="atRisk"]')?.textContent).toBe(
      String(report.totals.atRisk),
    );
  });

  it("renders an empty report", () => {
    const empty = createComplianceReportBuilder({
      scope: { subscriptions: ["s1"], managementGroups: ["mg-platform"] },
      now: NOW,
    }).build();
    const d = new JSDOM(renderHtml(empty)).window.document;
    expect(d.querySelectorAll("article.finding, g.bar, tr.action, tr.ticket, tr.undetermined")).toHaveLength(
      0,
    );
    expect(d.querySelector('#summary [data-count="compliancePercent"]')?.textContent).toBe("n/a");
    expect(d.getElementById("scope")?.textContent).toBe("subscription s1, management group mg-platform");
  });
});
