import { doc, type El, h, win } from "./dom.ts";

/** The pages, in the order the navigation lists them. */
export const PAGES = ["overview", "tools", "activity", "usage", "security", "config"] as const;

const main = doc.getElementById("main") as El;
let leave: (() => void) | undefined;
let onFailure: (error: unknown) => void = () => {};

/** Sets what `fail` does (the login form for a refused session, else an error page). */
export function setFailureHandler(handler: (error: unknown) => void): void {
  onFailure = handler;
}

/** Reports a failed request of the page being shown. */
export function fail(error: unknown): void {
  onFailure(error);
}

/** Runs `stop` when the page is left (timers, listeners). */
export function onLeave(stop: () => void): void {
  leave = stop;
}

/** Replaces the page with a heading and its content, and marks the current page in the navigation. */
export function show(title: string, ...content: El[]): void {
  leave?.();
  leave = undefined;
  main.replaceChildren(h("h1", {}, title), ...content);
  const page = win.location.hash.slice(1) || "overview";
  for (const name of PAGES) {
    doc
      .querySelector(`nav a[href="#${name}"]`)
      ?.setAttribute("aria-current", name === page ? "page" : "false");
  }
}

/** A state or outcome as a coloured label. */
export function badge(text: string): El {
  return h("span", { class: `badge ${text.replace(/[^a-z_-]/gi, "")}` }, text);
}

/** A table with column headings over `rows` (a tbody). */
export function table(headings: string[], rows: El, label?: string): El {
  return h(
    "table",
    label ? { "aria-label": label } : {},
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

/** A number of ms for a table cell ("–" before there is one). */
export function ms(value: number | undefined | null): string {
  return value === undefined || value === null ? "–" : `${value} ms`;
}

/** A time of day, or "–". */
export function clock(time: number | undefined | null): string {
  return time ? new Date(time).toLocaleString() : "–";
}

/** Repeats `refresh` every `everyMs` while the page is shown (and once now). */
export function every(everyMs: number, refresh: () => void): void {
  refresh();
  const timer = setInterval(refresh, everyMs);
  onLeave(() => clearInterval(timer));
}
