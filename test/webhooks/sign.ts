import { createHmac } from "node:crypto";

// Signatures made the way each provider documents it, independently of src/webhooks/signatures.ts.

/** GitHub: X-Hub-Signature-256 = "sha256=" + hex HMAC-SHA256(secret, body). */
export function signGithub(secret: string, body: string, delivery: string, event: string) {
  const digest = createHmac("sha256", secret).update(body).digest("hex");
  return {
    "x-hub-signature-256": `sha256=${digest}`,
    "x-github-delivery": delivery,
    "x-github-event": event,
    "content-type": "application/json",
  };
}

/** Linear: Linear-Signature = hex HMAC-SHA256(secret, body); the time is the body's webhookTimestamp. */
export function signLinear(secret: string, body: string, delivery: string) {
  return {
    "linear-signature": createHmac("sha256", secret).update(body).digest("hex"),
    "linear-delivery": delivery,
    "content-type": "application/json",
  };
}

/** Stripe: Stripe-Signature = "t=<unix s>,v1=" + hex HMAC-SHA256(secret, "<t>.<body>"). */
export function signStripe(secret: string, body: string, t: number) {
  const digest = createHmac("sha256", secret).update(`${t}.${body}`).digest("hex");
  return { "stripe-signature": `t=${t},v1=${digest}`, "content-type": "application/json" };
}

/** Standard Webhooks: v1,base64 HMAC-SHA256(base64-decoded secret, "<id>.<t>.<body>"). */
export function signStandard(secret: string, body: string, id: string, t: number) {
  const key = Buffer.from(secret.replace(/^whsec_/, ""), "base64");
  const digest = createHmac("sha256", key).update(`${id}.${t}.${body}`).digest("base64");
  return {
    "webhook-id": id,
    "webhook-timestamp": String(t),
    "webhook-signature": `v1,${digest}`,
    "content-type": "application/json",
  };
}
