import { type ParamHeader, paramHeaderMismatch, paramHeaders } from "../../backends/modern-param-headers.ts";
import type { CallContext } from "../../gateway/call-context.ts";
import type { Gateway } from "../../gateway/gateway.ts";
import { exposedName } from "../../gateway/tool-names.ts";

const HEADER_MISMATCH = -32020;

/**
 * One endpoint's check of 2026-07-28 `tools/call` requests against their `Mcp-Param-*` headers (the SDK
 * does it only for tools it registered; the gateway's are relayed). Which tools declare headers is read
 * from the caller's tool list once and kept until the surface's tools change.
 */
export class ParamHeaderCheck {
  readonly #gateway: Gateway;
  #declarations = new Map<string, ParamHeader[]>();

  constructor(gateway: Gateway) {
    this.#gateway = gateway;
  }

  /** Forgets what was learnt (the surface's tool list changed). */
  invalidate(): void {
    this.#declarations = new Map();
  }

  /**
   * The 400 / -32020 answer for a `tools/call` whose headers disagree with its arguments, or undefined
   * (any other request, a tool without declarations, or one this caller cannot list: the call itself
   * then answers as usual).
   */
  async reject(request: Request, body: unknown, ctx: CallContext): Promise<Response | undefined> {
    const message = body as {
      id?: unknown;
      method?: unknown;
      params?: { name?: unknown; arguments?: unknown };
    };
    if (message?.method !== "tools/call" || ctx.surface.kind === "meta") return undefined;
    const name = message.params?.name;
    if (typeof name !== "string") return undefined;
    const declarations = this.#declarations.get(name) ?? (await this.#learn(name, ctx));
    if (!declarations || declarations.length === 0) return undefined;
    const mismatch = paramHeaderMismatch(declarations, message.params?.arguments, request.headers);
    if (!mismatch) return undefined;
    return Response.json(
      {
        jsonrpc: "2.0",
        id: message.id ?? null,
        error: {
          code: HEADER_MISMATCH,
          message: `Bad Request: the request headers and body disagree: ${mismatch.body}`,
          data: { mismatch },
        },
      },
      { status: 400 },
    );
  }

  async #learn(name: string, ctx: CallContext): Promise<ParamHeader[] | undefined> {
    const listing = await this.#gateway.listTools(ctx).catch(() => undefined);
    if (!listing) return undefined;
    const transparent = ctx.surface.kind === "transparent";
    for (const { server, tool } of listing.tools) {
      this.#declarations.set(
        transparent ? exposedName(server, tool.name) : tool.name,
        paramHeaders(tool.inputSchema),
      );
    }
    return this.#declarations.get(name);
  }
}
