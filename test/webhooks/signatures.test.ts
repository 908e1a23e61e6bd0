import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { WebhookChannel, type WebhookSettings } from "../../src/webhooks/channel.ts";
import { EventBuffer } from "../../src/webhooks/event-buffer.ts";
import { SeenIds } from "../../src/webhooks/seen-ids.ts";
import { type Delivery, verifyDelivery } from "../../src/webhooks/signatures.ts";
import { signGithub, signLinear, signStandard, signStripe } from "./sign.ts";

const SECRET = "It's a Secret to Everybody";
const NOW = Date.parse("2026-12-02T10:00:00Z");

function delivery(headers: Record<string, string>, body: string): Delivery {
  return { headers: new Headers(headers), body: new TextEncoder().encode(body) };
}

const options = { secret: SECRET, toleranceMs: 300_000, now: NOW };

describe("GitHub (X-Hub-Signature-256)", () => {
  test("GitHub's documented example: secret and 'Hello, World!' give its published digest", () => {
    // docs.github.com "Validating webhook deliveries": the test values and the signature they produce.
    const body = "Hello, World!";
    const expected = "757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17";
    expect(createHmac("sha256", SECRET).update(body).digest("hex")).toBe(expected);
    const checked = verifyDelivery(
      "github",
      delivery({ "x-hub-signature-256": `sha256=${expected}`, "x-github-delivery": "d-1" }, body),
      options,
    );
    // The signature holds; this body is not JSON, so it is refused as a bad body (400), not as forged.
    expect(checked).toEqual({ ok: false, status: 400, reason: "the body is not JSON" });
  });

  test("a signed JSON delivery passes with its delivery id and event type", () => {
    const body = JSON.stringify({ zen: "Design for failure." });
    const checked = verifyDelivery(
      "github",
      delivery(signGithub(SECRET, body, "d-2", "ping"), body),
      options,
    );
    expect(checked).toEqual({ ok: true, id: "d-2", type: "ping", payload: { zen: "Design for failure." } });
  });

  test("a form-encoded delivery (payload=…) is read too", () => {
    const body = `payload=${encodeURIComponent('{"action":"opened"}')}`;
    const headers = {
      ...signGithub(SECRET, body, "d-3", "issues"),
      "content-type": "application/x-www-form-urlencoded",
    };
    expect(verifyDelivery("github", delivery(headers, body), options)).toMatchObject({
      ok: true,
      payload: { action: "opened" },
    });
  });

  test("a wrong secret, a changed body, a missing or malformed header are refused with 401", () => {
    const body = '{"a":1}';
    const cases: Record<string, string>[] = [
      signGithub("another secret entirely", body, "x", "push"),
      signGithub(SECRET, '{"a":2}', "x", "push"),
      { "x-github-delivery": "x" },
      { "x-hub-signature-256": "sha1=abc" },
      { "x-hub-signature-256": "sha256=zz" },
      { "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
    ];
    for (const headers of cases) {
      const checked = verifyDelivery("github", delivery(headers, body), options);
      expect(checked).toMatchObject({ ok: false, status: 401 });
    }
  });
});

describe("Linear (Linear-Signature + webhookTimestamp)", () => {
  test("a signed delivery within a minute passes; its type is type.action", () => {
    const body = JSON.stringify({ action: "create", type: "Issue", webhookTimestamp: NOW - 30_000 });
    const checked = verifyDelivery("linear", delivery(signLinear(SECRET, body, "l-1"), body), {
      ...options,
      toleranceMs: 60_000,
    });
    expect(checked).toMatchObject({ ok: true, id: "l-1", type: "Issue.create" });
  });

  test("a stale webhookTimestamp (a replay) is refused even with a valid signature", () => {
    const body = JSON.stringify({ type: "Issue", webhookTimestamp: NOW - 61_000 });
    const checked = verifyDelivery("linear", delivery(signLinear(SECRET, body, "l-2"), body), {
      ...options,
      toleranceMs: 60_000,
    });
    expect(checked).toMatchObject({ ok: false, status: 401, reason: expect.stringMatching(/tolerance/) });
  });

  test("a signed body without webhookTimestamp is refused", () => {
    const body = JSON.stringify({ type: "Issue" });
    expect(verifyDelivery("linear", delivery(signLinear(SECRET, body, "l-3"), body), options)).toMatchObject({
      ok: false,
      reason: "the body has no webhookTimestamp",
    });
  });
});

describe("Stripe (Stripe-Signature t=…,v1=…)", () => {
  const body = JSON.stringify({ id: "evt_1", type: "invoice.paid", object: "event" });

  test("a signed event passes with its event id and type; any of several v1 may match", () => {
    const t = Math.floor(NOW / 1000) - 10;
    const { "stripe-signature": header } = signStripe(SECRET, body, t);
    const rotated = `t=${t},v1=${"a".repeat(64)},${header.split(",")[1]},v0=ignored`;
    for (const value of [header, rotated]) {
      const checked = verifyDelivery("stripe", delivery({ "stripe-signature": value }, body), options);
      expect(checked).toMatchObject({ ok: true, id: "evt_1", type: "invoice.paid" });
    }
  });

  test("t outside the tolerance, a t the signature does not cover, or no v1 is refused", () => {
    const t = Math.floor(NOW / 1000);
    const old = signStripe(SECRET, body, t - 301);
    const moved = `t=${t},${signStripe(SECRET, body, t - 5)["stripe-signature"].split(",")[1]}`;
    for (const header of [old["stripe-signature"], moved, `t=${t}`, "v1=abc", "garbage"]) {
      const checked = verifyDelivery("stripe", delivery({ "stripe-signature": header }, body), options);
      expect(checked).toMatchObject({ ok: false, status: 401 });
    }
  });
});

describe("generic (Standard Webhooks)", () => {
  const secret = `whsec_${Buffer.from("0123456789abcdef0123456789abcdef").toString("base64")}`;
  const body = JSON.stringify({ type: "user.created", data: { id: 7 } });

  test("a delivery signed with the base64-decoded key passes; the id is webhook-id", () => {
    const headers = signStandard(secret, body, "msg_1", Math.floor(NOW / 1000));
    const checked = verifyDelivery("generic", delivery(headers, body), { ...options, secret });
    expect(checked).toMatchObject({ ok: true, id: "msg_1", type: "user.created" });
  });

  test("a signature made with the secret's text (not its decoded key) is refused", () => {
    const t = Math.floor(NOW / 1000);
    const wrong = createHmac("sha256", secret).update(`msg_1.${t}.${body}`).digest("base64");
    const headers = {
      "webhook-id": "msg_1",
      "webhook-timestamp": String(t),
      "webhook-signature": `v1,${wrong}`,
    };
    expect(verifyDelivery("generic", delivery(headers, body), { ...options, secret })).toMatchObject({
      ok: false,
      status: 401,
    });
  });

  test("a stale timestamp or missing headers are refused", () => {
    const stale = signStandard(secret, body, "msg_2", Math.floor(NOW / 1000) - 600);
    expect(verifyDelivery("generic", delivery(stale, body), { ...options, secret })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance/),
    });
    expect(verifyDelivery("generic", delivery({}, body), { ...options, secret })).toMatchObject({
      ok: false,
    });
  });
});

