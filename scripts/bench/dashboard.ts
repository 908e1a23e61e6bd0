/**
 * The dashboard's size and first paint: a gateway process (`serve`, server-everything over stdio) on
 * 127.0.0.1, the served /ui, /ui/app.js and /ui/app.css gzipped as the gateway sends them, and first
 * contentful paint of /ui in headless Chromium (Debian's, driven by playwright-core): each round a fresh
 * browser context (no cache), until the Overview table shows the backend.
 * Run: bun scripts/bench/dashboard.ts [--rounds 15] [--quick]
 * Skips (and says so) when there is no Chromium at /usr/bin/chromium or $CHROMIUM_PATH.
 */
import { existsSync } from "node:fs";
import { chromium } from "playwright-core";
import { numberArg } from "./lib/args.ts";
import { launchGateway } from "./lib/gateway-proc.ts";
import { writeConfig } from "./lib/mcp.ts";
import { bin } from "./lib/paths.ts";
import { publish } from "./lib/report.ts";
import { median, percentile, round } from "./lib/stats.ts";

const quick = process.argv.includes("--quick");
const ROUNDS = numberArg("rounds", quick ? 3 : 15);
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

if (!existsSync(CHROMIUM)) {
  console.log(`dashboard bench skipped: no Chromium at ${CHROMIUM} (apt-get install -y chromium)`);
  process.exit(0);
}

const config = writeConfig({ everything: { command: `${bin("mcp-server-everything")} stdio` } });
const gw = await launchGateway(config, { backends: 1 });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
try {
  const assets = [];
  for (const path of ["/ui", "/ui/app.js", "/ui/app.css"]) {
    const res = await fetch(new URL(path, gw.url), { headers: { "accept-encoding": "gzip" } });
    const body = new Uint8Array(await res.arrayBuffer());
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    // fetch decompresses; what went over the wire is the gzip of the body.
    assets.push({ path, bytes: body.length, gzipped: Bun.gzipSync(body).length });
  }
  const ui = new URL("/ui", gw.url).href;
  const paints: number[] = [];
  const ready: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(ui);
    await page.locator('tr[data-backend="everything"]').waitFor({ timeout: 30_000 });
    const t = await page.evaluate(() => {
      const perf = globalThis.performance;
      const paint = perf.getEntriesByName("first-contentful-paint")[0]?.startTime ?? -1;
      return { paint, ready: perf.now() };
    });
    paints.push(t.paint);
    ready.push(t.ready);
    await context.close();
  }
  const total = assets.reduce((n, a) => n + a.gzipped, 0);
  const stat = (xs: number[]) => ({
    "p50 ms": round(median(xs), 1),
    "p90 ms": round(percentile(xs, 90), 1),
    "min ms": round(Math.min(...xs), 1),
    "max ms": round(Math.max(...xs), 1),
  });
  publish(
    "dashboard",
    `bun scripts/bench/dashboard.ts${quick ? " --quick" : ` --rounds ${ROUNDS}`}`,
    { assets, totalGzipped: total, paints, ready, targets: { gzippedMax: 100 * 1024, firstPaintMaxMs: 200 } },
    [
      {
        title: "Dashboard assets as served (gzip)",
        rows: [
          ...assets.map((a) => ({ asset: a.path, bytes: a.bytes, gzipped: a.gzipped })),
          { asset: "total", bytes: assets.reduce((n, a) => n + a.bytes, 0), gzipped: total },
        ],
        note: "Target: at most 100 kB of JS+CSS gzipped.",
      },
      {
        title: `First paint of /ui on loopback, ${ROUNDS} fresh Chromium contexts`,
        rows: [
          { measure: "first contentful paint", ...stat(paints) },
          { measure: "Overview shows the backend (from navigation start)", ...stat(ready) },
        ],
        note: "Target: first paint at most 200 ms on loopback. Headless Chromium from Debian; each context starts with an empty cache.",
      },
    ],
  );
} finally {
  await browser.close();
  await gw.stop();
}
process.exit(0);
