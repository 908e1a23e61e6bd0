import { afterAll, expect, test } from "bun:test";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CONFIG_SCHEMA_URL } from "../../src/config/json-schema.ts";
import { parseConfig } from "../../src/config/load.ts";
import { initConfigText } from "../../src/setup/init.ts";
import { tempDir } from "../helpers/gateway.ts";
import { runCli } from "./run.ts";

const dir = tempDir("mcp-gateway-init-");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("writes a commented gateway.yaml that loads with no backends", async () => {
  const run = await runCli(["init"], { cwd: dir });
  expect(run.code).toBe(0);
  const text = readFileSync(join(dir, "gateway.yaml"), "utf8");
  expect(text.split("\n")[0]).toBe(`# yaml-language-server: $schema=${CONFIG_SCHEMA_URL}`);
  const { config } = parseConfig(text, { file: "gateway.yaml", env: {} });
  expect(config.server.port).toBe(39400);
  expect(Object.keys(config.backends)).toEqual([]);
});

test("refuses to overwrite an existing file unless --force", async () => {
  const path = join(dir, "mine.yaml");
  writeFileSync(path, "# my config\n");
  const refused = await runCli(["init", "--output", path]);
  expect(refused.code).toBe(2);
  expect(refused.stderr).toContain("--force");
  expect(readFileSync(path, "utf8")).toBe("# my config\n");
  expect((await runCli(["init", "--output", path, "--force"])).code).toBe(0);
  expect(readFileSync(path, "utf8")).toContain("server:");
});

test("--with-examples adds backends that validate without any environment set", () => {
  const { config } = parseConfig(initConfigText({ withExamples: true }), { file: "g.yaml", env: {} });
  expect(Object.keys(config.backends)).toEqual(["everything", "memory", "filesystem"]);
  expect(config.backends.filesystem?.args).toEqual(["."]);
});

test("--output - prints the config instead of writing it", async () => {
  const run = await runCli(["init", "--with-examples", "--output", "-"], { cwd: dir });
  expect(run.stdout).toBe(initConfigText({ withExamples: true }));
});

test("the starter config passes doctor", async () => {
  const path = join(dir, "fresh.yaml");
  await runCli(["init", "--output", path]);
  const run = await runCli(["doctor", "--config", path, "--port", "0"]);
  expect(run.stdout).toContain("all checks passed");
  expect(run.code).toBe(0);
});
