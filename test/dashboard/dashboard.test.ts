import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { addKey } from "../../src/auth/manage.ts";
import { type AuthGateway, startAuthGateway } from "../auth/helpers.ts";
import { startTestGateway, type TestGateway } from "../helpers/gateway.ts";
import { serverCommand } from "../helpers/paths.ts";
import { ARTIFACTS, launch, NO_BROWSER, seriousViolations, watchedPage } from "./browser.ts";

if (NO_BROWSER) console.warn(NO_BROWSER);

const BACKENDS = `
backends:
  everything:
    command: '${serverCommand("everything", "stdio")}'
`;

describe.skipIf(NO_BROWSER !== undefined)("the dashboard in headless Chromium", () => {
  let gw: TestGateway;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let ui: string;

  beforeAll(async () => {
    gw = await startTestGateway(BACKENDS);
    ui = new URL("/ui", gw.http.url).href;
    browser = await launch();
    ({ page, errors } = await watchedPage(browser));
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  }, 30_000);

  test("Overview shows the gateway and each backend's state, with no console error", async () => {
    await page.goto(ui);
    const row = page.locator('tr[data-backend="everything"]');
    await row.waitFor();
    expect(await row.locator("td").first().textContent()).toBe("running");
    expect(Number(await row.locator("td").nth(2).textContent())).toBeGreaterThan(5);
    expect(await page.locator(".summary").textContent()).toContain("Uptime");
    const paint = await page.evaluate(() => {
      const perf = globalThis.performance;
      const entry =
        perf.getEntriesByName("first-contentful-paint")[0] ?? perf.getEntriesByName("first-paint")[0];
      return entry?.startTime ?? -1;
    });
    console.log(`dashboard first contentful paint: ${paint.toFixed(0)} ms`);
    expect(paint).toBeGreaterThan(0);
    await page.screenshot({ path: join(ARTIFACTS, "overview.png"), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  test("Tools finds get-sum by a search, and try-it invokes it and shows the result", async () => {
    await page.click('nav a[href="#tools"]');
    await page.fill("#q", "add two numbers");
    const hit = page.locator("button.tool", { hasText: "everything/get-sum" });
    await hit.waitFor();
    await hit.click();
    expect(await page.locator(".definition").textContent()).toContain('"inputSchema"');
    await page.fill("#arg-a", "2");
    await page.fill("#arg-b", "40");
    await page.click('form.try-it button[type="submit"]');
    await page.locator("#result.ok").waitFor();
    expect(await page.locator("#result").textContent()).toContain("42");
    await page.screenshot({ path: join(ARTIFACTS, "tools.png"), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  test("a try-it form refuses a missing required number before calling", async () => {
    await page.fill("#arg-a", "");
    await page.click('form.try-it button[type="submit"]');
    expect(await page.locator("#arg-a:invalid").count()).toBe(1);
    expect(await page.locator("#result").textContent()).toContain("42");
  }, 30_000);

  test("Activity shows the try-it call with its caller, and a call from elsewhere live", async () => {
    await page.click('nav a[href="#activity"]');
    const sum = page.locator("#activity-rows tr", { hasText: "get-sum" });
    await sum.first().waitFor();
    expect(await sum.first().textContent()).toContain("anonymous");
    expect(await sum.first().textContent()).toContain("success");
    // A call by an MCP client, made while the page is open, appears without a reload.
    const echo = page.locator("#activity-rows tr", { hasText: "echo" });
    await gw.gateway.invoke(
      {
        principal: { id: "other" },
        session: {
          label: "t",
          backend: undefined,
          meta: false,
          logLevel: undefined,
          subscriptions: new Set(),
          notify: async () => {},
          request: async () => ({}),
          clientCapabilities: () => undefined,
        },
        surface: { kind: "transparent" },
      },
      { server: "everything", tool: "echo" },
      { message: "secret-argument" },
    );
    await echo.first().waitFor();
    expect(await echo.first().textContent()).toContain("other");
    expect(await page.locator("#activity-rows").textContent()).not.toContain("secret-argument");
    await page.screenshot({ path: join(ARTIFACTS, "activity.png"), fullPage: true });
    expect(await seriousViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  }, 30_000);

  test("a backend killed from outside shows its restart on Overview without a reload", async () => {
    await page.click('nav a[href="#overview"]');
    const restarts = page.locator('tr[data-backend="everything"] td.restarts');
    await restarts.waitFor();
    expect(await restarts.textContent()).toBe("0");
    const health = gw.gateway.health() as { backends: Record<string, { pid?: number }> };
    const pid = health.backends.everything?.pid;
    expect(pid).toBeNumber();
    process.kill(pid as number, "SIGKILL");
    await page
      .locator('tr[data-backend="everything"] td.restarts', { hasText: "1" })
      .waitFor({ timeout: 25_000 });
    await page
      .locator('tr[data-backend="everything"] td', { hasText: "running" })
      .waitFor({ timeout: 25_000 });
    expect(errors).toEqual([]);
  }, 30_000);

  test("first paint on loopback", async () => {
    const paints: number[] = [];
    for (let i = 0; i < 5; i++) {
      const context = await browser.newContext();
      const fresh = await context.newPage();
      await fresh.goto(ui);
      await fresh.locator('tr[data-backend="everything"]').waitFor();
      paints.push(
        await fresh.evaluate(
          () => globalThis.performance.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1,
        ),
      );
      await context.close();
    }
    paints.sort((a, b) => a - b);
    console.log(
      `dashboard first contentful paint, 5 fresh contexts: ${paints.map((p) => p.toFixed(0)).join(", ")} ms`,
    );
    expect(paints[0]).toBeGreaterThan(0);
  }, 30_000);

  test("the script and stylesheet stay under 100 kB gzipped", async () => {
    let total = 0;
    for (const path of ["/ui", "/ui/app.js", "/ui/app.css"]) {
      const res = await fetch(new URL(path, gw.http.url), { headers: { "accept-encoding": "gzip" } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-encoding")).toBe("gzip");
      // fetch decompresses; the served size is the gzip of the body.
      const size = Bun.gzipSync(new Uint8Array(await res.arrayBuffer())).length;
      console.log(`dashboard ${path}: ${size} bytes gzipped`);
      total += size;
    }
    console.log(`dashboard total: ${total} bytes gzipped`);
    expect(total).toBeLessThan(100 * 1024);
  }, 30_000);
});

describe.skipIf(NO_BROWSER !== undefined)("the dashboard with auth on", () => {
  let gw: AuthGateway;
  let browser: Browser;
  let admin: string;
  let user: string;

  beforeAll(async () => {
    gw = await startAuthGateway(`auth: {}\n${BACKENDS}`);
    admin = await addKey(gw.keysPath, "root", { scopes: ["admin"] });
    user = await addKey(gw.keysPath, "user", { scopes: ["everything/echo"] });
    gw.auth?.reloadKeys();
    browser = await launch();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await gw?.stop();
  }, 30_000);

  test("an anonymous browser gets the login form; a non-admin key is refused; an admin key gets in", async () => {
    const { page, errors } = await watchedPage(browser);
    await page.goto(new URL("/ui", gw.url).href);
    await page.locator("form.login").waitFor();
    await page.screenshot({ path: join(ARTIFACTS, "login.png") });
    expect(await seriousViolations(page)).toEqual([]);
    await page.fill("#key", user);
    await page.click('form.login button[type="submit"]');
    await page.locator("form.login .error", { hasText: "admin scope" }).waitFor();
    await page.fill("#key", admin);
    await page.click('form.login button[type="submit"]');
    await page.locator('tr[data-backend="everything"]').waitFor();
    const cookie = (await page.context().cookies()).find((c) => c.name === "mgw_ui");
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe("Strict");
    // The 401s of the anonymous visit and the 403 of the refused key are the only console errors.
    expect(errors.every((e) => /40[13]/.test(e))).toBe(true);
  }, 30_000);

  test("a POST without the CSRF token is refused even with the admin cookie", async () => {
    const login = await fetch(new URL("/ui/login", gw.url), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ key: admin }),
    });
    expect(login.status).toBe(200);
    const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0] as string;
    const invoke = await fetch(new URL("/ui/api/invoke", gw.url), {
      method: "POST",
      headers: { "content-type": "application/json", cookie },
      body: JSON.stringify({ server: "everything", tool: "get-sum", arguments: { a: 1, b: 2 } }),
    });
    expect(invoke.status).toBe(403);
    const session = (await (
      await fetch(new URL("/ui/api/session", gw.url), { headers: { cookie } })
    ).json()) as {
      csrf: string;
    };
    const ok = await fetch(new URL("/ui/api/invoke", gw.url), {
      method: "POST",
      headers: { "content-type": "application/json", cookie, "x-csrf-token": session.csrf },
      body: JSON.stringify({ server: "everything", tool: "get-sum", arguments: { a: 1, b: 2 } }),
    });
    expect(ok.status).toBe(200);
    expect(JSON.stringify(await ok.json())).toContain("3");
  }, 30_000);
});
