#!/usr/bin/env bun
/**
 * Writes `gateway.schema.json` (the config's JSON Schema for editors) from the zod schema in
 * src/config/schema.ts; the file is never edited by hand. A test fails when the committed file drifts.
 *
 *   bun scripts/config-schema.ts            # (re)write gateway.schema.json
 *   bun scripts/config-schema.ts --check    # exit 1 when the committed file is out of date
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { configJsonSchemaText } from "../src/config/json-schema.ts";

/** The committed schema, at the repository root so its raw URL stays short. */
export const SCHEMA_FILE = join(import.meta.dir, "..", "gateway.schema.json");

if (import.meta.main) {
  const text = configJsonSchemaText();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(SCHEMA_FILE, "utf8");
    } catch {
      // a missing file is out of date too
    }
    if (committed !== text) {
      console.error("gateway.schema.json is out of date: run npm run schema");
      process.exit(1);
    }
  } else {
    writeFileSync(SCHEMA_FILE, text);
    console.error(`wrote ${SCHEMA_FILE}`);
  }
}
