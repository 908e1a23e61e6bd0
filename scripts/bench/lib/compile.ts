import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { COMPILE_FLAGS } from "../../build.ts";
import { benchTempDir } from "./bench-dirs.ts";
import { BUN, GATEWAY_ENTRY, ROOT } from "./paths.ts";

/**
 * Compiles `entry` for this host with scripts/build.ts's flags (minified, bytecode, split, no .env/bunfig
 * autoload); returns the executable's path.
 */
export function compileExecutable(entry: string, name: string): string {
  const outfile = join(benchTempDir("bin-"), name);
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
