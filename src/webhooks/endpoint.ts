import { readBounded } from "../server/http/body.ts";
import type { WebhookInbox } from "./backend.ts";

/** True for the webhook routes, which signatures authenticate (not keys, not the loopback Host). */
export function isWebhookPath(path: string): boolean {
  return path.startsWith("/webhooks/");
}

function answer(status: number, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  return Response.json(body, { status, headers: { "cache-control": "no-store", ...headers } });
}

/**
 * Serves `POST /webhooks/{name}`: reads the body within the webhook's size limit and `bodyTimeoutMs`,
 * hands it to the inbox (signature, timestamp, duplicate checks) and answers as webhook senders expect:
 * 200 for an accepted delivery and for a duplicate (so the sender stops retrying it), 401 for a signature
 * that is missing, wrong or stale, 400 for a body that is not JSON, 404, 408, 413.
 */
export async function serveWebhook(
  request: Request,
  name: string,
  inbox: WebhookInbox | undefined,
  options: { bodyTimeoutMs: number },
): Promise<Response> {
  const max = inbox?.maxBodySize(name);
  if (!inbox || max === undefined) return answer(404, { error: `no webhook is named "${name}"` });
  const tooLarge = () =>
    answer(
      413,
      { error: `the body exceeds ${max} bytes (webhooks.${name}.max_body_size)` },
      { connection: "close" },
    );
  if (Number(request.headers.get("content-length") ?? "0") > max) return tooLarge();
  const read = await readBounded(request, max, options.bodyTimeoutMs);
  if ("error" in read) {
    if (read.error === "too-large") return tooLarge();
    if (read.error === "late") {
      const error = `the body did not arrive within ${options.bodyTimeoutMs} ms`;
      return answer(408, { error }, { connection: "close" });
    }
    return answer(400, { error: "the body could not be read" });
  }
  const receipt = inbox.receive(name, { headers: request.headers, body: read.bytes });
  if (!receipt) return answer(404, { error: `no webhook is named "${name}"` });
  if (receipt.outcome === "refused") return answer(receipt.status, { error: receipt.reason });
  if (receipt.outcome === "duplicate") return answer(200, { status: "duplicate", id: receipt.id });
  return answer(200, { status: "accepted", id: receipt.event.id, seq: receipt.event.seq });
}
