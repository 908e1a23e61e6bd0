import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { Budgets } from "../../src/auth/budget.ts";
import { addKey } from "../../src/auth/manage.ts";
import { BudgetSchema } from "../../src/config/schema.ts";
import { configureLog, log } from "../../src/log.ts";
import { tempDir } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { type AuthGateway, connectWithKey, startAuthGateway } from "./helpers.ts";

const DAY = 86_400_000;

describe("Budgets", () => {
  const budget = (yaml: Record<string, unknown>) => BudgetSchema.parse(yaml);

  test("charges per-tool costs (default 1) and blocks the call that would pass the budget", () => {
    const path = join(tempDir("mcp-gateway-budget-"), "budgets.json");
    const b = new Budgets(budget({ daily: 5, costs: { "gh/create_*": 3 } }), { path });
    b.charge("key:a", "gh", "create_issue");
    b.charge("key:a", "gh", "get_issue");
    expect(b.used("key:a")).toBe(4);
    expect(() => b.charge("key:a", "gh", "create_pr")).toThrow(
      "daily budget of this client is used up (4 of 5",
    );
    expect(b.used("key:a")).toBe(4);
    b.charge("key:a", "gh", "get_issue");
    expect(() => b.charge("key:a", "gh", "get_issue")).toThrow("used up");
    // Another principal has its own spending; one without a budget is never charged.
    b.charge("key:b", "gh", "create_issue");
    expect(b.used("key:b")).toBe(3);
    const none = new Budgets(budget({ principals: { "key:x": 1 } }), { path: `${path}.2` });
    for (let i = 0; i < 10; i++) none.charge("key:a", "gh", "get_issue");
    expect(none.used("key:a")).toBe(0);
    expect(() => {
      none.charge("key:x", "gh", "get_issue");
      none.charge("key:x", "gh", "get_issue");
    }).toThrow("used up");
    b.close();
    none.close();
  });

  test("log and warn thresholds fire once a day each", () => {
    const lines: string[] = [];
    configureLog({ level: "info", format: "text" });
    const spy = (level: "info" | "warn") => {
      const original = log[level].bind(log);
      log[level] = ((message: string) => {
        lines.push(`${level} ${message}`);
      }) as unknown as typeof log.info;
      return () => {
        log[level] = original;
      };
    };
    const restore = [spy("info"), spy("warn")];
    try {
      const path = join(tempDir("mcp-gateway-budget-"), "budgets.json");
      const b = new Budgets(
        budget({
          daily: 10,
          thresholds: [
            { at: 0.5, action: "log" },
            { at: 0.8, action: "warn" },
            { at: 1, action: "block" },
          ],
        }),
        { path },
      );
      for (let i = 0; i < 10; i++) b.charge("key:a", "s", "t");
      expect(() => b.charge("key:a", "s", "t")).toThrow("used up");
      const budgetLines = lines.filter((l) => l.includes("budget:"));
      expect(budgetLines).toEqual([
        "info budget: key:a has spent 5 of its daily 10 (50% threshold)",
        "warn budget: key:a has spent 8 of its daily 10 (80% threshold)",
      ]);
      b.close();
    } finally {
      for (const r of restore) r();
      configureLog({ level: "warn", format: "text" });
    }
  });

  test("spending survives a restart and starts over on a new UTC day", () => {
    const path = join(tempDir("mcp-gateway-budget-"), "budgets.json");
    let now = Date.UTC(2026, 11, 2, 23, 0);
    const config = budget({ daily: 3 });
    const first = new Budgets(config, { path, now: () => now });
    first.charge("key:a", "s", "t");
    first.charge("key:a", "s", "t");
    first.close();
    const second = new Budgets(config, { path, now: () => now });
    expect(second.used("key:a")).toBe(2);
    second.charge("key:a", "s", "t");
    expect(() => second.charge("key:a", "s", "t")).toThrow("used up");
    now += DAY;
    second.charge("key:a", "s", "t");
    expect(second.used("key:a")).toBe(1);
    second.close();
  });
});

describe("budgets and session limits through the gateway", () => {
  let gw: AuthGateway;
  let key: string;
  let now = Date.UTC(2026, 11, 2, 12, 0);
  const dir = tempDir("mcp-gateway-limits-");

  beforeAll(async () => {
    gw = await startAuthGateway(
      `
auth:
  budget: { daily: 4, costs: { everything/get-sum: 2 } }
  sessions: { max_calls: 10 }
  profiles:
    short: { servers: [everything], sessions: { max_calls: 2, max_duration: 1m } }
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`,
      { auth: { budgetPath: join(dir, "budgets.json"), wallClock: () => now } },
    );
    key = await addKey(gw.keysPath, "limited", { scopes: ["profile:short"] });
    gw.auth?.reloadKeys();
  });
  afterAll(() => gw?.stop());

  const invoke = (client: Client, tool: string, args: Record<string, unknown>) =>
    client.callTool({ name: "gateway_invoke", arguments: { server: "everything", tool, arguments: args } });

  test("a session past its max_calls is refused as a tool result; a new session may call", async () => {
    const first = await connectWithKey(new URL("/mcp", gw.url), key);
    expect((await invoke(first, "echo", { message: "1" })).isError).toBeFalsy();
    expect((await invoke(first, "echo", { message: "2" })).isError).toBeFalsy();
    const third = await invoke(first, "echo", { message: "3" });
    expect(third.isError).toBe(true);
    expect(JSON.stringify(third)).toContain("this session has made its 2 call(s)");
    await first.close();

    const second = await connectWithKey(new URL("/mcp", gw.url), key);
    // The budget (4 a day) has 2 spent: get-sum costs 2 and is the last call today.
    expect((await invoke(second, "get-sum", { a: 1, b: 2 })).isError).toBeFalsy();
    const over = await invoke(second, "echo", { message: "x" });
    expect(over.isError).toBe(true);
    expect(JSON.stringify(over)).toContain("daily budget of this client is used up (4 of 4");
    await second.close();
  });

  test("a session older than max_duration is refused; the next day's budget is fresh", async () => {
    now += 1 * DAY;
    const client = await connectWithKey(new URL("/mcp", gw.url), key);
    expect((await invoke(client, "echo", { message: "a" })).isError).toBeFalsy();
    now += 61_000;
    const late = await invoke(client, "echo", { message: "b" });
    expect(late.isError).toBe(true);
    expect(JSON.stringify(late)).toContain("older than its limit of 60 s");
    await client.close();
  });
});
