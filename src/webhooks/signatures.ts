import { hmacSha256, sameBytes, sha256 } from "../digest.ts";

/** Who signs a webhook, and so how its signature is checked. */
export type WebhookProvider = "github" | "linear" | "stripe" | "generic";

/** One delivery as it arrived: the request headers and the raw body bytes (signatures cover the bytes). */
export interface Delivery {
  headers: Headers;
  body: Uint8Array;
}

/** How one webhook's deliveries are checked. */
export interface VerifyOptions {
  /** The signing secret shared with the sender. */
  secret: string;
  /** How far a signed timestamp may be from now (Linear, Stripe, generic); GitHub signs no time. */
  toleranceMs: number;
  /** Now, ms since epoch. */
  now: number;
}

/** A delivery whose signature holds: its sender's delivery/event id, event type and parsed payload. */
export interface VerifiedDelivery {
  ok: true;
  id: string;
  type: string;
  payload: unknown;
}

/** Why a delivery is refused: 401 for a signature that is missing, wrong or stale, 400 for a bad body. */
export interface RefusedDelivery {
  ok: false;
  status: 400 | 401;
  reason: string;
}

export type Verification = VerifiedDelivery | RefusedDelivery;

/** The tolerance each provider's own libraries default to: Linear asks for a minute, Stripe five. */
export const DEFAULT_TOLERANCE_MS: Record<WebhookProvider, number> = {
  github: 0,
  linear: 60_000,
  stripe: 300_000,
  generic: 300_000,
};

const encoder = new TextEncoder();

/** Constant-time comparison of a computed digest with a claimed one; a malformed claim is simply false. */
function sameDigest(expected: Buffer, claimed: string, encoding: "hex" | "base64"): boolean {
  const valid = encoding === "hex" ? /^[0-9a-fA-F]+$/ : /^[A-Za-z0-9+/]+={0,2}$/;
  if (!valid.test(claimed)) return false;
  const bytes = Buffer.from(claimed, encoding);
  return sameBytes(bytes, expected);
}

function refused(reason: string, status: 400 | 401 = 401): RefusedDelivery {
  return { ok: false, status, reason };
}

/** The body as JSON: GitHub may also send it form-encoded (`payload=<json>`), as its settings allow. */
function parsePayload(delivery: Delivery): { value: unknown } | undefined {
  const text = new TextDecoder().decode(delivery.body);
  const form = delivery.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded");
  try {
    return { value: JSON.parse(form ? (new URLSearchParams(text).get("payload") ?? "") : text) };
  } catch {
    return undefined;
  }
}

/** The payload field `key` when it is a string or number (ids and types inside the JSON body). */
function field(payload: unknown, key: string): string | number | undefined {
  if (typeof payload !== "object" || payload === null) return undefined;
  const value = (payload as Record<string, unknown>)[key];
  return typeof value === "string" || typeof value === "number" ? value : undefined;
}

/** A stand-in id for a sender that names none: the body's own hash, so a replayed body is still caught. */
function bodyId(delivery: Delivery): string {
  return `sha256:${sha256(delivery.body, "hex").slice(0, 32)}`;
}

