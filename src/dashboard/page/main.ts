import type { ActivityEntry } from "../activity.ts";
import { doc, type El, h, openEvents, type Source, win } from "./dom.ts";
import { schemaForm } from "./schema-form.ts";

interface Session {
  principal: string;
  auth: boolean;
  csrf: string;
}

interface ToolInfo {
  server: string;
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  score?: number;
}

type Entry = ActivityEntry;

const main = doc.getElementById("main") as El;
const who = doc.getElementById("who") as El;
let session: Session | undefined;
let leave: (() => void) | undefined;
const activity: Entry[] = [];
const activityListeners = new Set<(entry: Entry) => void>();
let events: Source | undefined;

class Refused extends Error {
  constructor(
    message: string,
    readonly login: boolean,
  ) {
    super(message);
  }
}

async function api<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`/ui${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: {
      accept: "application/json",
      ...(body === undefined
        ? {}
        : { "content-type": "application/json", "x-csrf-token": session?.csrf ?? "" }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    credentials: "same-origin",
  });
  const data = (await response.json().catch(() => ({}))) as { error?: string; login?: boolean };
  if (response.status === 401 || response.status === 403) {
    throw new Refused(data.error ?? response.statusText, data.login === true);
  }
  if (!response.ok) throw new Error(data.error ?? `${response.status} ${response.statusText}`);
  return data as T;
}

function show(title: string, ...content: El[]): void {
  leave?.();
  leave = undefined;
  main.replaceChildren(h("h1", {}, title), ...content);
  const page = win.location.hash.slice(1) || "overview";
  for (const name of ["overview", "tools", "activity"]) {
    doc
      .querySelector(`nav a[href="#${name}"]`)
      ?.setAttribute("aria-current", name === page ? "page" : "false");
  }
}

function failure(error: unknown): void {
  if (error instanceof Refused && error.login) {
    login(error.message);
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  show("Error", h("p", { class: "error", role: "alert" }, message));
}

function login(reason: string): void {
  const key = h("input", {
    id: "key",
    name: "key",
    type: "password",
    autocomplete: "current-password",
    required: true,
  });
  const status = h("p", { class: "error", role: "alert" });
  const form = h(
    "form",
    {
      class: "login",
      onsubmit: (event) => {
        event.preventDefault();
        status.textContent = "";
        fetch("/ui/login", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ key: key.value }),
          credentials: "same-origin",
        })
          .then(async (response) => {
            const data = (await response.json().catch(() => ({}))) as { error?: string };
            if (!response.ok) throw new Error(data.error ?? response.statusText);
            key.value = "";
            await start();
          })
          .catch((error: unknown) => {
            status.textContent = error instanceof Error ? error.message : String(error);
          });
      },
    },
    h("label", { for: "key" }, "API key (admin scope)"),
    key,
    h("button", { type: "submit" }, "Log in"),
    status,
  );
  show("Log in", h("p", { class: "muted" }, reason), form);
  key.focus();
}

function badge(text: string): El {
  return h("span", { class: `badge ${text.replace(/[^a-z_-]/gi, "")}` }, text);
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

interface Backend {
  status: string;
  transport: string;
  tools: number;
  restarts: number;
  last_error: string | null;
  circuit: string;
}

function table(headings: string[], rows: El): El {
  return h(
    "table",
    {},
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headings.map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    rows,
  );
}

function uptime(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ${seconds % 60}s`;
  return `${Math.floor(seconds / 3600)}h ${Math.floor((seconds % 3600) / 60)}m`;
}

function overview(): void {
  const summary = h("dl", { class: "summary" });
  const rows = h("tbody");
  show(
    "Overview",
    summary,
    h("h2", {}, "Backends"),
    table(["Backend", "State", "Transport", "Tools", "Circuit", "Restarts", "Last error"], rows),
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
        rows.replaceChildren(
          ...Object.entries(health.backends).map(([name, b]) =>
            h(
              "tr",
              { "data-backend": name },
              h("th", { scope: "row" }, name),
              h("td", {}, badge(b.status)),
              h("td", {}, b.transport),
              h("td", { class: "num" }, b.tools),
              h("td", {}, badge(b.circuit)),
              h("td", { class: "num restarts" }, b.restarts),
              h("td", { class: "last-error" }, b.last_error ?? ""),
            ),
          ),
        );
      })
      .catch(failure);
  };
  refresh();
  const timer = setInterval(refresh, 2000);
  leave = () => clearInterval(timer);
}

