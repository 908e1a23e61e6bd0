import { configureLog } from "../../src/log.ts";

// Integration tests start many backends; keep their info lines out of the test report.
configureLog({ level: process.env.TEST_LOG_LEVEL === "debug" ? "debug" : "warn", format: "text" });
