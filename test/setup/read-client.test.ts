import { describe, expect, test } from "bun:test";
import { CLIENTS, clientForFile, type PlatformContext } from "../../src/setup/clients.ts";
import { convertVariables, readClientServers } from "../../src/setup/read-client.ts";

function read(client: Parameters<typeof readClientServers>[0], file: string, json: unknown | string) {
  return readClientServers(client, file, { text: typeof json === "string" ? json : JSON.stringify(json) });
}

describe("client formats", () => {
  test("Claude Desktop: mcpServers with command, args, env", () => {
    const { servers } = read("claude-desktop", "/c/claude_desktop_config.json", {
      mcpServers: {
        fs: {
          command: "npx",
          args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
          env: { A: "1" },
        },
      },
    });
    expect(servers[0]).toMatchObject({
      name: "fs",
      backend: {
        command: "npx",
        args: ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"],
        env: { A: "1" },
      },
    });
  });

  test("Claude Code: user servers, per-project servers, typed http and sse entries", () => {
    const { servers } = read("claude-code", "/h/.claude.json", {
      mcpServers: {
        docs: {
          type: "http",
          url: "https://example.test/mcp",
          headers: { Authorization: "Bearer ${TOKEN}" },
        },
      },
      projects: { "/work/app": { mcpServers: { legacy: { type: "sse", url: "http://127.0.0.1:9/sse" } } } },
      numStartups: 3,
    });
    expect(servers.map((s) => s.name)).toEqual(["docs", "legacy"]);
    expect(servers[0]?.backend).toEqual({
      http_url: "https://example.test/mcp",
      headers: { Authorization: "Bearer ${TOKEN}" },
      transport: "streamable-http",
    });
    expect(servers[1]?.backend).toMatchObject({ transport: "sse" });
  });

  test("Cursor: url entries and ${env:VAR}", () => {
    const { servers } = read("cursor", "/h/.cursor/mcp.json", {
      mcpServers: {
        gh: { command: "gh-mcp", env: { TOKEN: "${env:GITHUB_TOKEN}" } },
        web: { url: "http://127.0.0.1:1/mcp" },
      },
    });
    expect(servers[0]?.backend).toEqual({ command: "gh-mcp", env: { TOKEN: "${GITHUB_TOKEN}" } });
    expect(servers[1]?.backend).toEqual({ http_url: "http://127.0.0.1:1/mcp" });
  });

  test("VS Code: servers key, inputs and ${workspaceFolder}, JSONC comments", () => {
    const text = `{
      // workspace servers
      "inputs": [{ "type": "promptString", "id": "api-key", "password": true }],
      "servers": {
        "fs": { "type": "stdio", "command": "npx", "args": ["server-fs", "\${workspaceFolder}"] },
        "api": { "type": "stdio", "command": "api-mcp", "env": { "KEY": "\${input:api-key}" } },
      },
    }`;
    const { servers } = read("vscode", "/work/app/.vscode/mcp.json", text);
    expect(servers[0]?.backend).toEqual({ command: "npx", args: ["server-fs", "/work/app"] });
    expect(servers[1]?.backend).toEqual({ command: "api-mcp", env: { KEY: "${API_KEY}" } });
    expect(servers[1]?.notes.join()).toContain("API_KEY");
  });

  test("VS Code settings.json: mcp.servers", () => {
    const { servers } = read("vscode", "/h/.config/Code/User/settings.json", {
      mcp: { servers: { a: { command: "a" } } },
    });
    expect(servers.map((s) => s.name)).toEqual(["a"]);
  });

  test("Windsurf: serverUrl", () => {
    const { servers } = read("windsurf", "/h/.codeium/windsurf/mcp_config.json", {
      mcpServers: { remote: { serverUrl: "http://127.0.0.1:2/sse" }, off: { command: "x", disabled: true } },
    });
    expect(servers[0]?.backend).toEqual({ http_url: "http://127.0.0.1:2/sse" });
    expect(servers[1]?.backend).toEqual({ command: "x", enabled: false });
  });

  test("Zed: context_servers, both the flat and the nested command shapes; extensions skipped", () => {
    const text = `// Zed
    {
      "context_servers": {
        "flat": { "source": "custom", "command": "npx", "args": ["-y", "srv"], "env": {} },
        "nested": { "command": { "path": "uvx", "args": ["mcp-server-git"], "env": { "A": "b" } }, "settings": {} },
        "ext": { "source": "extension", "settings": {} }
      }
    }`;
    const { servers, skipped } = read("zed", "/h/.config/zed/settings.json", text);
    expect(servers.map((s) => s.backend)).toEqual([
      { command: "npx", args: ["-y", "srv"] },
      { command: "uvx", args: ["mcp-server-git"], env: { A: "b" } },
    ]);
    expect(skipped).toEqual([{ name: "ext", reason: "provided by an editor extension, not a command" }]);
  });

  test("an entry that runs mcp-gateway itself is skipped, not imported into a loop", () => {
    const { servers, skipped } = read("cursor", "/h/.cursor/mcp.json", {
      mcpServers: { gw: { command: "/usr/local/bin/mcp-gateway", args: ["serve", "--stdio"] } },
    });
    expect(servers).toEqual([]);
    expect(skipped[0]?.reason).toContain("mcp-gateway itself");
  });

  test("broken JSON names the file and line", () => {
    expect(() => read("cursor", "/h/.cursor/mcp.json", '{\n  "mcpServers": {,\n}')).toThrow(/mcp\.json:2: /);
  });
});

test("each client's files follow the platform's conventions", () => {
  const linux: PlatformContext = { home: "/home/u", platform: "linux", cwd: "/p", env: {} };
  const mac: PlatformContext = { ...linux, home: "/Users/u", platform: "darwin" };
  const win: PlatformContext = {
    home: "C:\\Users\\u",
    platform: "win32",
    cwd: "C:\\p",
    env: { APPDATA: "C:\\Users\\u\\AppData\\Roaming" },
  };
  expect(CLIENTS["claude-desktop"].files(mac)[0]).toBe(
    "/Users/u/Library/Application Support/Claude/claude_desktop_config.json",
  );
  expect(CLIENTS["claude-desktop"].files(win)[0]).toContain("Claude");
  expect(CLIENTS.zed.files(linux)).toEqual(["/home/u/.config/zed/settings.json"]);
  expect(CLIENTS.vscode.files(linux)).toEqual(["/home/u/.config/Code/User/mcp.json", "/p/.vscode/mcp.json"]);
  expect(CLIENTS.windsurf.files(mac)).toEqual(["/Users/u/.codeium/windsurf/mcp_config.json"]);
  expect(clientForFile("/Users/u/.codeium/windsurf/mcp_config.json")).toBe("windsurf");
  expect(clientForFile("/p/.vscode/mcp.json")).toBe("vscode");
  expect(clientForFile("/home/u/.config/zed/settings.json")).toBe("zed");
});

test("unknown editor variables are left alone", () => {
  expect(convertVariables("${command:pick}", { workspace: "/w", notes: [] })).toBe("${command:pick}");
});
