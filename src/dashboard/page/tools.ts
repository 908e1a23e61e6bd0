import { api, messageOf } from "./api.ts";
import { type El, h } from "./dom.ts";
import { schemaForm } from "./schema-form.ts";
import { fail, onLeave, show } from "./ui.ts";

interface ToolInfo {
  server: string;
  name: string;
  title?: string;
  description?: string;
  inputSchema?: unknown;
  score?: number;
}

/** Tools: the catalog with the gateway's search, each tool's definition, and a try-it form. */
export function tools(): void {
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
      .catch(fail);
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
  onLeave(() => clearTimeout(timer));
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
              result.textContent = messageOf(error);
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
