import { existsSync } from "node:fs";
import { parse } from "yaml";
import { readConfigText } from "../config/read.ts";
import type { DiscoveredServer } from "./discover.ts";
import type { ImportedServer } from "./read-client.ts";

/** What `import --discover` offers: servers to add, and those it leaves out with why. */
export interface DiscoveredImport {
  servers: ImportedServer[];
  skipped: { url: string; reason: string }[];
}

/**
 * Running servers → backends (`http_url` + transport), named after `serverInfo.name`'s last segment
 * (`mcp-servers/everything` → `everything`). Another gateway, and URLs gateway.yaml already has, are left out.
 */
export function discoveredBackends(found: readonly DiscoveredServer[], configFile: string): DiscoveredImport {
  const known = knownUrls(configFile);
  const result: DiscoveredImport = { servers: [], skipped: [] };
  for (const server of found) {
    if (server.gateway) {
      result.skipped.push({ url: server.url, reason: "an mcp-gateway (importing it would relay to itself)" });
      continue;
    }
    const already = known.get(server.url);
    if (already) {
      result.skipped.push({ url: server.url, reason: `already in ${configFile} as ${already}` });
      continue;
    }
    const name = server.name.split("/").filter(Boolean).at(-1) || `port-${new URL(server.url).port}`;
    const tools = server.tools === undefined ? "" : `, ${server.tools} tools`;
    result.servers.push({
      name,
      client: "local",
      file: server.url,
      backend: { http_url: server.url, transport: server.transport },
      notes: [`${server.name} ${server.version}${tools}`],
    });
  }
  return result;
}

/** `http_url` → backend name of the config's backends (unvalidated: only to avoid adding a URL twice). */
function knownUrls(file: string): Map<string, string> {
  const urls = new Map<string, string>();
  if (!existsSync(file)) return urls;
  try {
    const backends = (parse(readConfigText(file)) as { backends?: Record<string, unknown> } | null)?.backends;
    for (const [name, backend] of Object.entries(backends ?? {})) {
      const url = (backend as { http_url?: unknown } | null)?.http_url;
      if (typeof url === "string") urls.set(url.replace(/\/+$/, ""), name);
    }
  } catch {
    // An unreadable config is the import planner's to report, with its position.
  }
  return urls;
}
