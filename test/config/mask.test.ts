import { describe, expect, test } from "bun:test";
import { maskedConfig } from "../../src/config/mask.ts";

describe("maskedConfig", () => {
  test("masks credentials in a backend's args and command line, leaving the rest as written", () => {
    const masked = maskedConfig({
      backends: {
        db: {
          command: "npx pg-mcp --dsn=postgres://app:hunter2@db.local/app --verbose",
          args: ["--password", "s3cret-value", "--api-key=abc123def", "--port", "5432", "http://h:8080/a@b"],
        },
      },
    });
    const text = JSON.stringify(masked);
    for (const secret of ["hunter2", "s3cret-value", "abc123def"]) expect(text).not.toContain(secret);
    const db = (masked as { backends: { db: { command: string; args: string[] } } }).backends.db;
    expect(db.command.startsWith("npx pg-mcp --dsn=")).toBe(true);
    expect(db.command.endsWith(" --verbose")).toBe(true);
    // Flags and values that are not credentials stay; a URL whose path holds an @ is not a login.
    expect(db.args).toContain("--port");
    expect(db.args).toContain("5432");
    expect(db.args).toContain("http://h:8080/a@b");
  });

  test("keys named like secrets are masked wherever they are; other strings pass unchanged", () => {
    const masked = maskedConfig({ auth: { oauth: { client_secret: "xyz" } }, server: { host: "127.0.0.1" } });
    expect(masked).toEqual({ auth: { oauth: { client_secret: "***" } }, server: { host: "127.0.0.1" } });
  });
});
