import { describe, expect, it } from "vitest";
import { markdownToHtml } from "../../src/core/tickets/markdownToHtml.js";
import {
  renderTicketBody,
  ticketCloseComment,
  ticketUpdateNote,
  truncateText,
} from "../../src/core/tickets/ticketMarkdown.js";
import type { TicketContent } from "../../src/core/tickets/ticketSink.js";

const ticket: TicketContent = {
  resourceId: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/disks/d1",
  resourceType: "Microsoft.Compute/disks",
  findingCode: "DiskPlatformKey",
  title: "Disk d1 uses a platform-managed key",
  body: "## What\nThe disk is not encrypted with a customer-managed key.\n",
  severity: "high",
};

describe("markdownToHtml", () => {
  it("escapes markup so no ticket text can inject HTML or script", () => {
    const html = markdownToHtml("Name <script>alert(\"x\")</script> & 'quotes'");
    expect(html).toBe("<p>Name &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quotes&#39;</p>");
  });

  it("keeps headings, paragraphs, bold, inline code and http(s) links only", () => {
    const html = markdownToHtml(
      [
        "# Title ##",
        "first line",
        "second **bold** `a<b>`",
        "",
        "see [docs](https://learn.microsoft.com/x?a=1&b=2) and https://portal.azure.com/#resource/x.",
        "[bad](javascript:alert(1))",
      ].join("\n"),
    );
    expect(html.split("\n")).toEqual([
      "<h1>Title</h1>",
      "<p>first line<br>second <strong>bold</strong> <code>a&lt;b&gt;</code></p>",
      '<p>see <a href="https://learn.microsoft.com/x?a=1&amp;b=2">docs</a> and <a href="https://portal.azure.com/#resource/x">https://portal.azure.com/#resource/x</a>.<br>[bad](javascript:alert(1))</p>',
    ]);
  });

  it("renders bullet and numbered lists with continuation lines and code blocks inside items", () => {
    const md = [
      "- Resource: `id`",
      "- Type: disk",
      "",
      "1. Create the key:",
      "   ```",
      "   az keyvault key create --name <k>",
      "   ```",
      "2. Then wait",
      "   for the update.",
      "",
      "After.",
    ].join("\n");
    expect(markdownToHtml(md).split("\n")).toEqual([
      "<ul>",
      "<li>Resource: <code>id</code>",
      "</li>",
      "<li>Type: disk",
      "</li>",
      "</ul>",
      "<ol>",
      "<li>Create the key:",
      "<pre><code>az keyvault key create --name &lt;k&gt;</code></pre>",
      "</li>",
      "<li>Then wait",
      "<br>for the update.",
      "</li>",
      "</ol>",
      "<p>After.</p>",
    ]);
  });

  it("closes an unterminated code block and turns --- into a rule", () => {
    expect(markdownToHtml("a\n---\n```\n<x>")).toBe("<p>a</p>\n<hr>\n<pre><code>&lt;x&gt;</code></pre>");
  });
});

describe("folded blocks (<details>) in every sink", () => {
  const folded = [
    "### Re-creation kit",
    "<details>",
    "<summary>template.json <b>(az)</b></summary>",
    "",
    "```json",
    '{"a": "<script>"}',
    "```",
    "",
    "</details>",
  ].join("\n");

  it("Azure DevOps (HTML): the three lines become markup, the summary and the code stay escaped", () => {
    expect(markdownToHtml(folded).split("\n")).toEqual([
      "<h3>Re-creation kit</h3>",
      "<details>",
      "<summary>template.json &lt;b&gt;(az)&lt;/b&gt;</summary>",
      "<pre><code>{&quot;a&quot;: &quot;&lt;script&gt;&quot;}</code></pre>",
      "</details>",
    ]);
  });

  it("only whole lines count: details inline, with attributes or inside code stay text", () => {
    expect(markdownToHtml("see <details> here")).toBe("<p>see &lt;details&gt; here</p>");
    expect(markdownToHtml('<details open onclick="x()">')).toBe(
      "<p>&lt;details open onclick=&quot;x()&quot;&gt;</p>",
    );
    expect(markdownToHtml("```\n<details>\n```")).toBe("<pre><code>&lt;details&gt;</code></pre>");
  });

  it("GitHub, the webhook and the file sink get the markdown as written (GitHub folds it itself)", () => {
    const body = renderTicketBody({ ...ticket, body: folded });
    expect(body.startsWith(folded)).toBe(true);
  });
});

describe("ticket text", () => {
  it("adds a footer with resource, finding, sightings and the service", () => {
    const body = renderTicketBody(ticket, {
      count: 3,
      firstSeen: "2026-11-20T00:00:00Z",
      lastSeen: "2026-11-22T00:00:00Z",
    });
    expect(body.startsWith(ticket.body.trimEnd())).toBe(true);
    expect(body).toContain(`- Resource: \`${ticket.resourceId}\` (Microsoft.Compute/disks)`);
    expect(body).toContain("- Finding code: `DiskPlatformKey`, severity high");
    expect(body).toContain(
      "- First seen: 2026-11-20T00:00:00Z; last seen: 2026-11-22T00:00:00Z; seen 3 times",
    );
    expect(body).toContain("Opened by the CMK remediation service.");
    expect(renderTicketBody(ticket)).not.toContain("First seen");
  });

  it("words updates and closures", () => {
    expect(ticketUpdateNote({ count: 1, firstSeen: "a", lastSeen: "b" })).toContain("once in total");
    expect(ticketUpdateNote({ count: 4, firstSeen: "a", lastSeen: "b" })).toContain(
      "4 times in total (first a, last b)",
    );
    const at = new Date("2026-11-22T12:00:00Z");
    expect(ticketCloseComment("the resource was deleted", at)).toMatch(
      /^Resolved on 2026-11-22T12:00:00.000Z: the resource was deleted\./,
    );
    expect(ticketCloseComment(undefined, at)).toContain(": the finding is gone.");
  });

  it("cuts text to a limit and says so", () => {
    expect(truncateText("short", 10)).toBe("short");
    const cut = truncateText("x".repeat(200), 100);
    expect(cut).toHaveLength(100);
    expect(cut).toMatch(/size limit\)$/);
  });
});
