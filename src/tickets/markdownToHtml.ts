function escape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function inline(text: string): string {
  return escape(text)
    .replace(/`([^`]+)`/g, "<code>$1</code>")
    .replace(/\*\*([^*]+)\*\*/g, "<strong>$1</strong>");
}

/**
 * A small, safe Markdown-to-HTML conversion for ticket bodies in systems that store HTML (Azure
 * DevOps descriptions): everything is escaped first; headings, lists, code blocks, inline code,
 * bold and paragraphs are kept. Anything else stays as escaped text.
 */
export function markdownToHtml(markdown: string): string {
  const out: string[] = [];
  let list: "ul" | "ol" | undefined;
  let code: string[] | undefined;
  const closeList = (): void => {
    if (list !== undefined) out.push(`</${list}>`);
    list = undefined;
  };
  for (const line of markdown.split(/\r?\n/)) {
    if (line.startsWith("```")) {
      if (code === undefined) {
        closeList();
        code = [];
      } else {
        out.push(`<pre><code>${escape(code.join("\n"))}</code></pre>`);
        code = undefined;
      }
      continue;
    }
    if (code !== undefined) {
      code.push(line);
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    const bullet = /^\s*[-*]\s+(.*)$/.exec(line);
    const numbered = /^\s*\d+\.\s+(.*)$/.exec(line);
    if (heading !== null) {
      closeList();
      const level = heading[1]?.length ?? 1;
      out.push(`<h${level}>${inline(heading[2] ?? "")}</h${level}>`);
    } else if (bullet !== null || numbered !== null) {
      const kind = bullet !== null ? "ul" : "ol";
      if (list !== kind) {
        closeList();
        out.push(`<${kind}>`);
        list = kind;
      }
      out.push(`<li>${inline((bullet ?? numbered)?.[1] ?? "")}</li>`);
    } else if (line.trim() === "" || line.trim() === "---") {
      closeList();
    } else {
      closeList();
      out.push(`<p>${inline(line)}</p>`);
    }
  }
  if (code !== undefined) out.push(`<pre><code>${escape(code.join("\n"))}</code></pre>`);
  closeList();
  return out.join("\n");
}
