import type { ActivityEntry } from "../activity.ts";
import { type El, h, openEvents, type Source } from "./dom.ts";
import { badge, onLeave, show, table } from "./ui.ts";

const activity: ActivityEntry[] = [];
const listeners = new Set<(entry: ActivityEntry) => void>();
let events: Source | undefined;

function row(e: ActivityEntry): El {
  return h(
    "tr",
    {},
    h("td", {}, new Date(e.time).toLocaleTimeString()),
    h("td", {}, e.principal),
    h("td", {}, e.server),
    h("td", {}, e.kind === "tool" ? e.tool : `${e.kind}: ${e.tool}`),
    h("td", {}, badge(e.outcome)),
    h("td", { class: "num" }, `${e.latencyMs} ms`),
  );
}

/** Activity: every backend request as it ends, newest first, with its caller — never its arguments. */
export function activityPage(): void {
  const rows = h("tbody", { id: "activity-rows" }, activity.map(row).reverse());
  show(
    "Activity",
    h("p", { class: "muted" }, "Requests as they end, newest first (never their arguments)."),
    table(["Time", "Principal", "Server", "Tool", "Outcome", "Latency"], rows),
  );
  const listener = (e: ActivityEntry): void => rows.prepend(row(e));
  listeners.add(listener);
  onLeave(() => listeners.delete(listener));
}

/** Opens the call log's event stream (once per session), so the Activity page has what happened before. */
export function listen(): void {
  events?.close();
  activity.length = 0;
  events = openEvents("/ui/api/activity");
  events.onmessage = (event) => {
    const entry = JSON.parse(event.data) as ActivityEntry;
    activity.push(entry);
    if (activity.length > 500) activity.shift();
    for (const listener of listeners) listener(entry);
  };
}
