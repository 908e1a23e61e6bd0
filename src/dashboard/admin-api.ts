import type { Context, Hono } from "hono";
import { z } from "zod";
import type { Auth } from "../auth/auth.ts";
import { yamlLibrary } from "../config/yaml-library.ts";
import { errorForm } from "../error-table.ts";
import { errorMessage, isGatewayError } from "../errors.ts";
import type { CallContext, Principal } from "../gateway/call-context.ts";
import type { Gateway } from "../gateway/gateway.ts";
import type { AppEnv } from "../server/http/auth.ts";
import { readJsonBody } from "../server/http/body.ts";
import type { RequestTally } from "./request-tally.ts";
import type { UsageReporter } from "./usage-report.ts";

type Handler = (c: Context<AppEnv>, principal: Principal) => Promise<Response> | Response;

/** What the admin pages' routes need from the dashboard. */
export interface AdminApiParts {
  gateway: Gateway;
  auth: Auth | undefined;
  /** Requests by principal and by server, since start. */
  callers: RequestTally;
  servers: RequestTally;
  /** Wraps a handler: admitted callers only, CSRF checked on POST. */
  admitted: (handle: Handler) => (c: Context<AppEnv>) => Promise<Response>;
  context: (principal: Principal, signal: AbortSignal) => CallContext;
}

const LIMITS = { maxBodySize: 64 * 1024, bodyTimeoutMs: 10_000 };
const ApproveBody = z.object({ target: z.string().min(1).max(512) });
const BackendBody = z.object({
  server: z.string().min(1).max(256),
  action: z.enum(["restart", "wake", "sleep"]),
});

/** A gateway error as the dashboard answers it: its message, code and the error table's HTTP status. */
function failed(c: Context<AppEnv>, error: unknown): Response {
  const status = isGatewayError(error) ? errorForm(error.code).http : 500;
  return c.json(
    { error: errorMessage(error), ...(isGatewayError(error) ? { code: error.code } : {}) },
    status as 400,
  );
}

async function body<T>(c: Context<AppEnv>, schema: z.ZodType<T>, hint: string): Promise<T | Response> {
  const raw = await readJsonBody(c.req.raw, LIMITS);
  if (raw instanceof Response) return raw;
  const parsed = schema.safeParse(raw);
  return parsed.success ? parsed.data : c.json({ error: hint }, 400);
}

/**
 * The Usage, Security and Config pages' API and the admin actions (approve a quarantined tool; restart,
 * wake or sleep a backend), each one facade call.
 */
export function adminApi(app: Hono<AppEnv>, parts: AdminApiParts): void {
  const { gateway, auth, callers, admitted, context } = parts;
  // What only these pages need (the key file, config masking, the usage report) loads at their first
  // request: a gateway nobody opens the dashboard of never pays for it at start.
  let usage: Promise<UsageReporter> | undefined;
  const reporter = (): Promise<UsageReporter> =>
    (usage ??= import("./usage-report.ts").then(
      ({ UsageReporter }) => new UsageReporter(gateway, { auth, callers, servers: parts.servers }),
    ));

  app.get(
    "/api/usage",
    admitted(async (c, principal) =>
      c.json(await (await reporter()).report(context(principal, c.req.raw.signal))),
    ),
  );

  app.get(
    "/api/security",
    admitted(async (c, principal) => {
      const servers = (await gateway.listServers(context(principal, c.req.raw.signal))).map((s) => ({
        server: s.name,
        quarantined: s.quarantined ?? [],
        findings: s.findings ?? {},
      }));
      // Never the hashes: id, name, scopes, dates, and the last request seen since start.
      const { listKeys } = await import("../auth/manage.ts");
      const keys = auth
        ? listKeys(auth.keysPath).map((k) => ({
            ...k,
            lastUsed: callers.get(`key:${k.name}`)?.lastUsed,
          }))
        : undefined;
      return c.json({ servers, keys });
    }),
  );

  /** A POST action: the body checked against `schema`, then one facade call whose answer is the reply. */
  const action = <T>(schema: z.ZodType<T>, hint: string, run: (sent: T) => unknown) =>
    admitted(async (c) => {
      const sent = await body(c, schema, hint);
      if (sent instanceof Response) return sent;
      try {
        return c.json(await run(sent));
      } catch (error) {
        return failed(c, error);
      }
    });

  app.post(
    "/api/approve",
    action(ApproveBody, 'send {"target": "server" or "server/tool"}', (sent) =>
      gateway.approveTools(sent.target),
    ),
  );

  app.get(
    "/api/config",
    admitted(async (c) => {
      const { maskedConfig } = await import("../config/mask.ts");
      return c.json({
        yaml: yamlLibrary().stringify(maskedConfig(gateway.config)),
        rejected: gateway.rejectedReload ?? null,
      });
    }),
  );

  app.post(
    "/api/backend",
    action(BackendBody, "send {server, action: restart | wake | sleep}", (sent) =>
      gateway.controlBackend(sent.server, sent.action),
    ),
  );
}
