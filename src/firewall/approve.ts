import { existsSync } from "node:fs";
import { loadConfigFile } from "../config/load.ts";
import { locateConfig } from "../config/paths.ts";
import { GatewayError } from "../errors.ts";
import { cacheDir } from "../user-dirs.ts";
import { approvePins, PinStore } from "./pins.ts";

/** What `tools approve` did. */
export interface ApproveReport {
  server: string;
  approved: string[];
  /** The pins folder it worked on. */
  dir: string;
}

/**
 * Approves quarantined tools (`SERVER` = all of its, `SERVER/TOOL` = one) in the pins of the config's cache
 * dir; a running gateway shows them again on its next list or call.
 * @throws GatewayError USAGE when the target is malformed or nothing of it is quarantined
 */
export function approveTools(target: string, options: { config?: string | undefined } = {}): ApproveReport {
  parseTarget(target);
  const location = locateConfig({ flag: options.config });
  const config =
    location.path && (location.explicit || existsSync(location.path))
      ? loadConfigFile(location.path).config
      : undefined;
  return approveInCache(config?.lifecycle.cache_dir ?? cacheDir(), target);
}

/**
 * Approves quarantined tools in the pins under one cache dir: what `tools approve` does once it found the
 * config, and what a running gateway does for the dashboard.
 * @throws GatewayError USAGE when the target is malformed or nothing of it is quarantined
 */
export function approveInCache(dir: string, target: string): ApproveReport {
  const { server, tool } = parseTarget(target);
  const store = new PinStore(dir);
  const approved = approvePins(store, server, tool);
  if (approved.length === 0) {
    throw new GatewayError(
      "USAGE",
      `nothing of "${target}" is quarantined (pins in ${store.dir}; see the quarantined tools in: mcp-gateway servers --json)`,
    );
  }
  return { server, approved, dir: store.dir };
}

function parseTarget(target: string): { server: string; tool: string | undefined } {
  const slash = target.indexOf("/");
  const server = slash < 0 ? target : target.slice(0, slash);
  const tool = slash < 0 ? undefined : target.slice(slash + 1);
  if (server === "" || tool === "")
    throw new GatewayError("USAGE", `write SERVER or SERVER/TOOL (got "${target}")`);
  return { server, tool };
}
