import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { configureLog } from "../../src/log.ts";

// Integration tests start many backends; keep their info lines out of the test report.
configureLog({ level: process.env.TEST_LOG_LEVEL === "debug" ? "debug" : "warn", format: "text" });

// Nothing a test runs may read or write the real user's cache or data folders.
process.env.MCP_GATEWAY_CACHE_DIR ??= mkdtempSync(join(tmpdir(), "mcp-gateway-test-cache-"));
process.env.MCP_GATEWAY_DATA_DIR ??= mkdtempSync(join(tmpdir(), "mcp-gateway-test-data-"));
