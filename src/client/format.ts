import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";

/** Lays out rows as aligned columns; the last column is never padded. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  return `${all
    .map((row) =>
      row
        .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join("  ")
        .trimEnd(),
    )
    .join("\n")}\n`;
}

/** Shortens a description to one line of at most `max` characters. */
export function oneLine(text: string, max = 80): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A tool result for a person: text as is, other content summarised, structured content as JSON. */
export function formatToolResult(result: CallToolResult): string {
  const parts: string[] = [];
  for (const part of result.content) {
    if (part.type === "text") parts.push(part.text);
    else if (part.type === "image" || part.type === "audio") {
      parts.push(`[${part.type} ${part.mimeType}, ${Math.floor((part.data.length * 3) / 4)} bytes]`);
    } else if (part.type === "resource_link") parts.push(`[resource ${part.uri}]`);
    else if (part.type === "resource") {
      const r = part.resource;
      parts.push("text" in r && typeof r.text === "string" ? r.text : `[resource ${r.uri}]`);
    }
  }
  if (parts.length === 0 && result.structuredContent)
    parts.push(JSON.stringify(result.structuredContent, null, 2));
  const text = parts.join("\n");
  return text.endsWith("\n") || text === "" ? text : `${text}\n`;
}