function outside(timestampMs: number, options: VerifyOptions): boolean {
  return Math.abs(options.now - timestampMs) > options.toleranceMs;
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>`; the id is `X-GitHub-Delivery`. */
function github(delivery: Delivery, options: VerifyOptions): Verification {
  const header = delivery.headers.get("x-hub-signature-256");
  if (!header) return refused("no X-Hub-Signature-256 header");
  const claimed = header.startsWith("sha256=") ? header.slice(7) : "";
  if (!sameDigest(hmacSha256(options.secret, delivery.body), claimed, "hex")) {
    return refused("X-Hub-Signature-256 does not match the body");
  }
  const parsed = parsePayload(delivery);
  if (!parsed) return refused("the body is not JSON", 400);
  return {
    ok: true,
    id: delivery.headers.get("x-github-delivery") || bodyId(delivery),
    type: delivery.headers.get("x-github-event") || "unknown",
    payload: parsed.value,
  };
}

/**
 * Linear: `Linear-Signature: <hex HMAC-SHA256 of the body>`, and the body's `webhookTimestamp` (ms) within
 * the tolerance; the id is `Linear-Delivery`.
 */
function linear(delivery: Delivery, options: VerifyOptions): Verification {
  const header = delivery.headers.get("linear-signature");
  if (!header) return refused("no Linear-Signature header");
  if (!sameDigest(hmacSha256(options.secret, delivery.body), header, "hex")) {
    return refused("Linear-Signature does not match the body");
  }
  const parsed = parsePayload(delivery);
  if (!parsed) return refused("the body is not JSON", 400);
  const timestamp = Number(field(parsed.value, "webhookTimestamp"));
  if (!Number.isFinite(timestamp)) return refused("the body has no webhookTimestamp");
  if (outside(timestamp, options)) return refused("webhookTimestamp is outside the tolerance (a replay?)");
  const type = [field(parsed.value, "type"), field(parsed.value, "action")].filter(Boolean).join(".");
  return {
    ok: true,
    id: delivery.headers.get("linear-delivery") || bodyId(delivery),
    type: type || delivery.headers.get("linear-event") || "unknown",
    payload: parsed.value,
  };
}

/**
 * Stripe: `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">[,v1=…]`, any v1 matching, `t`
 * within the tolerance; the id is the event's `id` (a retry of the same event carries the same one).
 */
function stripe(delivery: Delivery, options: VerifyOptions): Verification {
  const header = delivery.headers.get("stripe-signature");
  if (!header) return refused("no Stripe-Signature header");
  let t: string | undefined;
  const v1: string[] = [];
  for (const item of header.split(",")) {
    const [key, value = ""] = item.trim().split("=", 2);
    if (key === "t") t = value;
    if (key === "v1") v1.push(value);
  }
  if (!t || !/^\d{1,12}$/.test(t) || v1.length === 0) {
    return refused("Stripe-Signature lacks t=… or v1=…");
  }
  const expected = hmacSha256(options.secret, `${t}.`, delivery.body);
  if (!v1.some((claimed) => sameDigest(expected, claimed, "hex"))) {
    return refused("no v1 signature in Stripe-Signature matches the body");
  }
  if (outside(Number(t) * 1000, options)) return refused("Stripe-Signature t is outside the tolerance");
  const parsed = parsePayload(delivery);
  if (!parsed) return refused("the body is not JSON", 400);
  return {
    ok: true,
    id: String(field(parsed.value, "id") ?? bodyId(delivery)),
    type: String(field(parsed.value, "type") ?? "unknown"),
    payload: parsed.value,
  };
}

/**
 * The HMAC key of a Standard Webhooks secret: `whsec_<base64>` decoded, as the spec's libraries do; any
 * other secret is used as its UTF-8 bytes (a sender of one's own). Undefined for a `whsec_` secret whose
 * base64 is broken (the config check refuses it).
 */
export function standardWebhooksKey(secret: string): Uint8Array | undefined {
  if (!secret.startsWith("whsec_")) return encoder.encode(secret);
  const encoded = secret.slice(6);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  return Buffer.from(encoded, "base64");
}

/**
 * generic = the Standard Webhooks scheme (standardwebhooks.com; Svix, Resend, Clerk…): `webhook-id`,
 * `webhook-timestamp` (unix s) and `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * (space-separated, any matching), keyed with the base64-decoded secret.
 */
function generic(delivery: Delivery, options: VerifyOptions): Verification {
  const id = delivery.headers.get("webhook-id");
  const timestamp = delivery.headers.get("webhook-timestamp");
  const header = delivery.headers.get("webhook-signature");
  if (!id || !timestamp || !header) {
    return refused("needs webhook-id, webhook-timestamp and webhook-signature headers");
  }
  if (!/^\d{1,12}$/.test(timestamp)) return refused("webhook-timestamp is not a unix time");
  const key = standardWebhooksKey(options.secret);
  if (!key) return refused("the configured secret is not whsec_<base64>");
  const expected = hmacSha256(key, `${id}.${timestamp}.`, delivery.body);
  const claims = header.split(" ").filter((s) => s.startsWith("v1,"));
  if (!claims.some((claim) => sameDigest(expected, claim.slice(3), "base64"))) {
    return refused("no v1 signature in webhook-signature matches the body");
  }
  if (outside(Number(timestamp) * 1000, options))
    return refused("webhook-timestamp is outside the tolerance");
  const parsed = parsePayload(delivery);
  if (!parsed) return refused("the body is not JSON", 400);
  return { ok: true, id, type: String(field(parsed.value, "type") ?? "event"), payload: parsed.value };
}

const VERIFIERS: Record<WebhookProvider, (d: Delivery, o: VerifyOptions) => Verification> = {
  github,
  linear,
  stripe,
  generic,
};

/**
 * Checks a delivery's signature the way its provider documents it (HMAC-SHA256, constant-time compare),
 * and its signed timestamp where the provider signs one; only then parses the body.
 */
export function verifyDelivery(
  provider: WebhookProvider,
  delivery: Delivery,
  options: VerifyOptions,
): Verification {
  return VERIFIERS[provider](delivery, options);
}
