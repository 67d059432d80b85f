const htmlEscapes: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

// One pass: reports render tens of thousands of bodies.
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => htmlEscapes[c] ?? c);
}

// Links are matched on escaped text, so a URL can never close the attribute it is put in.
const linkPattern = /\[([^\]]+)\]\((https?:\/\/[^\s)]+)\)|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?])/g;

function formatText(text: string): string {
  const escaped = escapeHtml(text);
  // Most text has neither bold nor a link; skip the two scans then.
  if (!escaped.includes("**") && !escaped.includes("http")) return escaped;
  return escaped
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>")
    .replace(linkPattern, (_match, label: string | undefined, href: string | undefined, bare?: string) =>
      bare !== undefined ? `<a href="${bare}">${bare}</a>` : `<a href="${href ?? ""}">${label ?? ""}</a>`,
    );
}

/** Inline markdown: code spans are kept verbatim (escaped), the rest gets bold and links. */
function inline(text: string): string {
  if (!text.includes("`")) return formatText(text);
  return text
    .split(/(`[^`]+`)/)
    .map((part) =>
      part.length > 2 && part.startsWith("`") && part.endsWith("`")
        ? `<code>${escapeHtml(part.slice(1, -1))}</code>`
        : formatText(part),
    )
    .join("");
}

const fence = /^(\s*)(```|~~~)/;
const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/;
const listItem = /^(\s*)([-*+]|\d+[.)])\s+(.*)$/;
const rule = /^\s{0,3}([-*_])(\s*\1){2,}\s*$/;
const detailsOpen = /^\s{0,3}<details>\s*$/i;
const detailsClose = /^\s{0,3}<\/details>\s*$/i;
const summary = /^\s{0,3}<summary>(.*)<\/summary>\s*$/i;

/**
 * A small, safe Markdown-to-HTML conversion for ticket systems that store HTML (Azure DevOps
 * descriptions and comments). Everything is escaped first; headings, paragraphs, bullet and
 * numbered lists (with indented continuation lines and code blocks inside items), fenced code,
 * inline code, bold, http(s) links and folded blocks (`<details>`, `<summary>…</summary>` and
 * `</details>`, each alone on its line, as GitHub renders them) are kept. Anything else stays as
 * escaped text, so no input can inject markup or script.
 */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let list: "ul" | "ol" | undefined;
  let itemOpen = false;
  let paragraph: string[] = [];
  let code: { indent: number; lines: string[] } | undefined;

  const flushParagraph = (): void => {
    if (paragraph.length > 0) out.push(`<p>${paragraph.map(inline).join("<br>")}</p>`);
    paragraph = [];
  };
  const closeItem = (): void => {
    if (itemOpen) out.push("</li>");
    itemOpen = false;
  };
  const closeList = (): void => {
    closeItem();
    if (list !== undefined) out.push(`</${list}>`);
    list = undefined;
  };

  for (const line of markdown.split(/\r?\n/)) {
    if (code !== undefined) {
      const indent = code.indent;
      if (fence.test(line) && (fence.exec(line)?.[1]?.length ?? 0) <= indent + 3) {
        out.push(`<pre><code>${escapeHtml(code.lines.join("\n"))}</code></pre>`);
        code = undefined;
      } else {
        // Lines of a block inside a list item carry the item's indentation; drop it.
        code.lines.push(line.slice(Math.min(indent, line.length - line.trimStart().length)));
      }
      continue;
    }
    const opening = fence.exec(line);
    if (opening !== null) {
      const indent = opening[1]?.length ?? 0;
      flushParagraph();
      if (indent === 0 || !itemOpen) closeList();
      code = { indent, lines: [] };
      continue;
    }
    if (line.trim() === "") {
      flushParagraph();
      continue;
    }
    // A folded block, as GitHub renders it: exactly these three lines are kept as markup (the
    // summary's text escaped); any other HTML stays escaped text.
    if (detailsOpen.test(line) || detailsClose.test(line)) {
      flushParagraph();
      closeList();
      out.push(detailsOpen.test(line) ? "<details>" : "</details>");
      continue;
    }
    const folded = summary.exec(line);
    if (folded !== null) {
      flushParagraph();
      closeList();
      out.push(`<summary>${inline(folded[1] ?? "")}</summary>`);
      continue;
    }
    const h = heading.exec(line);
    if (h !== null) {
      flushParagraph();
      closeList();
      const level = h[1]?.length ?? 1;
      out.push(`<h${level}>${inline(h[2] ?? "")}</h${level}>`);
      continue;
    }
    if (rule.test(line)) {
      flushParagraph();
      closeList();
      out.push("<hr>");
      continue;
    }
    const item = listItem.exec(line);
    if (item !== null) {
      flushParagraph();
      const kind = /^\d/.test(item[2] ?? "") ? "ol" : "ul";
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      closeItem();
      out.push(`<li>${inline(item[3] ?? "")}`);
      itemOpen = true;
      continue;
    }
    if (itemOpen && /^\s/.test(line)) {
      out.push(`<br>${inline(line.trim())}`);
      continue;
    }
    closeList();
    paragraph.push(line.trim());
  }
  if (code !== undefined) out.push(`<pre><code>${escapeHtml(code.lines.join("\n"))}</code></pre>`);
  flushParagraph();
  closeList();
  return out.join("\n");
}
