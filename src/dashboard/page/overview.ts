import { api, messageOf } from "./api.ts";
import { type El, h } from "./dom.ts";
import { badge, every, fail, show, table } from "./ui.ts";

interface Backend {
  status: string;
  transport: string;
  tools: number;
  restarts: number;
  last_error: string | null;
  circuit: string;
}

interface Overview {
  health: {
    status: string;
    version: string;
    uptime_s: number;
    tools: number;
    backends: Record<string, Backend>;
  };
  sessions: number;
}

function uptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

/** One backend's row, kept across refreshes so focus stays on its buttons. */
interface Row {
  el: El;
  cells: El[];
  buttons: Record<"restart" | "wake" | "sleep", El>;
}

function backendRow(name: string, status: El, refresh: () => void): Row {
  const cells = Array.from({ length: 6 }, (_, i) =>
    h("td", { class: ["", "", "num", "", "num restarts", "last-error"][i] ?? "" }),
  );
  const act = (action: "restart" | "wake" | "sleep"): El =>
    h(
      "button",
      {
        type: "button",
        class: `action ${action}`,
        "aria-label": `${action} ${name}`,
        onclick: () => {
          status.textContent = `${action} ${name}…`;
          api<{ status: string }>("/api/backend", { server: name, action })
            .then((state) => {
              status.textContent = `${name}: ${action} done, now ${state.status}`;
              refresh();
            })
            .catch((error: unknown) => {
              status.textContent = `${name}: ${action} failed: ${messageOf(error)}`;
            });
        },
      },
      action[0]?.toUpperCase() + action.slice(1),
    );
  const buttons = { restart: act("restart"), wake: act("wake"), sleep: act("sleep") };
  const el = h(
    "tr",
    { "data-backend": name },
    h("th", { scope: "row" }, name),
    ...cells,
    h("td", { class: "actions" }, buttons.restart, buttons.wake, buttons.sleep),
  );
  return { el, cells, buttons };
}

function update(row: Row, b: Backend): void {
  const [state, transport, tools, circuit, restarts, lastError] = row.cells as [El, El, El, El, El, El];
  if (state.textContent !== b.status) state.replaceChildren(badge(b.status));
  transport.textContent = b.transport;
  tools.textContent = String(b.tools);
  if (circuit.textContent !== b.circuit) circuit.replaceChildren(badge(b.circuit));
  restarts.textContent = String(b.restarts);
  lastError.textContent = b.last_error ?? "";
  const busy = b.status === "starting";
  row.buttons.restart.disabled = busy;
  row.buttons.wake.hidden = !(b.status === "sleeping" || b.status === "stopped" || b.status === "error");
  row.buttons.sleep.hidden = b.status !== "running" || b.transport === "rest";
}

/** Overview: the gateway's status and each backend's, live, with restart / wake / sleep for admins. */
export function overview(): void {
  const summary = h("dl", { class: "summary" });
  const body = h("tbody");
  const status = h("p", { class: "muted", role: "status", id: "action-status" });
  const rows = new Map<string, Row>();
  show(
    "Overview",
    summary,
    h("h2", {}, "Backends"),
    table(["Backend", "State", "Transport", "Tools", "Circuit", "Restarts", "Last error", "Actions"], body),
    status,
  );
  const refresh = (): void => {
    api<Overview>("/api/overview")
      .then(({ health, sessions }) => {
        summary.replaceChildren(
          ...[
            ["Status", badge(health.status)],
            ["Version", health.version],
            ["Uptime", uptime(health.uptime_s)],
            ["Sessions", String(sessions)],
            ["Tools", String(health.tools)],
          ].flatMap(([k, v]) => [h("dt", {}, k as string), h("dd", {}, v as El | string)]),
        );
        const names = Object.keys(health.backends);
        for (const [name, row] of rows) {
          if (!names.includes(name)) {
            row.el.remove();
            rows.delete(name);
          }
        }
        for (const [name, backend] of Object.entries(health.backends)) {
          let row = rows.get(name);
          if (!row) {
            row = backendRow(name, status, refresh);
            rows.set(name, row);
            body.append(row.el);
          }
          update(row, backend);
        }
      })
      .catch(fail);
  };
  every(2000, refresh);
}