function tools(): void {
  const query = h("input", {
    id: "q",
    type: "search",
    placeholder: "Search tools, e.g. add numbers",
    autocomplete: "off",
  });
  const list = h("ul", { class: "tool-list", "aria-label": "Tools", "aria-live": "polite" });
  const detail = h("section", { class: "tool-detail", "aria-label": "Tool" });
  let timer: ReturnType<typeof setTimeout> | undefined;
  let asked = 0;
  const search = (): void => {
    const mine = ++asked;
    api<{ tools: ToolInfo[] }>(`/api/tools?q=${encodeURIComponent(query.value)}`)
      .then(({ tools: found }) => {
        if (mine !== asked) return;
        list.replaceChildren(
          ...found.map((tool) =>
            h(
              "li",
              {},
              h(
                "button",
                { type: "button", class: "tool", onclick: () => open(tool, detail) },
                h("span", { class: "tool-name" }, `${tool.server}/${tool.name}`),
                h("small", { class: "tool-desc" }, (tool.description ?? "").slice(0, 120)),
              ),
            ),
          ),
        );
        if (found.length === 0) list.append(h("li", { class: "muted" }, "No tool matches."));
      })
      .catch(failure);
  };
  query.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(search, 150);
  });
  show(
    "Tools",
    h("label", { for: "q", class: "visually-hidden" }, "Search tools"),
    query,
    h("div", { class: "split" }, list, detail),
  );
  leave = () => clearTimeout(timer);
  search();
  query.focus();
}

function open(tool: ToolInfo, into: El): void {
  const form = schemaForm(tool.inputSchema, "arg");
  const result = h("pre", { class: "result", id: "result", "aria-live": "polite" });
  const run = h("button", { type: "submit" }, "Invoke");
  into.replaceChildren(
    h("h2", {}, `${tool.server}/${tool.name}`),
    tool.description ? h("p", {}, tool.description) : "",
    h(
      "details",
      {},
      h("summary", {}, "Full definition"),
      h("pre", { class: "definition" }, JSON.stringify(tool, null, 2)),
    ),
    h(
      "form",
      {
        class: "try-it",
        "aria-label": "Try it",
        onsubmit: (event) => {
          event.preventDefault();
          const read = form.read();
          if ("error" in read) {
            result.className = "result error";
            result.textContent = read.error;
            return;
          }
          run.disabled = true;
          result.className = "result";
          result.textContent = "Calling…";
          api<{ result: { content?: { type: string; text?: string }[]; isError?: boolean } }>("/api/invoke", {
            server: tool.server,
            tool: tool.name,
            arguments: read.arguments,
          })
            .then(({ result: answer }) => {
              const texts = (answer.content ?? []).filter((c) => c.type === "text").map((c) => c.text ?? "");
              result.className = answer.isError ? "result error" : "result ok";
              result.textContent = texts.length > 0 ? texts.join("\n") : JSON.stringify(answer, null, 2);
            })
            .catch((error: unknown) => {
              result.className = "result error";
              result.textContent = error instanceof Error ? error.message : String(error);
            })
            .finally(() => {
              run.disabled = false;
            });
        },
      },
      h("h3", {}, "Try it"),
      form.fields,
      run,
    ),
    result,
  );
}

function activityRow(e: Entry): El {
  return h(
    "tr",
    {},
    h("td", {}, new Date(e.time).toLocaleTimeString()),
    h("td", {}, e.principal),
    h("td", {}, e.server),
    h("td", {}, e.tool),
    h("td", {}, badge(e.outcome)),
    h("td", { class: "num" }, `${e.latencyMs} ms`),
    h("td", { class: "num" }, e.count),
  );
}

function activityPage(): void {
  const rows = h("tbody", { id: "activity-rows" }, activity.map(activityRow).reverse());
  show(
    "Activity",
    h("p", { class: "muted" }, "Calls as they end, newest first (never their arguments)."),
    table(["Time", "Principal", "Server", "Tool", "Outcome", "Latency", "Calls"], rows),
  );
  const listener = (e: Entry): void => rows.prepend(activityRow(e));
  activityListeners.add(listener);
  leave = () => activityListeners.delete(listener);
}

function listen(): void {
  events?.close();
  activity.length = 0;
  events = openEvents("/ui/api/activity");
  events.onmessage = (event) => {
    const entry = JSON.parse(event.data) as Entry;
    activity.push(entry);
    if (activity.length > 500) activity.shift();
    for (const listener of activityListeners) listener(entry);
  };
}

function route(): void {
  const page = win.location.hash.slice(1) || "overview";
  if (page === "tools") tools();
  else if (page === "activity") activityPage();
  else overview();
}

async function start(): Promise<void> {
  try {
    session = await api<Session>("/api/session");
  } catch (error) {
    return failure(error);
  }
  who.replaceChildren(
    h("span", { class: "muted" }, session.principal),
    session.auth
      ? h(
          "button",
          {
            type: "button",
            class: "link",
            onclick: () => {
              api("/logout", {})
                .then(() => login("Logged out."))
                .catch(failure);
            },
          },
          "Log out",
        )
      : "",
  );
  listen();
  route();
}

win.addEventListener("hashchange", () => {
  if (session) route();
});
void start();
