import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPILE_FLAGS } from "../../build.ts";
import { BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

/**
 * Compiles `entry` for this host with scripts/build.ts's flags (minified, bytecode, split, no .env/bunfig
 * autoload); returns the executable's path.
 */
export function compileExecutable(entry: string, name: string): string {
  const outfile = join(mkdtempSync(join(tmpdir(), "mcp-gateway-bench-bin-")), name);
  execFileSync(BUN, ["build", entry, ...COMPILE_FLAGS, `--outfile=${outfile}`], {
    cwd: ROOT,
    stdio: ["ignore", "ignore", "inherit"],
  });
  return outfile;
}

/** The gateway compiled for this host (see `compileExecutable`). */
export function compileGateway(): string {
  return compileExecutable(GATEWAY_ENTRY, "mcp-gateway");
}
