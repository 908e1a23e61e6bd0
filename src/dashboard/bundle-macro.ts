import { readFileSync } from "node:fs";
import { join } from "node:path";

const PAGE = join(import.meta.dir, "page");

/**
 * The browser script, bundled and minified when the importing module is transpiled (a Bun macro: `bun
 * build --compile` inlines the string, so the binary carries it and needs no file at run time).
 * @throws Error with the bundler's message when the page does not build
 */
export function clientScript(): string {
  // Bun.build cannot run inside a macro (the bundler waits on it); the CLI in a child process can.
  const built = Bun.spawnSync(
    [process.execPath, "build", join(PAGE, "main.ts"), "--minify", "--target=browser", "--format=esm"],
    { env: { ...process.env, BUN_BE_BUN: "1" }, stderr: "pipe" },
  );
  if (built.exitCode !== 0) throw new Error(`dashboard script did not build: ${built.stderr.toString()}`);
  return built.stdout.toString();
}

/** The stylesheet, read when the importing module is transpiled. */
export function clientStyle(): string {
  return readFileSync(join(PAGE, "style.css"), "utf8");
}
