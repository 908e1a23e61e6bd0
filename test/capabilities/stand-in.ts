import type { Server } from "bun";
import type { FetchFn } from "../../src/capabilities/execute.ts";

/** One request as the stand-in API received it. */
export interface Received {
  method: string;
  /** Path and query exactly as sent on the wire. */
  target: string;
  headers: Record<string, string>;
  body: string;
  /** The origin the gateway meant to reach before the test redirected it. */
  origin: string;
}

/** A local HTTP server that stands in for real APIs and records every request. */
export interface StandIn {
  url: URL;
  received: Received[];
  /** Sends every capability request here instead of the real host (keeping path, query, headers, body). */
  fetch: FetchFn;
  /** Sets the next answers (default: 200 with `{"ok":true}`). */
  respond(handler: (request: Request) => Response | Promise<Response>): void;
  stop(): Promise<void>;
}

/** Starts a stand-in API on 127.0.0.1 with a free port. */
export function startStandIn(): StandIn {
  const received: Received[] = [];
  let handler: (request: Request) => Response | Promise<Response> = () => Response.json({ ok: true });
  const server: Server<undefined> = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url);
      const headers: Record<string, string> = {};
      request.headers.forEach((value, key) => {
        headers[key] = value;
      });
      const origin = headers["x-stand-in-origin"] ?? "";
      delete headers["x-stand-in-origin"];
      received.push({
        method: request.method,
        target: request.url.slice(url.origin.length),
        headers,
        body: await request.clone().text(),
        origin,
      });
      return handler(request);
    },
  });
  const base = new URL(`http://127.0.0.1:${server.port}`);
  return {
    url: base,
    received,
    fetch: async (request) => {
      const original = new URL(request.url);
      const target = request.url.slice(original.origin.length);
      const headers = new Headers(request.headers);
      headers.set("x-stand-in-origin", original.origin);
      const body = request.method === "GET" || request.method === "HEAD" ? null : await request.arrayBuffer();
      return fetch(new URL(target, base), { method: request.method, headers, body, signal: request.signal });
    },
    respond(next) {
      handler = next;
    },
    stop: () => server.stop(true),
  };
}
