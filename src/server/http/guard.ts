import type { MiddlewareHandler } from "hono";
import { jsonRpcError } from "./json-rpc-error.ts";
import { type OriginPolicy, rejectForeignOrigin } from "./origin.ts";

/**
 * Refuses, on every route, a request a DNS-rebinding page or a foreign Host could have sent (see
 * `rejectForeignOrigin`), and one without a Host header at all (HTTP/1.0): nothing is answered before this
 * check, `/health` and `/metrics` included. Paths `anyHost` names (signed webhooks, reached through
 * tunnels that keep their public Host) skip only the loopback-Host part; see docs/webhooks.md.
 */
export function requestGuard(
  policy: OriginPolicy,
  options: { anyHost?: (path: string) => boolean } = {},
): MiddlewareHandler {
  return async (c, next) => {
    if (!c.req.header("host")) return jsonRpcError(400, -32600, "Bad Request: a Host header is required");
    const checkHost = !options.anyHost?.(c.req.path);
    const rejection = rejectForeignOrigin(c.req.raw, policy, { checkHost });
    if (rejection) return jsonRpcError(403, -32000, `Forbidden: ${rejection}`);
    await next();
  };
}
