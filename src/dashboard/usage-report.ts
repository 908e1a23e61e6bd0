import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Auth } from "../auth/auth.ts";
import { listKeys } from "../auth/manage.ts";
import type { CallContext } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { exposedName } from "../gateway/tool-names.ts";
import { metaToolList } from "../server/handlers/tools.ts";
import type { LatencyHistogram } from "../usage/latency-histogram.ts";
import type { RequestTally } from "./request-tally.ts";

/** Latency percentiles of a row, ms (undefined before its first call). */
interface Percentiles {
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** The Usage page: per tool, server and key, and what the meta-tools save in context tokens. */
export interface UsageReport {
  tools: ({ server: string; tool: string; calls: number; errors: number; avgMs: number } & Percentiles)[];
  servers: ({ server: string; calls: number; errors: number; listTokens: number } & Percentiles)[];
  keys: ({
    principal: string;
    calls: number;
    errors: number;
    lastUsed: number | undefined;
    budget: { used: number; daily: number } | undefined;
  } & Percentiles)[];
  /** o200k tokens of listing every tool directly, of what `/mcp` lists, and the difference. */
  tokens: { mode: "meta" | "transparent"; tools: number; direct: number; gateway: number; saved: number };
  /** What the rows count, for the page's footnote. */
  note: string;
}

/** Counts tokens once per distinct text (the Usage page refreshes; catalogs rarely change). */
class TokenMemo {
  readonly #seen = new Map<string, { text: string; tokens: number }>();

  async count(slot: string, tools: readonly Tool[]): Promise<number> {
    // Loaded on first use: the o200k ranks are megabytes a gateway whose Usage page nobody opens never reads.
    const { serializeTools, o200k } = await import("../usage/context-tokens.ts");
    const text = serializeTools(tools);
    const last = this.#seen.get(slot);
    if (last?.text === text) return last.tokens;
    const tokens = o200k(text);
    this.#seen.set(slot, { text, tokens });
    return tokens;
  }
}

function round(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : Math.round(ms * 10) / 10;
}

function percentiles(latency: LatencyHistogram | undefined): Percentiles {
  return { p50Ms: round(latency?.quantile(0.5)), p99Ms: round(latency?.quantile(0.99)) };
}

/** Builds {@link UsageReport}s for one dashboard. */
export class UsageReporter {
  readonly #memo = new TokenMemo();
  readonly #gateway: Gateway;
  readonly #parts: { auth: Auth | undefined; callers: RequestTally; servers: RequestTally };

  constructor(
    gateway: Gateway,
    parts: { auth: Auth | undefined; callers: RequestTally; servers: RequestTally },
  ) {
    this.#gateway = gateway;
    this.#parts = parts;
  }

  async report(ctx: CallContext): Promise<UsageReport> {
    const gateway = this.#gateway;
    const tools = gateway.usage().map((u) => ({
      server: u.backend,
      tool: u.tool,
      calls: u.calls,
      errors: u.errors,
      avgMs: Math.round(u.avgMs * 10) / 10,
      p50Ms: round(u.p50Ms),
      p99Ms: round(u.p99Ms),
    }));
    const listed = (await gateway.listTools(ctx)).tools;
    const servers = [];
    for (const server of gateway.backendNames) {
      const own = tools.filter((t) => t.server === server);
      servers.push({
        server,
        calls: own.reduce((n, t) => n + t.calls, 0),
        errors: own.reduce((n, t) => n + t.errors, 0),
        listTokens: await this.#memo.count(
          `server:${server}`,
          listed.filter((t) => t.server === server).map((t) => t.tool),
        ),
        ...percentiles(this.#parts.servers.get(server)?.latency),
      });
    }
    const direct = await this.#memo.count(
      "direct",
      listed.map((t) => t.tool),
    );
    const shown = gateway.metaMode
      ? await metaToolList(gateway, ctx)
      : listed.map((t) => ({ ...t.tool, name: exposedName(t.server, t.tool.name) }));
    const through = await this.#memo.count("gateway", shown);
    return {
      tools,
      servers,
      keys: this.#keys(),
      tokens: {
        mode: gateway.metaMode ? "meta" : "transparent",
        tools: listed.length,
        direct,
        gateway: through,
        saved: direct - through,
      },
      note:
        "Tools: calls since the usage file began. Server latency and keys: every request since the gateway started. " +
        "Percentiles within ±9% (the usage store's histogram). Tokens: o200k of [{name, description, input_schema}], as npm run bench:tokens counts them.",
    };
  }

  #keys(): UsageReport["keys"] {
    const { auth, callers } = this.#parts;
    const principals = new Set(callers.all().map((c) => c.key));
    if (auth) for (const key of listKeys(auth.keysPath)) principals.add(`key:${key.name}`);
    return [...principals].map((principal) => {
      const tally = callers.get(principal);
      const daily = auth?.budgets?.budgetOf(principal);
      return {
        principal,
        calls: tally?.calls ?? 0,
        errors: tally?.errors ?? 0,
        lastUsed: tally?.lastUsed,
        budget: daily === undefined ? undefined : { used: auth?.budgets?.used(principal) ?? 0, daily },
        ...percentiles(tally?.latency),
      };
    });
  }
}
