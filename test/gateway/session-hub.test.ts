import { describe, expect, test } from "bun:test";
import type { Backend, BackendNotification, ListKind } from "../../src/backends/backend.ts";
import { BackendPool } from "../../src/backends/pool.ts";
import { SessionHub, type SessionPeer } from "../../src/gateway/session-hub.ts";

/** A backend whose notifications and list changes the test emits by hand (nothing else is used here). */
function emitter(name: string) {
  const notes = new Set<(n: BackendNotification) => void>();
  const lists = new Set<(kind?: ListKind) => void>();
  const backend = {
    name,
    onNotification: (l: (n: BackendNotification) => void) => {
      notes.add(l);
      return () => notes.delete(l);
    },
    onToolsChanged: (l: (kind?: ListKind) => void) => {
      lists.add(l);
      return () => lists.delete(l);
    },
  } as unknown as Backend;
  return {
    backend,
    log: (data: string) => {
      for (const l of notes) l({ method: "notifications/message", params: { level: "info", data } });
    },
    changed: () => {
      for (const l of lists) l("tools");
    },
  };
}

function peer(hears?: (server: string) => boolean): SessionPeer & { got: string[] } {
  const got: string[] = [];
  return {
    got,
    label: "t",
    backend: undefined,
    meta: false,
    logLevel: undefined,
    subscriptions: new Set(),
    notify: async (n) => {
      got.push(`${n.method}${n.params?.data ? `:${String(n.params.data)}` : ""}`);
    },
    request: async () => ({}),
    clientCapabilities: () => undefined,
    ...(hears ? { hears } : {}),
  };
}

describe("session hub fan-out", () => {
  test("a session hears log messages and list changes only of the backends its profile reaches", () => {
    const open = emitter("open");
    const secret = emitter("secret");
    const hub = new SessionHub(new BackendPool([open.backend, secret.backend]));
    const everyone = peer();
    const scoped = peer((server) => server === "open");
    hub.add(everyone);
    hub.add(scoped);
    open.log("a");
    secret.log("b");
    open.changed();
    secret.changed();
    expect(everyone.got).toEqual([
      "notifications/message:a",
      "notifications/message:b",
      "notifications/tools/list_changed",
      "notifications/tools/list_changed",
    ]);
    expect(scoped.got).toEqual(["notifications/message:a", "notifications/tools/list_changed"]);
  });
});
