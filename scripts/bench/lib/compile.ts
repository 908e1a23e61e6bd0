import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

/** Compiles the gateway for this host the way scripts/build.ts does (minified, bytecode, split, no .env/bunfig autoload). */
export function compileGateway(): string {
  const outfile = join(mkdtempSync(join(tmpdir(), "mcp-gateway-bench-bin-")), "mcp-gateway");
  execFileSync(
    BUN,
    [
      "build",
      GATEWAY_ENTRY,
      "--compile",
      "--minify",
      "--bytecode",
      "--splitting",
      "--format=esm",
      "--no-compile-autoload-dotenv",
      "--no-compile-autoload-bunfig",
      `--outfile=${outfile}`,
    ],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  return outfile;
}
