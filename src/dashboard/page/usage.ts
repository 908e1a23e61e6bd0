import type { UsageReport } from "../usage-report.ts";
import { api } from "./api.ts";
import { type El, h } from "./dom.ts";
import { clock, every, fail, ms, show, table } from "./ui.ts";

function cells(values: (string | number)[]): El[] {
  return values.map((v) => h("td", { class: typeof v === "number" ? "num" : "" }, v));
}

/** Usage: calls, errors and latency per server, tool and key; budgets; context tokens saved. */
export function usage(): void {
  const tokens = h("dl", { class: "summary", id: "tokens" });
  const servers = h("tbody", { id: "usage-servers" });
  const tools = h("tbody", { id: "usage-tools" });
  const keys = h("tbody", { id: "usage-keys" });
  const source = h("p", { class: "muted" });
  show(
    "Usage",
    h("h2", {}, "Context tokens"),
    tokens,
    h("h2", {}, "Servers"),
    table(["Server", "Calls", "Errors", "p50", "p99", "Listing tokens"], servers, "Servers"),
    h("h2", {}, "Tools"),
    table(["Tool", "Calls", "Errors", "Mean", "p50", "p99"], tools, "Tools"),
    h("h2", {}, "Keys"),
    table(["Principal", "Calls", "Errors", "p50", "p99", "Last used", "Budget used"], keys, "Keys"),
    source,
  );
  every(5000, () => {
    api<UsageReport>("/api/usage")
      .then((r) => {
        const t = r.tokens;
        const pct = t.direct > 0 ? Math.round((1000 * t.saved) / t.direct) / 10 : 0;
        tokens.replaceChildren(
          ...[
            [`Listing all ${t.tools} tools directly`, `${t.direct} tokens`],
            [`What /mcp lists (${t.mode} mode)`, `${t.gateway} tokens`],
            ["Saved per listing", `${t.saved} tokens (${pct}%)`],
          ].flatMap(([k, v]) => [h("dt", {}, k as string), h("dd", { class: "saved" }, v as string)]),
        );
        servers.replaceChildren(
          ...r.servers.map((s) =>
            h(
              "tr",
              { "data-server": s.server },
              h("th", { scope: "row" }, s.server),
              ...cells([s.calls, s.errors, ms(s.p50Ms), ms(s.p99Ms), s.listTokens]),
            ),
          ),
        );
        tools.replaceChildren(
          ...r.tools.map((u) =>
            h(
              "tr",
              { "data-tool": `${u.server}/${u.tool}` },
              h("th", { scope: "row" }, `${u.server}/${u.tool}`),
              ...cells([u.calls, u.errors, ms(u.avgMs), ms(u.p50Ms), ms(u.p99Ms)]),
            ),
          ),
        );
        if (r.tools.length === 0) tools.append(h("tr", {}, h("td", { colspan: "6" }, "No call yet.")));
        keys.replaceChildren(
          ...r.keys.map((k) =>
            h(
              "tr",
              { "data-principal": k.principal },
              h("th", { scope: "row" }, k.principal),
              ...cells([
                k.calls,
                k.errors,
                ms(k.p50Ms),
                ms(k.p99Ms),
                clock(k.lastUsed),
                k.budget ? `${k.budget.used} of ${k.budget.daily} today` : "no budget",
              ]),
            ),
          ),
        );
        source.textContent = r.note;
      })
      .catch(fail);
  });
}
