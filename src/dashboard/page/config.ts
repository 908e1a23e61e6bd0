import type { RejectedReload } from "../../gateway/gateway.ts";
import { api } from "./api.ts";
import { h } from "./dom.ts";
import { every, fail, show } from "./ui.ts";

/** Config: the effective config with secrets masked, and the problems of a rejected reload. */
export function config(): void {
  const rejected = h("section", { id: "rejected", "aria-label": "Rejected reload" });
  const yaml = h("pre", { id: "config-yaml", class: "definition", tabindex: "0" });
  show(
    "Config",
    rejected,
    h(
      "p",
      { class: "muted" },
      "The config in force (file, environment and defaults; durations in ms; secrets masked).",
    ),
    yaml,
  );
  let shown = "";
  every(2000, () => {
    api<{ yaml: string; rejected: RejectedReload | null }>("/api/config")
      .then((c) => {
        yaml.textContent = c.yaml;
        const r = c.rejected;
        // Re-rendered only when it changed, so a screen reader announces it once.
        if (JSON.stringify(r) === shown) return;
        shown = JSON.stringify(r);
        if (!r) {
          rejected.replaceChildren();
          return;
        }
        rejected.replaceChildren(
          h(
            "div",
            { class: "alert", role: "alert" },
            h("h2", {}, "The last reload was rejected"),
            h(
              "p",
              {},
              `${new Date(r.time).toLocaleString()} (${r.why}): ${r.message}. Still serving the config below.`,
            ),
            h(
              "ul",
              {},
              r.problems.map((p) => h("li", {}, h("code", {}, p))),
            ),
          ),
        );
      })
      .catch(fail);
  });
}
