import { activityPage, listen } from "./activity.ts";
import { api, currentSession, messageOf, Refused, type Session, setSession } from "./api.ts";
import { config } from "./config.ts";
import { doc, type El, h, win } from "./dom.ts";
import { overview } from "./overview.ts";
import { security } from "./security.ts";
import { tools } from "./tools.ts";
import { setFailureHandler, show } from "./ui.ts";
import { usage } from "./usage.ts";

const who = doc.getElementById("who") as El;

function failure(error: unknown): void {
  if (error instanceof Refused && error.login) {
    login(error.message);
    return;
  }
  show("Error", h("p", { class: "error", role: "alert" }, messageOf(error)));
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
            status.textContent = messageOf(error);
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

const ROUTES: Record<string, () => void> = {
  overview,
  tools,
  activity: activityPage,
  usage,
  security,
  config,
};

function route(): void {
  (ROUTES[win.location.hash.slice(1)] ?? overview)();
}

async function start(): Promise<void> {
  let session: Session;
  try {
    session = await api<Session>("/api/session");
  } catch (error) {
    return failure(error);
  }
  setSession(session);
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

setFailureHandler(failure);
win.addEventListener("hashchange", () => {
  if (currentSession()) route();
});
void start();
