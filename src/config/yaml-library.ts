/**
 * The `yaml` library, loaded on first use. A plain config is read by Bun's own parser (plain-yaml.ts), so a
 * start that needs no message with a position never loads it: in `bun src/main.ts` its modules are ~50 ms of
 * CPU. `require` keeps the callers synchronous; the bundler keeps the module in the binary, initialised on
 * the first call.
 */
let library: typeof import("yaml") | undefined;

export function yamlLibrary(): typeof import("yaml") {
  library ??= require("yaml") as typeof import("yaml");
  return library;
}
