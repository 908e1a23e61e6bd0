import type { CapabilityFile } from "./directory.ts";
import { type Capability, parseCapability } from "./load.ts";

/** What one load found: capabilities by name and the files that were skipped, with why. */
export interface CapabilitySet {
  capabilities: Map<string, Capability>;
  problems: string[];
  warnings: string[];
}

/** Parses files into a set; later files replace earlier ones of the same name only across sources. */
export function loadCapabilitySet(groups: readonly (readonly CapabilityFile[])[]): CapabilitySet {
  const capabilities = new Map<string, Capability>();
  const problems: string[] = [];
  const warnings: string[] = [];
  for (const files of groups) {
    const seenInGroup = new Map<string, string>();
    for (const file of files) {
      const parsed = parseCapability(file.text, { source: file.source });
      if (!parsed.ok) {
        problems.push(...parsed.problems);
        continue;
      }
      const { capability } = parsed;
      const name = capability.definition.name;
      warnings.push(...capability.warnings);
      const earlier = seenInGroup.get(name);
      if (earlier !== undefined) {
        problems.push(
          `${file.source}:1:1: name "${name}" is already used by ${earlier}; this file is skipped`,
        );
        continue;
      }
      seenInGroup.set(name, file.source);
      capabilities.set(name, capability);
    }
  }
  return { capabilities, problems, warnings };
}
