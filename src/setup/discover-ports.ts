import { GatewayError } from "../errors.ts";

/** Ports MCP servers commonly listen on: SDK and FastMCP examples (3000, 3001, 8000), Playwright MCP's
 * documented 8931, generic 8080/9000, and this gateway's own default (reported, never imported). */
export const DEFAULT_DISCOVER_PORTS: readonly number[] = [3000, 3001, 8000, 8080, 8931, 9000, 39400];

/** At most this many ports per scan: a scan is a look around, not a port sweep. */
export const MAX_DISCOVER_PORTS = 256;

/**
 * `--ports 3000,8000-8010`: single ports and ranges, at most {@link MAX_DISCOVER_PORTS}.
 * @throws GatewayError USAGE for anything else
 */
export function parsePorts(text: string): number[] {
  const ports = new Set<number>();
  for (const part of text.split(",").map((p) => p.trim())) {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(part);
    const from = Number(match?.[1]);
    const to = Number(match?.[2] ?? match?.[1]);
    if (!match || from < 1 || to > 65535 || to < from)
      throw new GatewayError("USAGE", `--ports: "${part}" is not a port or range (e.g. 3000,8000-8010)`);
    if (ports.size + (to - from + 1) > MAX_DISCOVER_PORTS)
      throw new GatewayError("USAGE", `--ports: at most ${MAX_DISCOVER_PORTS} ports per scan`);
    for (let port = from; port <= to; port++) ports.add(port);
  }
  return [...ports];
}
