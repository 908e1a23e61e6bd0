import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import { GatewayError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";
import type { WebhookChannel } from "./channel.ts";
import type { WebhookEvent } from "./event-buffer.ts";

/** The name a meta session lists the events tool under (beside the four meta-tools, only with webhooks). */
export const WEBHOOK_EVENTS_TOOL = "gateway_webhook_events";

/** The webhooks backend's one tool (`webhooks/events`; `gateway_webhook_events` on a meta surface). */
export const EVENTS_TOOL: Tool = {
  name: "events",
  title: "Webhook events",
  description:
    "Recent events the gateway's webhooks received (GitHub, Linear, Stripe or Standard Webhooks deliveries whose signatures checked out), newest first: id, seq, webhook, type, receivedAt and payload. Pass after_seq from an earlier answer to get only newer ones.",
  inputSchema: {
    type: "object",
    properties: {
      webhook: { type: "string", description: "Only this webhook's events (its name in the config)" },
      limit: { type: "integer", minimum: 1, maximum: 100, default: 10, description: "Most events returned" },
      after_seq: { type: "integer", minimum: 0, description: "Only events with a larger seq" },
    },
    additionalProperties: false,
  },
  annotations: { readOnlyHint: true, openWorldHint: false },
};

const Arguments = z.strictObject({
  webhook: z.string().optional(),
  limit: z.number().int().min(1).max(100).default(10),
  after_seq: z.number().int().min(0).default(0),
});

/** Payload text a result may carry in all; past it an event's payload is left out, naming where to read it. */
const RESULT_BUDGET = 256 * 1024;

function bounded(events: WebhookEvent[]): unknown[] {
  let left = RESULT_BUDGET;
  return events.map((event) => {
    const size = JSON.stringify(event.payload)?.length ?? 0;
    if (size <= left) {
      left -= size;
      return event;
    }
    const uri = `webhook://${event.webhook}/latest`;
    return { ...event, payload: `[payload of ${size} characters left out: read ${uri} or ask for fewer]` };
  });
}

/**
 * Answers the events tool from the channels' buffers: newest first across the webhooks asked for.
 * @throws GatewayError INVALID_ARGUMENTS (bad arguments, an unknown webhook)
 */
export function callEventsTool(
  channels: ReadonlyMap<string, WebhookChannel>,
  args: Record<string, unknown>,
): Record<string, unknown> {
  const parsed = Arguments.safeParse(args);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new GatewayError(
      "INVALID_ARGUMENTS",
      `events: ${issue?.path.join(".") || "arguments"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const { webhook, limit, after_seq: afterSeq } = parsed.data;
  if (webhook !== undefined && !channels.has(webhook)) {
    const names = [...channels.keys()];
    throw new GatewayError(
      "INVALID_ARGUMENTS",
      `no webhook named "${webhook}"${didYouMean(webhook, names)} (configured: ${names.join(", ")})`,
    );
  }
  const chosen = webhook === undefined ? [...channels.values()] : [channels.get(webhook) as WebhookChannel];
  const events = chosen
    .flatMap((c) => c.buffer.newest(limit, afterSeq))
    .sort((a, b) => b.seq - a.seq)
    .slice(0, limit);
  const text = JSON.stringify({ events: bounded(events) });
  return { content: [{ type: "text", text }] };
}
