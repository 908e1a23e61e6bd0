import { api, messageOf } from "./api.ts";
import { type El, h } from "./dom.ts";
import { badge, clock, every, fail, show, table } from "./ui.ts";

interface Finding {
  rule: string;
  field: string;
  span: string;
}

interface Security {
  servers: {
    server: string;
    quarantined: { tool: string; reason: string; since: string; findings?: Finding[] }[];
    findings: Record<string, Finding[]>;
  }[];
  keys?: {
    id: string;
    name: string;
    scopes: string[];
    created: string;
    rotated?: string;
    lastUsed?: number;
  }[];
}

function quarantineRow(
  server: string,
  q: Security["servers"][number]["quarantined"][number],
  status: El,
  refresh: () => void,
): El {
  const target = `${server}/${q.tool}`;
  const approve = h(
    "button",
    {
      type: "button",
      class: "approve",
      "aria-label": `Approve ${target}`,
      onclick: () => {
        approve.disabled = true;
        api<{ approved: string[] }>("/api/approve", { target })
          .then((r) => {
            status.textContent = `approved ${r.approved.map((t) => `${server}/${t}`).join(", ")}`;
            refresh();
          })
          .catch((error: unknown) => {
            approve.disabled = false;
            status.textContent = `approving ${target} failed: ${messageOf(error)}`;
          });
      },
    },
    "Approve",
  );
  const why =
    q.reason === "changed"
      ? "definition changed since first seen"
      : `poisoning: ${(q.findings ?? []).map((f) => f.rule).join(", ")}`;
  return h(
    "tr",
    { "data-quarantined": target },
    h("th", { scope: "row" }, target),
    h("td", {}, badge(q.reason)),
    h("td", {}, why),
    h("td", {}, q.since),
    h("td", {}, approve),
  );
}

/** Security: quarantined tools (approve), poisoning findings with rule ids and spans, keys without secrets. */
export function security(): void {
  const quarantined = h("tbody", { id: "quarantined" });
  const findings = h("tbody", { id: "findings" });
  const keys = h("tbody", { id: "keys" });
  const status = h("p", { class: "muted", role: "status", id: "approve-status" });
  show(
    "Security",
    h("h2", {}, "Quarantined tools"),
    table(["Tool", "Reason", "Why", "Since", "Action"], quarantined, "Quarantined tools"),
    status,
    h("h2", {}, "Poisoning findings"),
    table(["Tool", "Rule", "Field", "Span"], findings, "Poisoning findings"),
    h("h2", {}, "Keys"),
    table(["Name", "Id", "Scopes", "Created", "Last used (since start)"], keys, "Keys"),
  );
  const refresh = (): void => {
    api<Security>("/api/security")
      .then((s) => {
        const held = s.servers.flatMap((srv) =>
          srv.quarantined.map((q) => quarantineRow(srv.server, q, status, refresh)),
        );
        quarantined.replaceChildren(...held);
        if (held.length === 0)
          quarantined.append(h("tr", {}, h("td", { colspan: "5" }, "Nothing is quarantined.")));
        const found = s.servers.flatMap((srv) =>
          Object.entries(srv.findings).flatMap(([tool, list]) =>
            list.map((f) =>
              h(
                "tr",
                {},
                h("th", { scope: "row" }, `${srv.server}/${tool}`),
                h("td", {}, h("code", {}, f.rule)),
                h("td", {}, f.field),
                h("td", {}, h("code", { class: "span" }, f.span)),
              ),
            ),
          ),
        );
        findings.replaceChildren(...found);
        if (found.length === 0) findings.append(h("tr", {}, h("td", { colspan: "4" }, "No finding.")));
        keys.replaceChildren(
          ...(s.keys ?? []).map((k) =>
            h(
              "tr",
              { "data-key": k.name },
              h("th", { scope: "row" }, k.name),
              h("td", {}, h("code", {}, k.id)),
              h("td", {}, k.scopes.join(", ")),
              h("td", {}, k.rotated ? `${k.created} (rotated ${k.rotated})` : k.created),
              h("td", {}, clock(k.lastUsed)),
            ),
          ),
        );
        if (!s.keys) keys.append(h("tr", {}, h("td", { colspan: "5" }, "No auth: section, so no keys.")));
      })
      .catch(fail);
  };
  every(5000, refresh);
}
