import { join, resolve } from "node:path";

/** Repository root. */
export const ROOT = resolve(import.meta.dir, "../..");
/** `node_modules/.bin`, where the real MCP servers from devDependencies live. */
export const BIN = join(ROOT, "node_modules", ".bin");
/** The bun executable that runs these tests. */
export const BUN = process.execPath;
/** The gateway's entry file. */
export const ENTRY = join(ROOT, "src", "main.ts");

/** Command line of a real MCP server installed as a devDependency. */
export function serverCommand(name: "everything" | "memory" | "filesystem", ...args: string[]): string {
  const bin = join(BIN, `mcp-server-${name}`);
  return [JSON.stringify(bin), ...args.map((a) => JSON.stringify(a))].join(" ");
}