describe("replays and bounds", () => {
  const settings: WebhookSettings = {
    provider: "github",
    secret: SECRET,
    description: "",
    keep: 3,
    max_body_size: 1024,
  };

  test("a second delivery with an accepted id is a duplicate, not a second event", () => {
    let seq = 0;
    const channel = new WebhookChannel("gh", settings, () => ++seq);
    const body = '{"n":1}';
    const first = channel.receive(delivery(signGithub(SECRET, body, "same", "push"), body), NOW);
    const again = channel.receive(delivery(signGithub(SECRET, body, "same", "push"), body), NOW + 1);
    expect(first.outcome).toBe("accepted");
    expect(again).toEqual({ outcome: "duplicate", id: "same" });
    expect(channel.buffer.size).toBe(1);
  });

  test("a forged delivery cannot claim an id ahead of the real one", () => {
    let seq = 0;
    const channel = new WebhookChannel("gh", settings, () => ++seq);
    const body = '{"n":1}';
    const forged = { ...signGithub("not the secret, but long", body, "next", "push") };
    expect(channel.receive(delivery(forged, body), NOW).outcome).toBe("refused");
    expect(channel.receive(delivery(signGithub(SECRET, body, "next", "push"), body), NOW).outcome).toBe(
      "accepted",
    );
  });

  test("the buffer keeps the newest events up to its count and byte bounds", () => {
    const buffer = new EventBuffer({ maxEvents: 3, maxBytes: 100 });
    const event = (seq: number) => ({
      id: String(seq),
      seq,
      webhook: "w",
      provider: "github" as const,
      type: "t",
      receivedAt: "",
      payload: null,
    });
    for (let i = 1; i <= 5; i++) buffer.push(event(i), 10);
    expect(buffer.newest(10).map((e) => e.seq)).toEqual([5, 4, 3]);
    expect(buffer.newest(10, 3).map((e) => e.seq)).toEqual([5, 4]);
    buffer.push(event(6), 95);
    // 95 + 10 > 100: only the newest stays, and it always does.
    expect(buffer.newest(10).map((e) => e.seq)).toEqual([6]);
    buffer.push(event(7), 500);
    expect(buffer.newest(10).map((e) => e.seq)).toEqual([7]);
  });

  test("seen ids are bounded by count and forgotten after their retention", () => {
    const seen = new SeenIds(2, 1000);
    expect(seen.add("a", 0)).toBe(true);
    expect(seen.add("a", 10)).toBe(false);
    seen.add("b", 20);
    seen.add("c", 30);
    expect(seen.size).toBe(2);
    expect(seen.add("a", 40)).toBe(true); // pushed out by count
    expect(seen.add("c", 1029)).toBe(false);
    expect(seen.add("c", 1031)).toBe(true); // retention over
    expect(() => new SeenIds(0, 1)).toThrow(RangeError);
  });
});
