/**
 * A stdio MCP server that prints credentials to its stderr (as careless servers do in debug output), for
 * the log-redaction test: a GitHub token and an AWS key at start, the value of its `SERVICE_TOKEN`
 * environment variable (a configured secret of no known shape), and a token again in a failing tool's error.
 *
 *   bun test/firewall/leaky-server.ts
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { CallToolRequestSchema, ListToolsRequestSchema } from "@modelcontextprotocol/sdk/types.js";

export const GITHUB = `ghp_${"Zy9Xw8Vu7T".repeat(4).slice(0, 36)}`;
export const AWS = "AKIAQWERTYUIOPASDFGH";

if (import.meta.main) {
  process.stderr.write(`debug: using token ${GITHUB} and key ${AWS}\n`);
  process.stderr.write(`debug: service token is ${process.env.SERVICE_TOKEN ?? "(unset)"}\n`);
  const server = new Server({ name: "leaky", version: "1.0.0" }, { capabilities: { tools: {} } });
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: [{ name: "fail", description: "Always fails.", inputSchema: { type: "object" } }],
  }));
  server.setRequestHandler(CallToolRequestSchema, async () => {
    process.stderr.write(`error: request with Authorization: token ${GITHUB} was refused\n`);
    throw new Error(`upstream refused token ${GITHUB}`);
  });
  await server.connect(new StdioServerTransport());
}
