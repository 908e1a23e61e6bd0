import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { Auth } from "../auth/auth.ts";
import { listKeys } from "../auth/manage.ts";
import type { CallContext } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import { exposedName } from "../gateway/tool-names.ts";
import { metaToolList } from "../server/handlers/tools.ts";
import type { CallerTally } from "./caller-stats.ts";
import { type Buckets, emptyBuckets, latencyHistograms, merge, quantile } from "./latency.ts";

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
  tokens: { mode: "meta" | "transparent"; tools: number; direct: number; gateway: number; saved: number };
  /** Where the tool and server percentiles come from. */
  percentiles: string;
}

const TOKENS = "o200k";

/** Counts tokens once per distinct text (the Usage page refreshes; catalogs rarely change). */
class TokenMemo {
  readonly #seen = new Map<string, { text: string; tokens: number }>();
  async count(slot: string, tools: readonly Tool[]): Promise<number> {
    // Loaded on first use: the o200k ranks are megabytes of text a gateway without a dashboard never reads.
    const { serializeTools, o200k } = await import("../usage/context-tokens.ts");
    const text = serializeTools(tools);
    const last = this.#seen.get(slot);
    if (last?.text === text) return last.tokens;
    const tokens = o200k(text);
    this.#seen.set(slot, { text, tokens });
    return tokens;
  }
}

function percentiles(buckets: Buckets | undefined): Percentiles {
  const round = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 10) / 10);
  return {
    p50Ms: round(buckets && quantile(buckets, 0.5)),
    p99Ms: round(buckets && quantile(buckets, 0.99)),
  };
}

/** Builds {@link UsageReport}s for one dashboard. */
export class UsageReporter {
  readonly #memo = new TokenMemo();

  constructor(
    readonly gateway: Gateway,
    readonly parts: { auth: Auth | undefined; callers: CallerTally; sessions: () => number },
  ) {}

  async report(ctx: CallContext): Promise<UsageReport> {
    const { gateway } = this;
    const histograms = latencyHistograms(gateway.metrics(this.parts.sessions()));
    const tools = gateway.usage().map((u) => {
      // The usage store's own percentiles when it keeps them; else the /metrics histogram since start.
      const own = u as { p50Ms?: number; p99Ms?: number };
      const fromMetrics = percentiles(histograms.get(JSON.stringify([u.backend, u.tool])));
      return {
        server: u.backend,
        tool: u.tool,
        calls: u.calls,
        errors: u.errors,
        avgMs: Math.round(u.avgMs * 10) / 10,
        p50Ms: own.p50Ms ?? fromMetrics.p50Ms,
        p99Ms: own.p99Ms ?? fromMetrics.p99Ms,
      };
    });
    const listed = (await gateway.listTools(ctx)).tools;
    const servers = [];
    for (const server of gateway.backendNames) {
      const own = tools.filter((t) => t.server === server);
      const merged = emptyBuckets();
      let any: Buckets | undefined;
      for (const [key, buckets] of histograms) {
        if ((JSON.parse(key) as string[])[0] !== server) continue;
        if (buckets.counts.length === merged.counts.length) merge(merged, buckets);
        any = merged;
      }
      const ofServer = listed.filter((t) => t.server === server).map((t) => t.tool);
      servers.push({
        server,
        calls: own.reduce((n, t) => n + t.calls, 0),
        errors: own.reduce((n, t) => n + t.errors, 0),
        listTokens: await this.#memo.count(`server:${server}`, ofServer),
        ...percentiles(any),
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
      percentiles: gateway.usage().some((u) => "p50Ms" in u)
        ? `usage store, else the /metrics latency histogram since start (bucket estimates); tokens: ${TOKENS}`
        : `the /metrics latency histogram since start (bucket estimates); tokens: ${TOKENS}`,
    };
  }

  #keys(): UsageReport["keys"] {
    const { auth, callers } = this.parts;
    const principals = new Set(callers.all().map((c) => c.principal));
    if (auth) for (const key of listKeys(auth.keysPath)) principals.add(`key:${key.name}`);
    return [...principals].map((principal) => {
      const stats = callers.get(principal);
      const daily = auth?.budgets?.budgetOf(principal);
      return {
        principal,
        calls: stats?.calls ?? 0,
        errors: stats?.errors ?? 0,
        lastUsed: stats?.lastUsed,
        budget: daily === undefined ? undefined : { used: auth?.budgets?.used(principal) ?? 0, daily },
        ...percentiles(stats?.latency),
      };
    });
  }
}
