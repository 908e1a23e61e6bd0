import type { Backend } from "../backends/backend.ts";
import { GatewayError } from "../errors.ts";
import { didYouMean } from "../suggest.ts";
import type { Surface } from "./call-context.ts";
import type { GatewayCore } from "./core.ts";
import type { BackendRequest } from "./pipeline.ts";
import { Routes } from "./routes.ts";

/** The MCP methods `Gateway.relay` answers from the backends' cached lists. */
export const LIST_METHODS = ["resources/list", "resources/templates/list", "prompts/list"] as const;
export type ListMethod = (typeof LIST_METHODS)[number];

/** The MCP methods `Gateway.relay` sends on to one backend. */
export const RELAYED_METHODS = [
  "resources/read",
  "resources/subscribe",
  "resources/unsubscribe",
  "prompts/get",
  "completion/complete",
] as const;
export type RelayedMethod = (typeof RELAYED_METHODS)[number];

/** One relayed request resolved: which backend, and the params it gets (prompt names unprefixed). */
export interface RelayTarget {
  request: BackendRequest;
  params: Record<string, unknown>;
}

/** The resource/prompt routes one surface sees: every backend (names prefixed), or its one backend. */
export function routesFor(core: GatewayCore, surface: Surface): Routes {
  if (surface.kind !== "direct") return new Routes(() => core.pool.all(), { prefix: true });
  return new Routes(
    () => {
      const one = core.pool.get(surface.backend);
      return one ? [one] : [];
    },
    { prefix: false },
  );
}

function request(backend: Backend, kind: BackendRequest["kind"], name: string, label: string) {
  return { backend, kind, name, label, retrySafe: kind !== "subscription" };
}

function resourceOwner(routes: Routes, uri: string): Backend {
  const backend = routes.resourceOwner(uri);
  if (!backend) throw new GatewayError("RESOURCE_NOT_FOUND", `Resource not found: ${uri}`);
  return backend;
}

/**
 * Finds the backend that answers a relayed request.
 * @throws GatewayError RESOURCE_NOT_FOUND, PROMPT_NOT_FOUND, INVALID_ARGUMENTS (nothing to complete)
 */
export function resolveRelay(
  routes: Routes,
  method: RelayedMethod,
  params: Record<string, unknown>,
  direct?: Backend,
): RelayTarget {
  // A direct session (`/mcp/{backend}`) has one backend: everything goes to it, listed or not, so it answers
  // as it would without the gateway.
  if (direct) {
    const kinds = {
      "resources/read": "resource",
      "prompts/get": "prompt",
      "completion/complete": "completion",
    } as const;
    const kind = method in kinds ? kinds[method as keyof typeof kinds] : "subscription";
    const name = String(params.uri ?? params.name ?? method);
    return { request: request(direct, kind, name, method), params };
  }
  switch (method) {
    case "resources/read":
    case "resources/subscribe":
    case "resources/unsubscribe": {
      const uri = String(params.uri ?? "");
      const kind = method === "resources/read" ? "resource" : "subscription";
      return { request: request(resourceOwner(routes, uri), kind, uri, method), params };
    }
    case "prompts/get": {
      const name = String(params.name ?? "");
      const route = routes.resolvePrompt(name);
      if (!route) {
        const known = routes.prompts().map((r) => r.prompt.name);
        throw new GatewayError("PROMPT_NOT_FOUND", `Unknown prompt "${name}"${didYouMean(name, known)}`);
      }
      return {
        request: request(route.backend, "prompt", route.original, method),
        params: { ...params, name: route.original },
      };
    }
    case "completion/complete": {
      const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
      if (ref.type === "ref/prompt") {
        const route = routes.resolvePrompt(ref.name ?? "");
        if (route) {
          return {
            request: request(route.backend, "completion", route.original, method),
            params: { ...params, ref: { ...ref, name: route.original } },
          };
        }
      } else if (ref.type === "ref/resource") {
        const backend = routes.templateOwner(ref.uri ?? "");
        if (backend) return { request: request(backend, "completion", ref.uri ?? "", method), params };
      }
      throw new GatewayError("INVALID_ARGUMENTS", `Nothing to complete for ${JSON.stringify(ref)}`);
    }
  }
}
