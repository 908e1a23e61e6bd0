import { describe, expect, test } from "bun:test";
import type { ConsolaInstance } from "consola";
import { WebhookBackend } from "../../src/webhooks/backend.ts";
import { signGithub } from "./sign.ts";

const SECRET = "backend-test-secret-0123";

function recordingLog() {
  const lines: { level: string; text: string }[] = [];
  const at = (level: string) => (text: string) => lines.push({ level, text });
  const log = { warn: at("warn"), debug: at("debug"), info: at("info") } as unknown as ConsolaInstance;
  return { log, lines };
}

function delivery(id: string, secret = SECRET) {
  const body = JSON.stringify({ n: id });
  return { headers: new Headers(signGithub(secret, body, id, "push")), body: new TextEncoder().encode(body) };
}

describe("WebhookBackend", () => {
  test("refusals warn once a minute per webhook, then go to debug; the secret is in no line", () => {
    let now = 0;
    const { log, lines } = recordingLog();
    const backend = new WebhookBackend(
      { gh: { provider: "github", secret: SECRET, description: "", keep: 5, max_body_size: 1024 } },
      { log, now: () => now },
    );
    for (let i = 0; i < 3; i++) backend.receive("gh", delivery(`x${i}`, "forged-secret-0123456"));
    now += 60_000;
    backend.receive("gh", delivery("x9", "forged-secret-0123456"));
    expect(lines.map((l) => l.level)).toEqual(["warn", "debug", "debug", "warn"]);
    expect(JSON.stringify(lines)).not.toContain(SECRET);
  });

  test("an accepted event notifies resources/updated, then a log message without the payload", () => {
    const { log } = recordingLog();
    const backend = new WebhookBackend(
      { gh: { provider: "github", secret: SECRET, description: "", keep: 5, max_body_size: 1024 } },
      { log },
    );
    const seen: { method: string; params?: Record<string, unknown> }[] = [];
    backend.onNotification((n) => seen.push(n));
    expect(backend.receive("gh", delivery("d1"))).toMatchObject({ outcome: "accepted" });
    expect(backend.receive("nope", delivery("d2"))).toBeUndefined();
    expect(seen.map((n) => n.method)).toEqual(["notifications/resources/updated", "notifications/message"]);
    expect(seen[0]?.params).toEqual({ uri: "webhook://gh/latest" });
    expect(JSON.stringify(seen[1])).not.toContain('"n":"d1"');
  });
});
