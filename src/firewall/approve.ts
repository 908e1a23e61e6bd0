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
  const slash = target.indexOf("/");
  const server = slash < 0 ? target : target.slice(0, slash);
  const tool = slash < 0 ? undefined : target.slice(slash + 1);
  if (server === "" || tool === "")
    throw new GatewayError("USAGE", `write SERVER or SERVER/TOOL (got "${target}")`);
  const location = locateConfig({ flag: options.config });
  const config =
    location.path && (location.explicit || existsSync(location.path))
      ? loadConfigFile(location.path).config
      : undefined;
  const store = new PinStore(config?.lifecycle.cache_dir ?? cacheDir());
  const approved = approvePins(store, server, tool);
  if (approved.length === 0) {
    throw new GatewayError(
      "USAGE",
      `nothing of "${target}" is quarantined (pins in ${store.dir}; see the quarantined tools in: mcp-gateway servers --json)`,
    );
  }
  return { server, approved, dir: store.dir };
}
