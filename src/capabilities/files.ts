import { readFileSync, statSync, writeFileSync } from "node:fs";
import { GatewayError } from "../errors.ts";
import { BUILTIN_CAPABILITIES } from "./builtin.generated.ts";
import { type CapabilitySet, loadCapabilitySet } from "./capability-set.ts";
import { type CapabilityFile, listCapabilityFiles } from "./directory.ts";
import { type Capability, parseCapability } from "./load.ts";
import { capabilityHash, pinnedContent, withPin } from "./pin.ts";

/** Capability files named by paths: a directory stands for every YAML file under it. */
export function readPaths(paths: readonly string[]): { files: CapabilityFile[]; problems: string[] } {
  const files: CapabilityFile[] = [];
  const problems: string[] = [];
  for (const path of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(path).isDirectory();
    } catch {
      problems.push(`${path}: no such file or directory`);
      continue;
    }
    for (const file of isDir ? listCapabilityFiles(path) : [path]) {
      try {
        files.push({ source: file, text: readFileSync(file, "utf8") });
      } catch (err) {
        problems.push(`${file}: cannot read: ${(err as Error).message}`);
      }
    }
  }
  return { files, problems };
}

/** Loads the built-in set (optionally) plus the given paths, as the gateway would. */
export function loadForCli(
  paths: readonly string[],
  options: { builtin: boolean },
): CapabilitySet & { files: number } {
  const read = readPaths(paths);
  const groups = [options.builtin ? [...BUILTIN_CAPABILITIES] : [], read.files];
  const set = loadCapabilitySet(groups);
  set.problems.unshift(...read.problems);
  return { ...set, files: groups[0]!.length + read.files.length };
}

/** Finds one capability by file path or by built-in name. @throws GatewayError USAGE */
export function findCapability(target: string): Capability {
  let isFile = false;
  try {
    isFile = statSync(target).isFile();
  } catch {
    isFile = false;
  }
  if (isFile) {
    const parsed = parseCapability(readFileSync(target, "utf8"), { source: target });
    if (!parsed.ok)
      throw new GatewayError("CONFIG_INVALID", `invalid capability\n  ${parsed.problems.join("\n  ")}`);
    return parsed.capability;
  }
  const builtin = loadCapabilitySet([BUILTIN_CAPABILITIES]).capabilities.get(target);
  if (!builtin)
    throw new GatewayError(
      "USAGE",
      `"${target}" is neither a capability file nor a built-in capability name`,
    );
  return builtin;
}

/**
 * Writes (or refreshes) the `sha256:` pin of a capability file after checking the rest of it is valid.
 * @throws GatewayError CONFIG_INVALID when the file (pin aside) does not validate
 */
export function pinFile(path: string): string {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new GatewayError("USAGE", `cannot read ${path}: ${(cause as Error).message}`, { cause });
  }
  const parsed = parseCapability(pinnedContent(text), { source: path });
  if (!parsed.ok)
    throw new GatewayError(
      "CONFIG_INVALID",
      `not pinned: ${path} is invalid\n  ${parsed.problems.join("\n  ")}`,
    );
  writeFileSync(path, withPin(text));
  return capabilityHash(text);
}
