import { expect, test } from "bun:test";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { ROOT } from "../helpers/paths.ts";

// The workflow cannot run here; check that what it calls exists and that it does the steps in order.
const workflow = parse(readFileSync(join(ROOT, ".github", "workflows", "release.yml"), "utf8")) as {
  on: { push: { tags: string[] } };
  jobs: { release: { steps: { name?: string; run?: string; uses?: string }[] } };
};
const steps = workflow.jobs.release.steps;
const scripts = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> }
).scripts;

test("runs on version tags only", () => {
  expect(workflow.on.push.tags).toEqual(["v*.*.*"]);
});

test("checks, builds, smoke-tests, renders and publishes, in that order", () => {
  const runs = steps.map((s) => s.run ?? "");
  const at = (needle: string): number => runs.findIndex((r) => r.includes(needle));
  const order = [
    at("bash .ci/run"),
    at("npm run build:release"),
    at("mcp-gateway --version"),
    at("npm run formula"),
    at("gh release create"),
  ];
  expect(order.every((i) => i >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
});

test("every npm script and file it uses exists", () => {
  const text = steps.map((s) => s.run ?? "").join("\n");
  for (const [, name] of text.matchAll(/npm run ([\w:-]+)/g)) expect(scripts[name ?? ""]).toBeDefined();
  for (const file of [".ci/run", "scripts/install.sh", "Formula/mcp-gateway.rb"])
    expect(existsSync(join(ROOT, file))).toBe(true);
  expect(scripts["build:release"]).toContain("--all --archive");
});

test("publishes every archive, the checksums and the installer", () => {
  const publish = steps.find((s) => s.run?.includes("gh release create"))?.run ?? "";
  for (const asset of ["*.tar.gz", "*.zip", "checksums.txt", "install.sh", "mcp-gateway.rb"]) {
    expect(publish).toContain(`dist/release/${asset}`);
  }
});
