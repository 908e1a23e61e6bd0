import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { FetchFn } from "../execute.ts";
import { type ConversionResult, type ConvertOptions, convertSpec } from "./convert.ts";
import { loadSpec } from "./load.ts";

/**
 * `cap import`: OpenAPI 3.0/3.1 and Swagger 2.0 → capability files, one per operation. Loading and `$ref`
 * resolution live in `load.ts`, the mapping in `convert.ts`; this module writes the files.
 */

/** What `cap import` wrote and skipped. */
export interface ImportResult extends ConversionResult {
  written: string[];
}

/** Options of {@link importOpenApi}. */
export interface ImportOptions extends ConvertOptions {
  /** Directory the capability files go to (created if missing). */
  output: string;
  /** Overwrite existing files. @default false */
  force?: boolean;
  /** Fetches remote specs and their refs. @default global fetch */
  fetch?: FetchFn;
}

/** Imports a spec into a directory of capability files; existing files are kept unless `force`. */
export async function importOpenApi(source: string, options: ImportOptions): Promise<ImportResult> {
  const document = await loadSpec(source, options.fetch ? { fetch: options.fetch } : {});
  const converted = convertSpec(document, { ...options, source });
  mkdirSync(options.output, { recursive: true });
  const written: string[] = [];
  for (const capability of converted.capabilities) {
    const file = join(options.output, `${capability.name}.yaml`);
    if (existsSync(file) && !options.force) {
      converted.skipped.push({
        operation: capability.operation,
        reason: `${file} exists (use --force to overwrite)`,
      });
      continue;
    }
    writeFileSync(file, capability.yaml);
    written.push(file);
  }
  return { ...converted, written };
}
