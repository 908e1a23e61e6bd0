import { gzipSync } from "bun";
import { SCRIPT, STYLE } from "./page.generated.ts";

/** One file the dashboard serves, with its gzipped form. */
export interface DashboardAsset {
  /** Path under `/ui`. */
  path: string;
  type: string;
  body: Uint8Array<ArrayBuffer>;
  gzip: Uint8Array<ArrayBuffer>;
  etag: string;
}

const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>mcp-gateway</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/ui/app.css">
<script type="module" src="/ui/app.js"></script>
</head>
<body>
<header>
<strong class="brand">mcp-gateway</strong>
<nav aria-label="Pages">
<a href="#overview">Overview</a>
<a href="#tools">Tools</a>
<a href="#activity">Activity</a>
<a href="#usage">Usage</a>
<a href="#security">Security</a>
<a href="#config">Config</a>
</nav>
<span id="who"></span>
</header>
<main id="main" tabindex="-1"><p>Loading…</p></main>
</body>
</html>
`;

let built: DashboardAsset[] | undefined;

/** The page, script and stylesheet (compressed once, on first use). */
export function dashboardAssets(): DashboardAsset[] {
  built ??= [
    asset("/", "text/html; charset=utf-8", PAGE),
    asset("/app.js", "text/javascript; charset=utf-8", SCRIPT),
    asset("/app.css", "text/css; charset=utf-8", STYLE),
  ];
  return built;
}

function asset(path: string, type: string, text: string): DashboardAsset {
  const body = new TextEncoder().encode(text);
  const etag = `"${new Bun.CryptoHasher("sha256").update(body).digest("hex").slice(0, 16)}"`;
  return { path, type, body, gzip: new Uint8Array(gzipSync(body)), etag };
}
