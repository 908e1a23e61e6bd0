import { errorForm } from "../../error-table.ts";
import type { GatewayErrorCode } from "../../errors.ts";

/** A JSON-RPC error answer with no id (the request could not be read or was refused before routing). */
export function jsonRpcError(
  status: number,
  code: number,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return Response.json({ jsonrpc: "2.0", error: { code, message }, id: null }, { status, headers });
}

/** A JSON-RPC error answer for a gateway error code, with the status and code the error table names. */
export function gatewayErrorResponse(code: GatewayErrorCode, message: string): Response {
  const form = errorForm(code);
  return jsonRpcError(form.http, form.jsonRpc, message);
}
